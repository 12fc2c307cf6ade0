package http

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
)

// codeDuplicateKey is the 400 code of a key that appears twice in one
// JSON object, at any depth.
const codeDuplicateKey = "duplicate_key"

// Bounds of the duplicate-key scan.
const (
	// maxDuplicatesReported: the scan stops at this many repeated keys,
	// so that a body of a million repeats costs no more than a few.
	maxDuplicatesReported = 16
	// linearKeys: an object's keys are compared one by one up to this
	// many, then through a map, so that a huge object costs linear time.
	linearKeys = 16
)

// duplicateKeys returns a duplicate_key problem for each key that appears
// more than once in one object of body, which must be valid JSON (as
// encoding/json decoded it): its key is the path of the repeated key as
// the envelope names fields (custom_data.vat, a.list[2].b), its value the
// repeated occurrence's value. encoding/json keeps the last of repeated
// keys silently, so what the checks saw and what is stored could differ.
// Keys are compared as decoded ("a" and "\u0061" are the same key).
func duplicateKeys(body []byte) badRequestError {
	s := scanners.Get().(*dupScanner)
	s.data = body
	s.scan()
	found := s.found
	if cap(s.frames) <= maxPooledScan && cap(s.keys) <= maxPooledScan {
		s.reset()
		scanners.Put(s)
	}
	return found
}

// scanners keep their stacks between requests: a create allocates nothing
// for the scan.
var scanners = sync.Pool{New: func() any { return new(dupScanner) }}

// maxPooledScan: a scanner whose stacks grew beyond this (a body nested
// or wide far beyond the usual) is not kept.
const maxPooledScan = 256

type dupScanner struct {
	data   []byte
	pos    int
	frames []scanFrame // the open objects and arrays, innermost last
	keys   [][]byte    // the keys of the open objects, decoded
	repeat int         // repeated keys seen
	found  badRequestError
}

// reset forgets the last body (and what pointed into it).
func (s *dupScanner) reset() {
	clear(s.frames[:cap(s.frames)])
	clear(s.keys[:cap(s.keys)])
	*s = dupScanner{frames: s.frames[:0], keys: s.keys[:0]}
}

type scanFrame struct {
	object   bool
	firstKey int                 // object: index in keys of its first key
	seen     map[string]struct{} // object: its keys, once it has many
	key      []byte              // object: the key of the current member
	index    int                 // array: the index of the current element
}

// scan walks the values of s.data; on anything that is not valid JSON it
// stops (the caller validated the body already: it never happens).
func (s *dupScanner) scan() {
	for s.repeat < maxDuplicatesReported {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return
		}
		switch s.data[s.pos] {
		case '{':
			s.pos++
			s.frames = append(s.frames, scanFrame{object: true, firstKey: len(s.keys)})
			if s.skipSpace(); s.peek() == '}' {
				s.pos++
				s.close()
			} else if !s.member() {
				return
			}
			continue // at the member's value
		case '[':
			s.pos++
			s.frames = append(s.frames, scanFrame{})
			if s.skipSpace(); s.peek() == ']' {
				s.pos++
				s.close()
			}
			continue // at the first element
		case '"':
			if !s.skipString() {
				return
			}
		default:
			for s.pos < len(s.data) && !isDelimiter(s.data[s.pos]) {
				s.pos++
			}
		}
		if !s.next() {
			return
		}
	}
}

// next moves past the value just read: to the next member's value or
// element, closing the objects and arrays that end. It returns false at
// the end of the body.
func (s *dupScanner) next() bool {
	for len(s.frames) > 0 {
		s.skipSpace()
		switch s.peek() {
		case ',':
			s.pos++
			top := &s.frames[len(s.frames)-1]
			if !top.object {
				top.index++
				return true
			}
			return s.member()
		case '}', ']':
			s.pos++
			s.close()
		default:
			return false
		}
	}
	return false
}

// close ends the innermost object or array.
func (s *dupScanner) close() {
	top := s.frames[len(s.frames)-1]
	if top.object {
		clear(s.keys[top.firstKey:])
		s.keys = s.keys[:top.firstKey]
	}
	s.frames = s.frames[:len(s.frames)-1]
}

// member reads `"key":` of the innermost object and checks the key
// against the object's others.
func (s *dupScanner) member() bool {
	s.skipSpace()
	start := s.pos
	if s.peek() != '"' || !s.skipString() {
		return false
	}
	key := s.data[start+1 : s.pos-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var decoded string
		if json.Unmarshal(s.data[start:s.pos], &decoded) != nil {
			return false
		}
		key = []byte(decoded)
	}
	s.skipSpace()
	if s.peek() != ':' {
		return false
	}
	s.pos++
	s.skipSpace()
	top := &s.frames[len(s.frames)-1]
	top.key = key
	if s.seenBefore(top, key) {
		s.repeat++
		s.report()
	}
	return true
}

// seenBefore records key among top's keys, reporting whether it was there.
func (s *dupScanner) seenBefore(top *scanFrame, key []byte) bool {
	if top.seen != nil {
		if _, ok := top.seen[string(key)]; ok {
			return true
		}
		top.seen[string(key)] = struct{}{}
		return false
	}
	for _, k := range s.keys[top.firstKey:] {
		if bytes.Equal(k, key) {
			return true
		}
	}
	s.keys = append(s.keys, key)
	if len(s.keys)-top.firstKey > linearKeys {
		top.seen = make(map[string]struct{}, 2*linearKeys)
		for _, k := range s.keys[top.firstKey:] {
			top.seen[string(k)] = struct{}{}
		}
	}
	return false
}

// report adds the repeated key at s.pos's member, once per path.
func (s *dupScanner) report() {
	path := s.path()
	for _, f := range s.found {
		if f.Key == path {
			return
		}
	}
	s.found = append(s.found, fieldError{Key: path, Message: codeDuplicateKey, Value: echo(valuePrefix(s.data[s.pos:]))})
}

// path names the current member as the envelope names fields: keys joined
// by dots, array elements by [index]; respondValidation cuts it as it
// cuts echoed values, so no more than that is built here.
func (s *dupScanner) path() string {
	var b strings.Builder
	for _, f := range s.frames {
		if b.Len() > maxEchoedValue {
			break
		}
		if !f.object {
			b.WriteString("[" + strconv.Itoa(f.index) + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.Write(f.key[:min(len(f.key), maxEchoedValue+1)])
	}
	return b.String()
}

// valuePrefix returns the JSON value data starts with, or its first
// maxEchoedValue+1 bytes when it is longer (enough for echo to cut it).
func valuePrefix(data []byte) []byte {
	limit := min(len(data), maxEchoedValue+1)
	depth, inString, escaped := 0, false, false
	for i := 0; i < limit; i++ {
		b := data[i]
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
			if !inString && depth == 0 {
				return data[:i+1]
			}
		case inString:
		case b == '{' || b == '[':
			depth++
		case b == '}' || b == ']':
			if depth == 0 {
				return data[:i]
			}
			if depth--; depth == 0 {
				return data[:i+1]
			}
		case b == ',' && depth == 0:
			return data[:i]
		}
	}
	return data[:limit]
}

func (s *dupScanner) peek() byte {
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

func (s *dupScanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// skipString moves past the string starting at s.pos.
func (s *dupScanner) skipString() bool {
	for i := s.pos + 1; i < len(s.data); i++ {
		switch s.data[i] {
		case '\\':
			i++
		case '"':
			s.pos = i + 1
			return true
		}
	}
	return false
}

func isDelimiter(b byte) bool {
	switch b {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}
