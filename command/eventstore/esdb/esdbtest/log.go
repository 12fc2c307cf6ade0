package esdbtest

import (
	"sort"
	"sync"

	"github.com/google/uuid"
)

// record is a stored event. Records are never changed once in the log, so
// readers use them without holding the lock.
type record struct {
	index       int // place in eventLog.records
	id          uuid.UUID
	stream      string
	revision    uint64
	position    uint64 // commit and prepare position alike
	eventType   string
	contentType string
	data        []byte
	metadata    []byte
	created     int64 // 100-ns ticks since the Unix epoch
}

// eventLog is the server's whole state: one global log and an index per
// stream and per event ID.
type eventLog struct {
	mu       sync.Mutex
	records  []*record
	streams  map[string][]*record
	byID     map[uuid.UUID]*record // first record with each ID
	next     uint64                // position of the next record
	appended chan struct{}         // closed at the next append
	dropped  chan struct{}         // closed at the next DropSubscriptions
	live     int                   // subscriptions running
}

// firstPosition leaves room for a chunk header, as the server's log does,
// so that no event sits at the start position 0/0.
const firstPosition = 128

func newEventLog() *eventLog {
	return &eventLog{
		streams:  make(map[string][]*record),
		byID:     make(map[uuid.UUID]*record),
		next:     firstPosition,
		appended: make(chan struct{}),
		dropped:  make(chan struct{}),
	}
}

// since returns the records from index on and a channel closed at the next
// append: a reader that finds nothing new waits on it without missing an
// append made after its look.
func (l *eventLog) since(index int) ([]*record, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.records[min(index, len(l.records)):], l.appended
}

// stream returns a stream's records.
func (l *eventLog) stream(name string) []*record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.streams[name]
}

// all returns the whole log.
func (l *eventLog) all() []*record {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.records
}

// firstFrom returns the index of the first record after the position
// (commit, prepare), or at it if inclusive; len(records) if there is none.
func firstFrom(records []*record, commit, prepare uint64, inclusive bool) int {
	return sort.Search(len(records), func(i int) bool {
		pos := records[i].position
		if pos != commit {
			return pos > commit
		}
		return pos > prepare || inclusive && pos == prepare
	})
}

// register counts a subscription as live and returns the channel that
// DropSubscriptions closes; unregister undoes it.
func (l *eventLog) register() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.live++
	return l.dropped
}

func (l *eventLog) unregister() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.live--
}

// dropSubscriptions ends every live subscription and reports how many there
// were.
func (l *eventLog) dropSubscriptions() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	close(l.dropped)
	l.dropped = make(chan struct{})
	return l.live
}
