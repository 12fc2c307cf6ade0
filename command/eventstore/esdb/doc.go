// Package esdb is the eventstore.Store on EventStoreDB (and KurrentDB),
// through its gRPC client github.com/EventStore/EventStore-Client-Go/v4.
//
// Streams: the caller names them. A stream here is an EventStoreDB stream
// of the same name; its revisions and the $all positions (commit and
// prepare) are the server's own. Names starting with "$" are the server's
// system streams: Follow never delivers them. ReadStream reports positions
// only with servers that put them on stream reads (22.10 and later); older
// ones do not.
//
// Durability: EventStoreDB answers an append once its events are written
// and flushed to its transaction log (in a cluster: on a majority of the
// nodes), so an Append that returned is durable, unless the server runs
// with UnsafeDisableFlushToDisk. An append is atomic: all its events or
// none.
//
// Idempotency: each event's ID is the EventStoreDB event ID, so a retried
// Append is deduplicated by the server: when the events are already stored
// where the append's expected revision would have put them, it succeeds
// again with the first answer and writes nothing. For Any and StreamExists
// the server finds the IDs in a cache of recent events, so retry those
// soon or use an exact expectation.
//
// Metadata: the events' metadata is stored as given, plus EventStoreDB's
// conventional "$correlationId" and "$causationId" keys, copied from the
// correlation_id and causation_id of eventstore.Metadata, so that the
// server's correlation projection and UI see them. Reads take them out
// again: the metadata read is byte for byte the metadata appended. Append
// refuses metadata that sets those two keys itself (ErrInvalidAppend).
//
// Connection: Open does not contact the server; the client connects on the
// first call and again after the connection broke. The client gives up for
// good when it cannot find the server within its discovery attempts
// (maxDiscoverAttempts × discoveryInterval of the URL, about a second by
// default); the Store then starts a new client on the next call, so calls
// fail while the server is away and work again when it is back. Follow
// subscribes again by itself; see its comment. There is no multi-stream
// append: the v4 client has none, so the Store does not implement
// eventstore.MultiStreamAppender.
package esdb
