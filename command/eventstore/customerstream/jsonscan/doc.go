// Package jsonscan decodes the JSON the service itself writes — the data of
// CustomerCreated and the metadata beside each event — without reflection.
// Decoding is most of a projector's and a rebuild's work, and this is
// several times faster than encoding/json for it.
//
// It accepts only JSON whose meaning is plain, and then gives exactly what
// encoding/json and the domain's upcasters give (the fuzz tests of
// customerstream hold it to that); for anything else it reports false and
// the caller decodes the slow way.
package jsonscan
