// Package esdbtest is a TEST DOUBLE of EventStoreDB, for tests only. It is
// not an event store: it keeps events in memory, forgets them on Close, and
// has no authentication, TLS, clustering, deletes, projections or persistent
// subscriptions.
//
// Start serves, on a real TCP listener on 127.0.0.1 with insecure gRPC, just
// the part of EventStoreDB's gRPC API that the Go client
// (github.com/EventStore/EventStore-Client-Go/v4) uses to connect, append,
// read and subscribe: ServerFeatures.GetSupportedMethods, Streams.Append and
// Streams.Read. Everything else answers Unimplemented. URL is a single-node
// connection string, so the client reads no gossip.
//
// Where it answers, it answers as EventStoreDB is documented to:
//
//   - Each stream's revisions count from 0. Every event has its own place
//     in one global log; its commit and prepare positions are both that
//     place, a byte-offset-like number that grows with every event, as a
//     modern server reports them. An append's result carries the position
//     of its last event.
//   - Appends check the expected revision (any, no stream, stream exists,
//     exact) and otherwise answer WrongExpectedVersion with the stream's
//     current revision. An append whose event IDs are already stored where
//     it would have put them is a retry: it succeeds with the original
//     result and writes nothing (for Any and StreamExists: when all its IDs
//     are stored in that stream); IDs found only in part are a
//     WrongExpectedVersion, as the server's "corrupted idempotency" is.
//   - Reads of a stream go forwards or backwards from a revision, start or
//     end, up to a count; a stream without events is StreamNotFound. Reads
//     of $all go either way from a position, start or end, and include the
//     event at the position when reading forwards.
//   - Subscriptions, to a stream or to $all, start after a revision or
//     position (exclusive), at the start or at the end, send a confirmation
//     first, then the stored events, then CaughtUp, then new events as they
//     are appended. $all subscriptions take a stream name or event type
//     filter (prefixes or a regular expression) and then send a checkpoint
//     after every checkpointIntervalMultiplier × window filtered-out events.
//   - Every recorded event carries the system metadata "type",
//     "content-type" and "created" (100-ns ticks since the Unix epoch).
//
// It deviates on purpose where a test needs it: a filtered subscription that
// catches up after filtered-out events also sends a checkpoint at the last
// of them, so that tests see selective followers advance without appending
// a window's worth of events (current servers wait for the interval). Its
// log starts empty, where a real server's $all holds system events.
// DropSubscriptions ends every live subscription with Unavailable, as a
// server restart would, to test resubscription.
package esdbtest
