package readmodel_test

import (
	"path/filepath"
	"testing"

	"github.com/customersvc/customersvc/query"
	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

func openStore(t testing.TB, path string) *readmodel.Store {
	t.Helper()
	s, err := readmodel.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func tempPath(t testing.TB) string { return filepath.Join(t.TempDir(), readmodel.DefaultFile) }

// customers returns n customers with names that lower-case differently,
// all at revision 0.
func customers(n int, name string) []query.Customer { return readmodeltest.Customers(n, name) }

// save applies the creations of cs, each as revision c.Version, at log
// positions from on, and fails unless every one applies.
func save(t *testing.T, s query.ReadModelWriter, cs []query.Customer, from uint64) {
	t.Helper()
	outcomes, err := s.ApplyEvents(t.Context(), readmodeltest.Events(cs, from), "customers")
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range outcomes {
		if o != query.Applied {
			t.Fatalf("%s revision %d: %s", cs[i].ID, cs[i].Version, o)
		}
	}
}
