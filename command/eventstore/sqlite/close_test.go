package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
)

func TestCloseStopsAppendsAndFollowers(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	following := make(chan error, 1)
	go func() {
		following <- s.Follow(t.Context(), eventstore.Start, eventstore.Filter{}, func(context.Context, eventstore.Batch) error {
			return nil
		})
	}()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.Append(t.Context(), "s", eventstore.Any, newEvent()); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
	if err := s.Ping(t.Context()); !errors.Is(err, sqlite.ErrClosed) {
		t.Errorf("Ping after Close: %v, want ErrClosed", err)
	}
	select {
	case err := <-following:
		if !errors.Is(err, sqlite.ErrClosed) {
			t.Errorf("Follow after Close: %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Error("Follow still running 10s after Close")
	}
}

// TestCloseAnswersAppendsInFlight closes while appends run: each one either
// succeeded and is stored, or failed with ErrClosed.
func TestCloseAnswersAppendsInFlight(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	const appends = 200
	errs := make(chan error, appends)
	for range appends {
		go func() {
			_, err := s.Append(context.Background(), "s-"+newEvent().ID.String(), eventstore.NoStream, newEvent())
			errs <- err
		}()
	}
	time.Sleep(time.Millisecond) // let some appends reach the writer
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for range appends {
		if err := <-errs; err != nil && !errors.Is(err, sqlite.ErrClosed) {
			t.Errorf("append during Close: %v", err)
		}
	}
}

func TestAppendCanceledBeforeTaken(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Append(ctx, "canceled", eventstore.NoStream, newEvent()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append: %v, want context.Canceled", err)
	}
	if _, err := s.ReadStream(t.Context(), "canceled", 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
		t.Fatalf("ReadStream: %v, want ErrStreamNotFound", err)
	}
}
