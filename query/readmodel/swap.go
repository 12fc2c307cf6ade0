package readmodel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/customersvc/customersvc/query"
)

// ErrClosed is returned by calls on a closed Swappable.
var ErrClosed = errors.New("read model: closed")

// Swappable is the read model the service serves and its projector writes,
// whose Store can be replaced while it serves: a rebuilt copy takes over
// with Swap. It is safe for concurrent use.
//
// Every call runs on the Store current when it starts. Swap waits for the
// calls still running on the old Store before closing it, so no call ever
// sees a closed database; calls starting during the swap run on the new
// Store.
type Swappable struct {
	current atomic.Pointer[generation]
	// writes is a token ApplyEvents holds while it writes; PauseWrites
	// takes it to keep writers out.
	writes chan struct{}
}

var (
	_ query.ReadModel       = (*Swappable)(nil)
	_ query.ReadModelWriter = (*Swappable)(nil)
)

// generation is one Store while it is current. Calls hold its read lock;
// retiring it takes the write lock, so it waits for them.
type generation struct {
	store   *Store
	mu      sync.RWMutex
	retired bool
}

// NewSwappable serves store until the first Swap.
func NewSwappable(store *Store) (*Swappable, error) {
	if store == nil {
		return nil, errors.New("read model: nil store")
	}
	s := &Swappable{writes: make(chan struct{}, 1)}
	s.current.Store(&generation{store: store})
	return s, nil
}

// acquire returns the current generation, read-locked; release it with
// g.mu.RUnlock. A generation retired meanwhile is passed over.
func (s *Swappable) acquire() (*generation, error) {
	for {
		g := s.current.Load()
		if g == nil {
			return nil, ErrClosed
		}
		g.mu.RLock()
		if !g.retired {
			return g, nil
		}
		g.mu.RUnlock()
	}
}

// Swap makes next the current Store and closes the one it replaces once
// the calls running on it have returned; the error is that Close's. It
// does not wait for paused writes: see PauseWrites.
func (s *Swappable) Swap(next *Store) error {
	if next == nil {
		return errors.New("read model: swap to nil store")
	}
	old := s.current.Swap(&generation{store: next})
	if old == nil {
		// Closed: do not take on a store nobody will close.
		s.current.Store(nil)
		return errors.Join(ErrClosed, next.Close())
	}
	return old.retire()
}

func (g *generation) retire() error {
	g.mu.Lock()
	g.retired = true
	g.mu.Unlock()
	return g.store.Close()
}

// PauseWrites keeps ApplyEvents waiting until resume is called, and
// returns once the write in flight, if any, has committed: the current
// Store's checkpoint then stays where it is. Calling resume more than
// once is harmless.
func (s *Swappable) PauseWrites(ctx context.Context) (resume func(), err error) {
	select {
	case s.writes <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("pause read-model writes: %w", ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-s.writes }) }, nil
}

// Path is the file of the current Store.
func (s *Swappable) Path() (string, error) {
	g, err := s.acquire()
	if err != nil {
		return "", err
	}
	defer g.mu.RUnlock()
	return g.store.Path(), nil
}

// Customer implements query.ReadModel.
func (s *Swappable) Customer(ctx context.Context, id string) (query.Customer, error) {
	g, err := s.acquire()
	if err != nil {
		return query.Customer{}, err
	}
	defer g.mu.RUnlock()
	return g.store.Customer(ctx, id)
}

// Customers implements query.ReadModel.
func (s *Swappable) Customers(ctx context.Context, q query.ListQuery) (query.CustomerList, error) {
	g, err := s.acquire()
	if err != nil {
		return query.CustomerList{}, err
	}
	defer g.mu.RUnlock()
	return g.store.Customers(ctx, q)
}

// ApplyEvents implements query.ReadModelWriter. While writes are paused
// it waits, or until ctx ends.
func (s *Swappable) ApplyEvents(ctx context.Context, events []query.CustomerEvent, projection string) ([]query.Outcome, error) {
	select {
	case s.writes <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.writes }()
	g, err := s.acquire()
	if err != nil {
		return nil, err
	}
	defer g.mu.RUnlock()
	return g.store.ApplyEvents(ctx, events, projection)
}

// Checkpoint implements query.ReadModelWriter.
func (s *Swappable) Checkpoint(ctx context.Context, projection string) (uint64, error) {
	g, err := s.acquire()
	if err != nil {
		return 0, err
	}
	defer g.mu.RUnlock()
	return g.store.Checkpoint(ctx, projection)
}

// WaitIndexed waits until the current Store's search index holds every
// row written so far (Store.WaitIndexed).
func (s *Swappable) WaitIndexed(ctx context.Context) error {
	g, err := s.acquire()
	if err != nil {
		return err
	}
	defer g.mu.RUnlock()
	return g.store.WaitIndexed(ctx)
}

// Ping reports whether the current Store answers.
func (s *Swappable) Ping(ctx context.Context) error {
	g, err := s.acquire()
	if err != nil {
		return err
	}
	defer g.mu.RUnlock()
	return g.store.Ping(ctx)
}

// Close closes the current Store once the calls on it have returned;
// later calls return ErrClosed. Close is idempotent.
func (s *Swappable) Close() error {
	g := s.current.Swap(nil)
	if g == nil {
		return nil
	}
	return g.retire()
}
