// Package customerstream is what a stored customer stream is, for both
// sides: the stream's name, the metadata recorded beside each event, and
// how events are encoded into the store and decoded out of it in their
// current schema. The command side writes through it; the history
// queries, the relay and the rebuild read through it, so that "no schema
// version means version 1" and the stream's naming are said once.
package customerstream
