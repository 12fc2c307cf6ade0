package esdb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
)

var _ eventstore.Store = (*Store)(nil)

// ErrClosed is returned by calls on a closed Store.
var ErrClosed = errors.New("esdb event store: closed")

// Store is an eventstore.Store on EventStoreDB. It is safe for concurrent
// use; see the package comment for its guarantees.
type Store struct {
	cfg     Config
	conf    esdbclient.Configuration // what each new client is made from
	life    context.Context          // ends when Close starts: Follow stops
	endLife context.CancelFunc

	// calls is held for reading by every client call in flight and for
	// writing by Close, which so waits for them before closing the client.
	calls  sync.RWMutex
	closed bool // under calls

	mu      sync.Mutex
	current *esdbclient.Client // under mu; replaced when it gave up

	closeOnce sync.Once
	closeErr  error
}

// Open makes a Store for the server at cfg.URL. It does not contact the
// server: the client connects on the first call, so a Store can be opened
// before its server is up. Use Ping to check the server.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	cfg.setDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	conf, err := parseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	conf.Logger = clientLogger(cfg.Logger)
	s := &Store{cfg: cfg, conf: *conf}
	if s.current, err = s.newClient(); err != nil {
		return nil, err
	}
	s.life, s.endLife = context.WithCancel(context.Background())
	cfg.Logger.DebugContext(ctx, "esdb event store opened", "url", redact(cfg.URL))
	return s, nil
}

func (s *Store) newClient() (*esdbclient.Client, error) {
	conf := s.conf // each client keeps a pointer to its own copy
	c, err := esdbclient.NewClient(&conf)
	if err != nil {
		return nil, fmt.Errorf("esdb client for %s: %w", redact(s.cfg.URL), err)
	}
	return c, nil
}

// call runs fn with the client, as a call in flight that Close waits for.
// The client gives up for good when it fails to find the server within its
// discovery attempts (about a second by default) and then reports every
// call as a closed connection; call then replaces it with a new client and
// runs fn once more, which is safe: fn never reached the server.
func (s *Store) call(fn func(*esdbclient.Client) error) error {
	c, err := s.acquire()
	if err != nil {
		return err
	}
	err = fn(c)
	s.calls.RUnlock()
	if !hasCode(err, esdbclient.ErrorCodeConnectionClosed) {
		return err
	}
	s.replace(c)
	if c, err = s.acquire(); err != nil {
		return err
	}
	defer s.calls.RUnlock()
	return fn(c)
}

// acquire returns the current client and holds calls for reading; the
// caller releases it.
func (s *Store) acquire() (*esdbclient.Client, error) {
	s.calls.RLock()
	if s.closed {
		s.calls.RUnlock()
		return nil, ErrClosed
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current, nil
}

// replace puts a new client in place of old unless another call did so
// already. The old client is left unclosed: its connection loop has ended,
// and closing it could make a call still handing it a message panic (the
// client sends on the channel it would close).
func (s *Store) replace(old *esdbclient.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != old {
		return
	}
	c, err := s.newClient()
	if err != nil {
		// Cannot happen: the configuration was valid before.
		s.cfg.Logger.Error("esdb event store: cannot renew the client", "err", err)
		return
	}
	s.current = c
	s.cfg.Logger.Warn("esdb event store: the client gave up reaching the server; starting a new one", "url", redact(s.cfg.URL))
}

// Close waits for the appends and reads in flight, ends every Follow with
// ErrClosed and closes the client. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.endLife()
		s.calls.Lock()
		s.closed = true
		s.calls.Unlock()
		s.mu.Lock()
		defer s.mu.Unlock()
		s.closeErr = s.current.Close()
	})
	return s.closeErr
}

// hasCode reports whether err is a client error with code.
func hasCode(err error, code esdbclient.ErrorCode) bool {
	e, ok := errors.AsType[*esdbclient.Error](err)
	return ok && e.IsErrorCode(code)
}

func toPosition(p esdbclient.Position) eventstore.Position {
	return eventstore.Position{Commit: p.Commit, Prepare: p.Prepare}
}
