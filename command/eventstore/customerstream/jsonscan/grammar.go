package jsonscan

import (
	"unicode/utf16"
	"unicode/utf8"
)

// The grammar of JSON values, as parser checks it: what rawInto takes
// verbatim must be JSON that encoding/json accepts, and strings with
// escapes decode as encoding/json decodes them.

// maxDepth bounds the nesting value follows; deeper is left to encoding/json.
const maxDepth = 64

// value moves past one JSON value, checking it against the grammar.
func (p *parser) value(depth int) bool {
	if p.i >= len(p.data) || depth > maxDepth {
		return false
	}
	switch c := p.data[p.i]; {
	case c == '"':
		return p.validString()
	case c == '{':
		return p.object(func([]byte) bool { return p.value(depth + 1) })
	case c == '[':
		return p.array(depth)
	case c == '-' || ('0' <= c && c <= '9'):
		return p.number()
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(p.data)-p.i >= len(lit) && string(p.data[p.i:p.i+len(lit)]) == lit {
			p.i += len(lit)
			return true
		}
	}
	return false
}

func (p *parser) array(depth int) bool {
	p.i++ // '['
	if p.next(']') {
		return true
	}
	for {
		p.space()
		if !p.value(depth + 1) {
			return false
		}
		if p.next(']') {
			return true
		}
		if !p.next(',') {
			return false
		}
	}
}

// number moves past a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *parser) number() bool {
	if p.peek('-') {
		p.i++
	}
	switch {
	case p.peek('0'):
		p.i++
	case p.digits() == 0:
		return false
	}
	if p.peek('.') {
		p.i++
		if p.digits() == 0 {
			return false
		}
	}
	if p.peek('e') || p.peek('E') {
		p.i++
		if p.peek('+') || p.peek('-') {
			p.i++
		}
		if p.digits() == 0 {
			return false
		}
	}
	return true
}

func (p *parser) digits() int {
	start := p.i
	for p.i < len(p.data) && '0' <= p.data[p.i] && p.data[p.i] <= '9' {
		p.i++
	}
	return p.i - start
}

// validString moves past a string, checking its escapes.
func (p *parser) validString() bool {
	for p.i++; p.i < len(p.data); p.i++ {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return true
		case c < 0x20:
			return false
		case c == '\\':
			if p.i+1 >= len(p.data) {
				return false
			}
			switch p.data[p.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.i++
			case 'u':
				if hex4(p.data[p.i:]) < 0 {
					return false
				}
				p.i += 5
			default:
				return false
			}
		}
	}
	return false
}

// unescape decodes the escapes of a string's raw bytes, valid UTF-8.
func unescape(raw []byte, s *string) bool {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(raw) {
			return false
		}
		switch raw[i] {
		case '"', '\\', '/':
			out = append(out, raw[i])
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := unicodeEscape(raw[i-1:])
			if n == 0 {
				return false
			}
			out = utf8.AppendRune(out, r)
			i += n - 2
		default:
			return false
		}
	}
	*s = string(out)
	return true
}

// unicodeEscape decodes \uXXXX, or a surrogate pair \uXXXX\uXXXX, at the
// start of b, returning the rune and the bytes read; 0 bytes for a lone
// surrogate or a malformed escape.
func unicodeEscape(b []byte) (rune, int) {
	r := hex4(b)
	if r < 0 {
		return 0, 0
	}
	if !utf16.IsSurrogate(r) {
		return r, 6
	}
	r2 := hex4(b[6:])
	if r2 < 0 {
		return 0, 0
	}
	pair := utf16.DecodeRune(r, r2)
	if pair == utf8.RuneError {
		return 0, 0
	}
	return pair, 12
}

// hex4 reads \uXXXX at the start of b; -1 if it is not one.
func hex4(b []byte) rune {
	if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range b[2:6] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
