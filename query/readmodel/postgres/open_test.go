package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"github.com/customersvc/customersvc/query/readmodel/postgres"
	"github.com/customersvc/customersvc/query/readmodel/postgres/pgtest"
)

// TestOpenErrors: what cannot work fails Open with one line that says
// what is wrong.
func TestOpenErrors(t *testing.T) {
	t.Parallel()
	closed := closedPort(t)
	nats := natsPort(t)
	web := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(web.Close) // the cases run after this function returns
	cases := []struct {
		name, url string
		want      []string
	}{
		{"unreachable", "postgres://postgres@" + closed + "/db?sslmode=disable&connect_timeout=5", []string{"read model:", closed, "refused"}},
		{"natsPort", "postgres://postgres@" + nats + "/db?sslmode=disable&connect_timeout=5", []string{"read model:", nats, "not a PostgreSQL server"}},
		{"httpPort", "postgres://postgres@" + strings.TrimPrefix(web.URL, "http://") + "/db?sslmode=disable&connect_timeout=5", []string{"read model:", "not a PostgreSQL server"}},
		{"notAURL", "mysql://root@localhost/db", []string{"read model:"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			s, err := postgres.Open(ctx, c.url)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			mustOneLine(t, err, c.want...)
		})
	}
}

// TestOpenWithoutRights: a role that may not create tables in a fresh
// database is told so in one line, and a role that may can open it after.
func TestOpenWithoutRights(t *testing.T) {
	t.Parallel()
	b := make([]byte, 4)
	rand.Read(b)
	role := "customersvc_test_reader_" + hex.EncodeToString(b)
	server := pgtest.ServerURL(t)
	pgtest.Exec(t, server, "CREATE ROLE "+role+" LOGIN")
	// Cleanups run last first: the database, holding the role's grants, goes
	// before the role.
	t.Cleanup(func() { pgtest.Exec(t, server, "DROP ROLE IF EXISTS "+role) })
	db := pgtest.Database(t)
	// From PostgreSQL 15 on, only the owner may create in the public schema;
	// revoking says so on older servers too.
	pgtest.Exec(t, db, "REVOKE CREATE ON SCHEMA public FROM PUBLIC")

	_, err := postgres.Open(t.Context(), pgtest.WithUser(t, db, role))
	if err == nil {
		t.Fatal("Open succeeded without the right to create tables")
	}
	mustOneLine(t, err, "read model:", "may not create", "permission denied")

	openStore(t, db) // the owner migrates
	pgtest.Exec(t, db, "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO "+role)
	s := openStore(t, pgtest.WithUser(t, db, role))
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func mustOneLine(t *testing.T, err error, want ...string) {
	t.Helper()
	msg := err.Error()
	t.Logf("%s: %s", t.Name(), msg)
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error spans lines: %q", msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not say %q", msg, w)
		}
	}
}

// closedPort is an address nothing listens on.
func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// natsPort is the address of a NATS server.
func natsPort(t *testing.T) string {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server not ready")
	}
	return fmt.Sprint(ns.Addr())
}
