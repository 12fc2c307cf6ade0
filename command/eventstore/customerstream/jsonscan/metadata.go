package jsonscan

import "unicode/utf8"

// SchemaVersion reads the schema version of event metadata as the command
// side writes it: an object whose first key is schema_version, an integer,
// and whose other values are strings, under keys that cannot stand for
// schema_version again (encoding/json would take the last, and matches
// keys case-insensitively). A version of 0 is version 1. It reports false
// for anything else.
func SchemaVersion(metadata []byte) (int, bool) {
	p := parser{data: metadata}
	version, first := 0, true
	ok := p.object(func(key []byte) bool {
		if first {
			first = false
			return string(key) == "schema_version" && p.smallInt(&version)
		}
		for _, b := range key {
			if b >= utf8.RuneSelf {
				return false
			}
		}
		return !containsFoldASCII(key, "schema_version") && p.peek('"') && p.validString()
	})
	p.space()
	if !ok || first || p.i != len(metadata) {
		return 0, false
	}
	if version == 0 {
		return 1, true
	}
	return version, true
}

// smallInt reads an integer of up to six digits into n.
func (p *parser) smallInt(n *int) bool {
	start := p.i
	if !p.number() || p.i-start > 6 {
		return false
	}
	v := 0
	for _, c := range p.data[start:p.i] {
		if c < '0' || c > '9' {
			return false
		}
		v = 10*v + int(c-'0')
	}
	*n = v
	return true
}

// containsFoldASCII reports whether s, all ASCII, contains word, lower-case
// ASCII, in any case.
func containsFoldASCII(s []byte, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		j := 0
		for j < len(word) && s[i+j]|0x20 == word[j]|0x20 {
			j++
		}
		if j == len(word) {
			return true
		}
	}
	return false
}
