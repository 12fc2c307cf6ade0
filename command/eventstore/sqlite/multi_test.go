package sqlite

import (
	"errors"
	"testing"

	"github.com/customersvc/customersvc/command/eventstore"
)

func part(stream string, expected eventstore.ExpectedRevision, events ...eventstore.EventData) eventstore.StreamAppend {
	return eventstore.StreamAppend{Stream: stream, Expected: expected, Events: events}
}

// TestBatchMultiAppends commits AppendMulti requests in one batch with
// others: each is all or nothing, and an undone one leaves no trace for
// the requests after it.
func TestBatchMultiAppends(t *testing.T) {
	t.Parallel()
	w, s := openWriter(t)
	e := make([]eventstore.EventData, 9)
	for i := range e {
		e[i] = event()
	}
	tests := []struct {
		name     string
		req      *appendRequest
		wantRevs []uint64
		wantErr  error
	}{
		{"Create", multiRequest(part("x", eventstore.NoStream, e[0]), part("y", eventstore.NoStream, e[1])), []uint64{0, 0}, nil},
		{"SecondRefused", multiRequest(part("z", eventstore.NoStream, e[2]), part("x", eventstore.NoStream, e[3])), nil, eventstore.ErrWrongExpectedVersion},
		{"AfterUndone", request("z", eventstore.NoStream, e[4]), []uint64{0}, nil},
		{"Retry", multiRequest(part("x", eventstore.NoStream, e[0]), part("y", eventstore.NoStream, e[1])), []uint64{0, 0}, nil},
		{"RetryMixedWithNew", multiRequest(part("x", eventstore.NoStream, e[0]), part("w", eventstore.NoStream, e[5])), nil, eventstore.ErrWrongExpectedVersion},
		{"SameStreamTwice", multiRequest(part("v", eventstore.NoStream, e[6]), part("v", eventstore.Exact(0), e[7])), []uint64{0, 1}, nil},
		{"IDInTwoParts", multiRequest(part("u", eventstore.NoStream, e[8]), part("u2", eventstore.NoStream, e[8])), nil, ErrDuplicateEventID},
	}
	batch := make([]*appendRequest, len(tests))
	for i, tt := range tests {
		batch[i] = tt.req
	}
	w.commit(batch)
	for _, tt := range tests {
		r := <-tt.req.reply
		if tt.wantErr != nil {
			var wev *eventstore.WrongExpectedVersionError
			if !errors.Is(r.err, tt.wantErr) || errors.As(r.err, &wev) && wev.Stream != "x" {
				t.Errorf("%s: error %v, want %v on stream x", tt.name, r.err, tt.wantErr)
			}
			continue
		}
		if r.err != nil || len(r.results) != len(tt.wantRevs) {
			t.Errorf("%s: %+v", tt.name, r)
			continue
		}
		for i, rev := range tt.wantRevs {
			if r.results[i].NextRevision != rev {
				t.Errorf("%s: part %d at revision %d, want %d", tt.name, i, r.results[i].NextRevision, rev)
			}
		}
	}
	wantStream(t, s, "x", e[0])
	wantStream(t, s, "y", e[1])
	wantStream(t, s, "z", e[4])
	wantStream(t, s, "w")
	wantStream(t, s, "v", e[6], e[7])
	wantStream(t, s, "u")
	wantStream(t, s, "u2")
}
