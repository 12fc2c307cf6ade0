// Package pgtest gives tests a PostgreSQL database of their own on the
// server CUSTOMERS_TEST_POSTGRES_URL names, and skips them without it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the server tests use, as a URL of a database the role may
// create databases from, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable.
const EnvURL = "CUSTOMERS_TEST_POSTGRES_URL"

// ServerURL is the URL EnvURL gives; without one, the test is skipped.
func ServerURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		tb.Skipf("%s is not set: no PostgreSQL to test against (e.g. %s=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable)", EnvURL, EnvURL)
	}
	return u
}

// Database creates a database of a random name, customersvc_test_<hex>,
// drops it when the test ends, and returns its URL.
func Database(tb testing.TB) string {
	tb.Helper()
	server := ServerURL(tb)
	b := make([]byte, 6)
	rand.Read(b)
	name := "customersvc_test_" + hex.EncodeToString(b)
	Exec(tb, server, "CREATE DATABASE "+name)
	tb.Cleanup(func() { Exec(tb, server, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	return WithDatabase(tb, server, name)
}

// WithDatabase is server's URL naming the database name instead.
func WithDatabase(tb testing.TB, server, name string) string {
	tb.Helper()
	u, err := url.Parse(server)
	if err != nil {
		tb.Fatalf("%s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// WithUser is u's URL with another role, without password.
func WithUser(tb testing.TB, u, user string) string {
	tb.Helper()
	parsed, err := url.Parse(u)
	if err != nil {
		tb.Fatal(err)
	}
	parsed.User = url.User(user)
	return parsed.String()
}

// Exec runs statements on the database at u.
func Exec(tb testing.TB, u string, statements ...string) {
	tb.Helper()
	conn, err := pgx.Connect(context.Background(), u)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, s := range statements {
		if _, err := conn.Exec(context.Background(), s); err != nil {
			tb.Fatalf("%s: %v", s, err)
		}
	}
}
