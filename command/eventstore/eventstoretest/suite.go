// Package eventstoretest is the contract every eventstore.Store adapter
// meets: Run is its test suite and Bench its benchmarks, both taking a
// factory so that each adapter's tests call them with its own stores.
//
// The suite works on a fresh store per test as well as on one long-lived
// store shared by all tests (a real server): every test writes only to
// streams under its own random prefix and never assumes the log is empty.
package eventstoretest

import (
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Run runs the contract suite. newStore returns a store for one test; it
// may hand out the same store every time, and it registers any cleanup on
// the t it is given.
func Run(t *testing.T, newStore func(t *testing.T) eventstore.Store) {
	tests := []struct {
		name string
		test func(t *testing.T, s eventstore.Store)
	}{
		{"Ping", testPing},
		{"AppendExpectedRevision", testAppendExpectedRevision},
		{"AppendPositionsIncrease", testAppendPositionsIncrease},
		{"AppendManyIsAtomic", testAppendManyIsAtomic},
		{"AppendRetryIsIdempotent", testAppendRetryIsIdempotent},
		{"AppendRetryElsewhereIsRefused", testAppendRetryElsewhereIsRefused},
		{"AppendConcurrentNoStreamOneWins", testAppendConcurrentNoStreamOneWins},
		{"AppendConcurrentStreamsAllFollowed", testAppendConcurrentStreamsAllFollowed},
		{"AppendMulti", testAppendMulti},
		{"ReadStreamFromLimit", testReadStreamFromLimit},
		{"ReadStreamNotFound", testReadStreamNotFound},
		{"EventRoundTrip", testEventRoundTrip},
		{"FollowFilterFromStart", testFollowFilterFromStart},
		{"FollowLive", testFollowLive},
		{"FollowFromCheckpoint", testFollowFromCheckpoint},
		{"FollowStopsWithContext", testFollowStopsWithContext},
		{"FollowStopsWithHandleError", testFollowStopsWithHandleError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.test(t, newStore(t))
		})
	}
}

func testPing(t *testing.T, s eventstore.Store) {
	if err := s.Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}
