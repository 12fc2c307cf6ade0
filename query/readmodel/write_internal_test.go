package readmodel

import (
	"strings"
	"testing"

	"github.com/customersvc/customersvc/query"
)

// FuzzSearchKeys holds SearchKeys to the formulas it replaces.
func FuzzSearchKeys(f *testing.F) {
	for _, s := range []string{"ACME SpA", "Ärzte & Söhne", "İstanbul", "\u212a\u017f", "\xff\xfe bad", "\xe4\xb8", "ΑΘΗΝΑ", "\x00NUL"} {
		f.Add(s, "Description "+s, "it 123", "IT123")
	}
	f.Fuzz(func(t *testing.T, name, description, vat, normalized string) {
		c := query.Customer{Name: name, Description: description, VAT: vat, NormalizedVAT: normalized}
		nameKey, search := SearchKeys(c)
		if want := strings.ToLower(name); nameKey != want {
			t.Fatalf("name key %q, want %q", nameKey, want)
		}
		if want := strings.ToLower(name + "\x00" + description + "\x00" + vat + "\x00" + normalized); search != want {
			t.Fatalf("search text %q, want %q", search, want)
		}
	})
}
