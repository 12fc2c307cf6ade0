package app_test

import (
	"testing"

	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
)

// testPostgresDatabase is a database of the test's own on the PostgreSQL
// that CUSTOMERS_TEST_POSTGRES_URL names, dropped when the test ends; the
// test is skipped without one.
func testPostgresDatabase(t *testing.T) string {
	t.Helper()
	return pgtest.Database(t)
}
