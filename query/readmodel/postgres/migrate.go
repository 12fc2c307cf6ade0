package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationsTable records the schema's version. It is named for the read
// model, so that a database shared with other schemas keeps them apart.
const migrationsTable = "read_model_migrations"

// migrateUp applies the migrations not applied yet. Replicas starting
// together take turns: migrate holds an advisory lock while it works.
//
// It runs on connections of its own, which it closes itself: migrate's
// driver does not release its connection when it fails to set up, and a
// connection of the pool kept that way would hang the pool's Close.
func migrateUp(ctx context.Context, cfg *pgx.ConnConfig) (err error) {
	var opened []*pgx.Conn
	var mu sync.Mutex
	db := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, c)
		return nil
	}))
	defer func() {
		err = errors.Join(err, db.Close())
		mu.Lock()
		defer mu.Unlock()
		for _, c := range opened {
			c.Close(context.WithoutCancel(ctx)) // closing a closed connection is harmless
		}
	}()
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	driver, err := pgxmigrate.WithInstance(db, &pgxmigrate.Config{MigrationsTable: migrationsTable})
	if err != nil {
		return errors.Join(schemaError(err), src.Close())
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx", driver)
	if err != nil {
		return errors.Join(schemaError(err), src.Close())
	}
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return schemaError(err)
	}
	return nil
}

// schemaError makes a migration's error one line that says what is
// wrong: migrate's own quote the whole statement, over many lines.
func schemaError(err error) error {
	var dbErr database.Error // returned as a value and as a pointer
	var dbErrPtr *database.Error
	switch {
	case errors.As(err, &dbErr) && dbErr.OrigErr != nil:
		err = dbErr.OrigErr
	case errors.As(err, &dbErrPtr) && dbErrPtr.OrigErr != nil:
		err = dbErrPtr.OrigErr
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42501" { // insufficient_privilege
		return fmt.Errorf("the role may not create the read model's schema (grant it CREATE on the schema, or migrate as a role that may): %w", oneLine(err))
	}
	return fmt.Errorf("update the schema: %w", oneLine(err))
}

// oneLine is err with its line breaks made spaces.
func oneLine(err error) error {
	msg := err.Error()
	if !strings.ContainsAny(msg, "\r\n") {
		return err
	}
	return lineError{msg: strings.Join(strings.Fields(msg), " "), err: err}
}

// lineError is an error shown on one line that still unwraps to itself.
type lineError struct {
	msg string
	err error
}

func (e lineError) Error() string { return e.msg }
func (e lineError) Unwrap() error { return e.err }
