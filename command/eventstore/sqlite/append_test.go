package sqlite_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/sqlite"
)

func TestAppendRefuses(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	stored := newEvent()
	if _, err := s.Append(t.Context(), "owner", eventstore.NoStream, stored); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		stream  string
		events  []eventstore.EventData
		wantErr error
	}{
		{"NoStreamName", "", []eventstore.EventData{newEvent()}, sqlite.ErrInvalidAppend},
		{"NoEvents", "empty", nil, sqlite.ErrInvalidAppend},
		{"NilID", "nil-id", []eventstore.EventData{{Type: "T"}}, sqlite.ErrInvalidAppend},
		{"IDOfAnotherStream", "thief", []eventstore.EventData{newEvent(), stored}, sqlite.ErrDuplicateEventID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := s.Append(t.Context(), tt.stream, eventstore.Any, tt.events...)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if _, err := s.ReadStream(t.Context(), tt.stream, 0, 0); !errors.Is(err, eventstore.ErrStreamNotFound) {
				t.Fatalf("ReadStream after refused append: %v, want ErrStreamNotFound", err)
			}
		})
	}
}

// TestFollowAdvancesWithoutMatches checks that a follower whose filter
// matches nothing still gets checkpoints as the log grows.
func TestFollowAdvancesWithoutMatches(t *testing.T) {
	t.Parallel()
	s := openStore(t)
	res, err := s.Append(t.Context(), "other", eventstore.NoStream, newEvent())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	errReached := errors.New("reached")
	err = s.Follow(ctx, eventstore.Start, eventstore.Filter{StreamPrefixes: []string{"nothing-" + uuid.NewString()}},
		func(_ context.Context, b eventstore.Batch) error {
			if len(b.Events) > 0 {
				t.Errorf("delivered %d events", len(b.Events))
			}
			if !b.Reached.Less(res.Position) {
				return errReached
			}
			return nil
		})
	if !errors.Is(err, errReached) {
		t.Fatalf("Follow: %v, want a checkpoint at %s", err, res.Position)
	}
}
