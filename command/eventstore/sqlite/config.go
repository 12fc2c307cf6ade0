package sqlite

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/customersvc/customersvc/internal/sqlitewal"
)

// Config configures a Store. Zero fields take the defaults below.
type Config struct {
	// Path is the database file; it is created if missing.
	Path string
	// MaxBatch caps how many appends share one transaction and fsync.
	// Default 512.
	MaxBatch int
	// CommitDelay is how long the writer waits, at most, for more appends
	// to join a batch while appends come concurrently: a batch smaller than
	// the largest of the last few waits for that many. Fewer, larger
	// commits write each hot page and pay each fsync once for more
	// appends, which under load costs less CPU than it adds latency. A
	// lone caller's appends do not wait (only its first after a burst of
	// concurrent ones may). Default 2ms; negative turns the wait off.
	CommitDelay time.Duration
	// ReadConns caps the pool of read connections used by ReadStream and
	// Follow. Default 8.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held elsewhere
	// (a checkpoint, another process) before failing. Default 5s.
	BusyTimeout time.Duration
	// WALLimit is the size the write-ahead log is kept under, plus one
	// commit, however busy the readers (see internal/sqlitewal). Default
	// 64 MiB.
	WALLimit int64
}

const (
	defaultMaxBatch    = 512
	defaultCommitDelay = 2 * time.Millisecond
	defaultReadConns   = 8
	defaultBusyTimeout = 5 * time.Second
)

func (c *Config) setDefaults() {
	if c.MaxBatch == 0 {
		c.MaxBatch = defaultMaxBatch
	}
	if c.CommitDelay == 0 {
		c.CommitDelay = defaultCommitDelay
	}
	if c.ReadConns == 0 {
		c.ReadConns = defaultReadConns
	}
	if c.BusyTimeout == 0 {
		c.BusyTimeout = defaultBusyTimeout
	}
	if c.WALLimit == 0 {
		c.WALLimit = sqlitewal.DefaultLimit
	}
}

// Validate reports every problem of c at once. Zero fields are valid: they
// stand for the defaults.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.Path == "":
		errs = append(errs, errors.New("no Path given"))
	case c.Path == ":memory:" || strings.HasPrefix(c.Path, "file:"):
		// Each connection would open its own in-memory database, and a URI
		// could override the pragmas durability depends on.
		errs = append(errs, fmt.Errorf("bad Path %q: must be a plain file path", c.Path))
	case strings.ContainsRune(c.Path, '?'):
		// The driver takes everything after '?' as options.
		errs = append(errs, fmt.Errorf("bad Path %q: must not contain '?'", c.Path))
	}
	if c.MaxBatch < 0 {
		errs = append(errs, fmt.Errorf("MaxBatch %d must not be negative", c.MaxBatch))
	}
	if c.ReadConns < 0 {
		errs = append(errs, fmt.Errorf("ReadConns %d must not be negative", c.ReadConns))
	}
	if c.WALLimit < 0 {
		errs = append(errs, fmt.Errorf("WALLimit %d must not be negative", c.WALLimit))
	}
	if c.BusyTimeout < 0 {
		errs = append(errs, fmt.Errorf("BusyTimeout %s must not be negative", c.BusyTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite event store config: %w", err)
	}
	return nil
}

// dsn builds the driver's connection string. Every connection gets WAL and
// the busy timeout; synchronous=FULL is what makes a commit durable, and
// only the writer commits; readers are query_only so a bug cannot turn one
// into a second writer.
func (c Config) dsn(writer bool) string {
	return c.dsnWaiting(writer, c.BusyTimeout)
}

func (c Config) dsnWaiting(writer bool, busyTimeout time.Duration) string {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	if writer {
		q.Set("_synchronous", "FULL")
	} else {
		q.Set("_query_only", "true")
	}
	return c.Path + "?" + q.Encode()
}
