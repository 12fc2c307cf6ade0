// Package eventstore is the command side's port to an event store, shaped
// after EventStoreDB's model: streams with per-stream revisions appended with
// an expected revision, and one globally ordered log that can be followed
// from a position. Adapters live in subpackages (sqlite, esdb); the contract
// every adapter meets is the suite in eventstoretest.
package eventstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Store is an event store. Implementations are safe for concurrent use.
type Store interface {
	// Append writes events to the end of stream if the stream's revision is
	// what expected says, atomically: all events or none. It returns only
	// once the events are durable. A retried append whose event IDs are
	// already stored at the same place succeeds again without writing twice.
	// A revision mismatch is a *WrongExpectedVersionError.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events ...EventData) (WriteResult, error)

	// ReadStream returns up to limit events of stream, oldest first, starting
	// at revision from. A stream that was never written is ErrStreamNotFound.
	ReadStream(ctx context.Context, stream string, from uint64, limit int) ([]RecordedEvent, error)

	// Follow delivers, in log order and in batches, every event after from
	// (Start: from the beginning) whose stream name begins with one of
	// filter's prefixes, then goes on delivering new events as they are
	// committed. It returns when ctx ends (with ctx.Err()) or when handle
	// returns an error (with that error). A batch may carry no events and
	// only the position it reached: the log was read up to there.
	Follow(ctx context.Context, from Position, filter Filter, handle func(context.Context, Batch) error) error

	// Head returns the position of the last event in the log, Start when
	// the log is empty.
	Head(ctx context.Context) (Position, error)

	// Ping reports whether the store can serve requests.
	Ping(ctx context.Context) error

	// Close releases the store; appends in flight finish first.
	Close() error
}

// MultiStreamAppender is implemented by stores that can append to several
// streams in one atomic write: every append's expected revision holds and
// all events are written, or nothing is written. A failed condition is the
// *WrongExpectedVersionError of the first stream whose condition failed.
// Callers fall back to one Append per stream where a store lacks it.
type MultiStreamAppender interface {
	AppendMulti(ctx context.Context, appends ...StreamAppend) ([]WriteResult, error)
}

// StreamAppend is one stream's part of an AppendMulti.
type StreamAppend struct {
	Stream   string
	Expected ExpectedRevision
	Events   []EventData
}

// EventData is an event to append.
type EventData struct {
	ID       uuid.UUID // stored as the event's ID; the key of retry deduplication
	Type     string
	Data     []byte // JSON
	Metadata []byte // JSON, see Metadata
}

// Metadata is what the service records beside each event's data.
type Metadata struct {
	SchemaVersion int    `json:"schema_version"`
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	UserID        string `json:"user_id,omitempty"`
	OrgID         string `json:"organization_id,omitempty"`
	// IdempotencyKey and RequestHash identify a client's retryable request.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
	RequestHash    string `json:"request_hash,omitempty"`
}

// RecordedEvent is an event as stored.
type RecordedEvent struct {
	ID       uuid.UUID
	Stream   string
	Revision uint64 // 0 for a stream's first event
	Position Position
	Type     string
	Data     []byte
	Metadata []byte
	Created  time.Time
}

// Position is a place in the global log. Commit and Prepare follow
// EventStoreDB; stores with one number set both to it.
type Position struct {
	Commit  uint64
	Prepare uint64
}

// Start is the position before the first event of the log.
var Start = Position{}

// Less reports whether p comes before q in the log.
func (p Position) Less(q Position) bool {
	if p.Commit != q.Commit {
		return p.Commit < q.Commit
	}
	return p.Prepare < q.Prepare
}

func (p Position) String() string { return fmt.Sprintf("%d/%d", p.Commit, p.Prepare) }

// Filter selects the streams Follow delivers. An empty filter selects all.
type Filter struct {
	StreamPrefixes []string
}

// Batch is what Follow hands over at once: events in log order, and the
// position up to which the log has been read, at or after the last event.
// (EventStoreDB calls that a subscription checkpoint; here "checkpoint" is
// kept for a projection's saved position.)
type Batch struct {
	Events  []RecordedEvent
	Reached Position
}

// WriteResult says where an append landed.
type WriteResult struct {
	NextRevision uint64   // revision of the last event written
	Position     Position // log position of the last event written
}

// ExpectedRevision is the condition an append puts on the stream.
type ExpectedRevision struct {
	kind     expectKind
	revision uint64
}

type expectKind uint8

const (
	expectAny expectKind = iota
	expectNoStream
	expectStreamExists
	expectExact
)

var (
	// Any appends whatever the stream's state.
	Any = ExpectedRevision{kind: expectAny}
	// NoStream appends only if the stream has no events yet.
	NoStream = ExpectedRevision{kind: expectNoStream}
	// StreamExists appends only if the stream has events.
	StreamExists = ExpectedRevision{kind: expectStreamExists}
)

// Exact appends only if the stream's last event has this revision.
func Exact(revision uint64) ExpectedRevision {
	return ExpectedRevision{kind: expectExact, revision: revision}
}

// Matches reports whether a stream whose last revision is current (exists
// false for a stream without events) satisfies e.
func (e ExpectedRevision) Matches(current uint64, exists bool) bool {
	switch e.kind {
	case expectNoStream:
		return !exists
	case expectStreamExists:
		return exists
	case expectExact:
		return exists && current == e.revision
	}
	return true
}

// IsNoStream reports whether e is NoStream.
func (e ExpectedRevision) IsNoStream() bool { return e.kind == expectNoStream }

// IsAny reports whether e is Any.
func (e ExpectedRevision) IsAny() bool { return e.kind == expectAny }

// IsStreamExists reports whether e is StreamExists.
func (e ExpectedRevision) IsStreamExists() bool { return e.kind == expectStreamExists }

// Revision returns the exact revision expected and whether e is Exact.
func (e ExpectedRevision) Revision() (uint64, bool) { return e.revision, e.kind == expectExact }

func (e ExpectedRevision) String() string {
	switch e.kind {
	case expectNoStream:
		return "no stream"
	case expectStreamExists:
		return "stream exists"
	case expectExact:
		return fmt.Sprintf("revision %d", e.revision)
	}
	return "any"
}

// ErrUnavailable says the store cannot take writes now — its disk is full,
// its server out of reach — so the append failed; the same request may
// succeed later. An embedded store reports it only when nothing was
// stored; a server that went away during the call may have stored it, as
// with any error whose answer was lost, so retry under the same
// Idempotency-Key.
var ErrUnavailable = errors.New("event store unavailable")

// ErrStreamNotFound says a stream has no events.
var ErrStreamNotFound = errors.New("stream not found")

// ErrWrongExpectedVersion is matched by every *WrongExpectedVersionError.
var ErrWrongExpectedVersion = errors.New("wrong expected version")

// WrongExpectedVersionError says an append's condition did not hold.
type WrongExpectedVersionError struct {
	Stream   string
	Expected ExpectedRevision
	// Current is the stream's last revision; meaningless when !Exists.
	Current uint64
	Exists  bool
}

func (e *WrongExpectedVersionError) Error() string {
	actual := "no stream"
	if e.Exists {
		actual = fmt.Sprintf("revision %d", e.Current)
	}
	return fmt.Sprintf("append to %q: expected %s, stream is at %s", e.Stream, e.Expected, actual)
}

func (e *WrongExpectedVersionError) Is(target error) bool { return target == ErrWrongExpectedVersion }
