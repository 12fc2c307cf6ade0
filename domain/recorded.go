package domain

import "time"

// RecordedEvent is an event as a stream holds it, with the facts of its
// recording: where it sits, when it was written and who caused it. Event is
// in its current schema, whatever version was stored.
type RecordedEvent struct {
	Event Event
	// StreamVersion is the event's revision in its stream, from 0.
	StreamVersion uint64
	// GlobalPosition is the event's place in the service's log.
	GlobalPosition uint64
	// RecordedAt is when the event store wrote the event.
	RecordedAt time.Time
	// RecordedBy is the actor the event's metadata names.
	RecordedBy Actor
}
