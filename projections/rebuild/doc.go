// Package rebuild rebuilds a read model from the start of the event
// store's log into a fresh copy while the live one keeps serving, then
// switches over: for audits, and after a projector bug. It reads the store
// directly, not the broker, and builds the very rows the live projector
// builds (projections.CustomerRow).
package rebuild
