package readmodel_test

import (
	"testing"

	"github.com/customersvc/customersvc/query/readmodel"
	"github.com/customersvc/customersvc/query/readmodel/readmodeltest"
)

// TestContract runs the read model's contract suite on SQLite files, and
// on a Swappable serving one.
func TestContract(t *testing.T) {
	t.Parallel()
	t.Run("Store", func(t *testing.T) {
		readmodeltest.Run(t, func(t *testing.T) readmodeltest.Store {
			s := openStore(t, tempPath(t))
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
	t.Run("Swappable", func(t *testing.T) {
		readmodeltest.Run(t, func(t *testing.T) readmodeltest.Store {
			s, err := readmodel.NewSwappable(openStore(t, tempPath(t)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		})
	})
}
