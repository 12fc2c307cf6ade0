package readmodel

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/mattn/go-sqlite3"
)

// driverNoAutoCheckpoint is SQLite with automatic WAL checkpoints off: the
// writer's commits only append to the log, and the checkpointer folds the
// log into the database on its own connection and schedule.
const driverNoAutoCheckpoint = "sqlite3_readmodel_writer"

func init() {
	sql.Register(driverNoAutoCheckpoint, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec("PRAGMA wal_autocheckpoint = 0", nil)
			return err
		},
	})
}

type checkpointer struct {
	db   *sql.DB
	stop func() error
}

// startCheckpointer runs a passive checkpoint every interval: it copies what
// it can without waiting for readers or blocking the writer.
func startCheckpointer(dsn string, interval time.Duration) (*checkpointer, error) {
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, fmt.Errorf("open checkpointer: %w", err)
	}
	db.SetMaxOpenConns(1)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, _ = db.Exec("PRAGMA wal_checkpoint(PASSIVE)") // a failed pass is retried next tick
			case <-quit:
				return
			}
		}
	}()
	cp := &checkpointer{db: db}
	cp.stop = func() error {
		close(quit)
		<-done
		_, err := db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		return errors.Join(err, db.Close())
	}
	return cp, nil
}
