package esdbtest

import (
	"time"

	"github.com/google/uuid"
)

// Expected versions as the server encodes them: a revision (>= 0) or one of
// these.
const (
	expectNoStream     int64 = -1
	expectAny          int64 = -2
	expectStreamExists int64 = -4
)

// proposed is an event to append.
type proposed struct {
	id          uuid.UUID
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
}

// outcome is how an append ended: written (or found to be a retry), with
// the stream's last revision and the position of its last event; or
// refused with the stream's current revision.
type outcome struct {
	ok       bool
	current  int64 // stream's last revision, -1: no stream
	position uint64
	written  bool // has a position: false only for an empty append
}

// append runs the server's commit check and writes events when it passes.
func (l *eventLog) append(stream string, expected int64, events []proposed, now time.Time) outcome {
	l.mu.Lock()
	defer l.mu.Unlock()
	existing := l.streams[stream]
	current := int64(len(existing)) - 1
	if last, retried, refused := l.retry(stream, existing, expected, events); retried {
		return outcome{ok: true, current: int64(last.revision), position: last.position, written: true}
	} else if refused {
		return outcome{current: current}
	}
	if !matches(expected, current) {
		return outcome{current: current}
	}
	if len(events) == 0 {
		return outcome{ok: true, current: current}
	}
	created := now.UnixNano() / 100
	for i, e := range events {
		l.write(stream, uint64(current+1)+uint64(i), e, created)
	}
	close(l.appended)
	l.appended = make(chan struct{})
	last := l.records[len(l.records)-1]
	return outcome{ok: true, current: int64(last.revision), position: last.position, written: true}
}

func matches(expected, current int64) bool {
	switch expected {
	case expectAny:
		return true
	case expectStreamExists:
		return current >= 0
	}
	return expected == current
}

// retry checks whether events are a retry of an append already stored, the
// way the server does: for Any and StreamExists by looking the IDs up, for
// an expected revision behind the stream by comparing the IDs stored after
// it. refused means the IDs are stored in part only.
func (l *eventLog) retry(stream string, existing []*record, expected int64, events []proposed) (last *record, retried, refused bool) {
	if len(events) == 0 {
		return nil, false, false
	}
	if expected == expectAny || expected == expectStreamExists {
		for i, e := range events {
			r, ok := l.byID[e.id]
			if !ok || r.stream != stream {
				return nil, false, i > 0
			}
			last = r
		}
		return last, true, false
	}
	if expected >= int64(len(existing))-1 {
		return nil, false, false
	}
	for i, e := range events {
		rev := expected + 1 + int64(i)
		if rev >= int64(len(existing)) || existing[rev].id != e.id {
			return nil, false, i > 0
		}
		last = existing[rev]
	}
	return last, true, false
}

// write adds one event to the log; its position grows by about the size
// the event takes on disk.
func (l *eventLog) write(stream string, revision uint64, e proposed, created int64) {
	r := &record{
		index:       len(l.records),
		id:          e.id,
		stream:      stream,
		revision:    revision,
		position:    l.next,
		eventType:   e.eventType,
		contentType: e.contentType,
		data:        e.data,
		metadata:    e.metadata,
		created:     created,
	}
	l.next += uint64(100 + len(stream) + len(e.eventType) + len(e.data) + len(e.metadata))
	l.records = append(l.records, r)
	l.streams[stream] = append(l.streams[stream], r)
	if _, ok := l.byID[e.id]; !ok {
		l.byID[e.id] = r
	}
}
