package readmodel_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
)

func openStore(t *testing.T, path string) *readmodel.Store {
	t.Helper()
	s, err := readmodel.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tempPath(t *testing.T) string { return filepath.Join(t.TempDir(), readmodel.DefaultFile) }

// customers returns n customers with names that lower-case differently.
func customers(n int, name string) []query.Customer {
	at := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	out := make([]query.Customer, n)
	for i := range out {
		out[i] = query.Customer{
			ID: fmt.Sprintf("c-%05d", i), ParentOrganizationID: fmt.Sprintf("org-%d", i%3),
			Name: fmt.Sprintf("%s %d ÄÖÜ İ K", name, i), Description: "Ärzte " + name,
			CustomData: json.RawMessage(fmt.Sprintf(`{"vat": "IT%011d"}`, i)),
			VAT:        fmt.Sprintf("it %011d", i), NormalizedVAT: fmt.Sprintf("IT%011d", i),
			Branding:  domain.Branding{LogoURL: "l", DarkLogoURL: "d"},
			CreatedAt: at.Add(time.Duration(i) * time.Second), UpdatedAt: at.Add(time.Duration(i) * time.Second),
			Version: 0,
		}
	}
	return out
}
