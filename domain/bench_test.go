package domain_test

import (
	"testing"

	"github.com/customersvc/customersvc/domain"
)

func BenchmarkCreateCustomer(b *testing.B) {
	in := validCustomer()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := domain.CreateCustomer(in); err != nil {
			b.Fatal(err)
		}
	}
}
