// Package sqlite is the embedded default event store: an eventstore.Store
// kept in one SQLite database file, for single-node deployments that want no
// separate event store server.
//
// Durability: the database runs in WAL mode with synchronous=FULL, so Append
// returns only after its events are fsynced to the write-ahead log; a power
// cut after Append returns loses nothing. An Append that returns an error
// wrote nothing.
//
// Group commit: every Append is handed to one writer goroutine. The writer
// takes the first waiting append and all others waiting at that moment (up to
// Config.MaxBatch) and, while appends come concurrently, those arriving
// within Config.CommitDelay; it runs them in one transaction and commits
// them with one fsync, then answers each append on its own. The appends of a batch stay
// independent: each has its own expected-revision check and its own outcome,
// so one append's WrongExpectedVersionError does not fail the others, and
// appends to the same stream in one batch see each other in arrival order.
// Only a failed commit fails the whole batch, and then nothing was written.
// AppendMulti's appends to several streams ride in one batch under one
// savepoint: all are written or none.
//
// Ordering: there is one writer, and each event's position is its row id in
// one table, so positions grow with commit order and a reader that has seen
// position p has seen everything before it. Follow relies on this.
//
// Idempotency: an append whose event IDs are already stored in its stream,
// consecutively and where the append would have put them, is a retry of an
// append that succeeded; it returns that append's WriteResult again and
// writes nothing, as EventStoreDB does.
//
// Follow is woken by the writer after each commit. Writes take SQLite's
// write lock and check revisions inside it, so another process appending to
// the same file stays correct, but its commits reach this process's
// followers only through Follow's fallback poll (about once a second).
package sqlite
