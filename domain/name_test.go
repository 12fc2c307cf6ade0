package domain_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/customersvc/customersvc/domain"
)

// TestNameRefusesEveryBidiAndInvisibleCharacter: each bidirectional
// control and zero-width character, anywhere in a name, is refused as a
// control character is; the characters around them are not.
func TestNameRefusesEveryBidiAndInvisibleCharacter(t *testing.T) {
	t.Parallel()
	refused := []rune{0x061c, 0x200e, 0x200f, 0xfeff}
	for _, span := range [][2]rune{{0x200b, 0x200d}, {0x202a, 0x202e}, {0x2060, 0x2064}, {0x2066, 0x2069}} {
		for r := span[0]; r <= span[1]; r++ {
			refused = append(refused, r)
		}
	}
	for _, r := range refused {
		for _, name := range []string{string(r) + "ACME", "AC" + string(r) + "ME", "ACME" + string(r)} {
			in := validCustomer()
			in.Name = name
			_, err := domain.CreateCustomer(in)
			var v domain.RuleViolations
			if !errors.As(err, &v) || len(v) != 1 || v[0].Code != domain.CodeControlChars {
				t.Errorf("%U in %q: %v", r, name, err)
			}
		}
	}
	for _, r := range []rune{0x061b, 0x061d, 0x200a, 0x2010, 0x2029, 0x202f, 0x2065, 0x206a, 0xfefe, 0xff01} {
		in := validCustomer()
		in.Name = fmt.Sprintf("AC%cME", r)
		if _, err := domain.CreateCustomer(in); err != nil {
			t.Errorf("%U refused: %v", r, err)
		}
	}
}
