// Package rebuild rebuilds a read model from the start of the event
// store's log into a fresh copy while the live one keeps serving, then
// switches over: for audits, and after a projector bug. It reads the store
// directly, not the broker, and builds the very rows the live projector
// builds (projections.CustomerRow, folded with query.Evolve).
//
// A SQLite read model is copied to the data directory's next file and
// swapped in this process (NewManager, SwitchOver); a read model the
// replicas share, PostgreSQL, is copied into tables beside the live ones
// and renamed into their place for every replica at once (NewSharedManager,
// RebuildShared).
package rebuild
