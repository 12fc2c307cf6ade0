package jsonscan

import (
	"encoding/json"
	"time"
	"unicode/utf8"

	"github.com/customersvc/customersvc/domain"
)

// CustomerCreatedVersion is the current CustomerCreated layout as this
// package knows it. When the domain moves to a newer one, CustomerCreated
// turns itself off until it is taught the new layout;
// TestScannerKnowsCurrentLayout says so.
const CustomerCreatedVersion = 2

// CustomerCreated decodes CustomerCreated data stored at schema
// version 1 or 2 into the current layout, without reflection. It accepts
// only JSON whose meaning is plain: an object with each known key at most
// once, written exactly (encoding/json would also take other spellings),
// string or object values as the field wants, no nulls, no unknown keys,
// valid UTF-8. Then its result is the one domain.DecodeEvent gives (the
// fuzz tests FuzzCustomerCreated* check it); otherwise it reports
// false and the caller decodes with domain.DecodeEvent.
//
// Version 1 lacks vat_country, which the upcaster to version 2 derives
// from vat_normalized with domain.VATCountry, as this does. The upcaster
// also writes the data again with json.Marshal, which would change
// custom_data unless it is written as json.Marshal writes it (compact,
// HTML characters escaped); the service's own events are, and others are
// left to domain.DecodeEvent.
func CustomerCreated(data []byte, version int) (domain.CustomerCreated, bool) {
	if domain.CustomerCreatedSchemaVersion != CustomerCreatedVersion || version < 1 || version > CustomerCreatedVersion {
		return domain.CustomerCreated{}, false
	}
	var e domain.CustomerCreated
	// The strings without escapes share one copy of the data.
	p := parser{data: data, text: string(data), v1: version == 1}
	var seen uint16
	ok := p.object(func(key []byte) bool {
		bit, ok := p.customerCreatedMember(&e, key)
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
	p.space()
	if p.v1 {
		e.VATCountry = domain.VATCountry(e.NormalizedVAT)
	}
	return e, ok && p.i == len(data)
}

// customerCreatedMember reads the value of key into e. It returns the
// key's bit in the set of keys seen, and false for an unknown key or a
// value it does not accept.
func (p *parser) customerCreatedMember(e *domain.CustomerCreated, key []byte) (uint16, bool) {
	switch string(key) { // compared in place, without allocating
	case "customer_id":
		return 1 << 0, p.stringInto(&e.CustomerID)
	case "parent_organization_id":
		return 1 << 1, p.stringInto(&e.ParentOrganizationID)
	case "name":
		return 1 << 2, p.stringInto(&e.Name)
	case "description":
		return 1 << 3, p.stringInto(&e.Description)
	case "custom_data":
		return 1 << 4, p.rawInto(&e.CustomData) && (!p.v1 || marshaled(e.CustomData))
	case "vat":
		return 1 << 5, p.stringInto(&e.VAT)
	case "vat_normalized":
		return 1 << 6, p.stringInto(&e.NormalizedVAT)
	case "vat_country":
		return 1 << 7, !p.v1 && p.stringInto(&e.VATCountry)
	case "branding":
		return 1 << 8, p.pairInto("logo_url", &e.Branding.LogoURL, "dark_logo_url", &e.Branding.DarkLogoURL)
	case "created_by":
		return 1 << 9, p.pairInto("user_id", &e.CreatedBy.UserID, "organization_id", &e.CreatedBy.OrganizationID)
	case "created_at":
		return 1 << 10, p.timeInto(&e.CreatedAt)
	}
	return 0, false
}

// parser reads JSON from data at i. Each method reports false for
// anything outside what CustomerCreated accepts.
type parser struct {
	data []byte
	text string // data as a string, for stringInto to take its strings from
	i    int
	v1   bool // reading CustomerCreated version 1
}

func (p *parser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, taking
// it if so.
func (p *parser) next(c byte) bool {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads an object, calling member for each key with the parser at
// the key's value.
func (p *parser) object(member func(key []byte) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	for {
		key, ok := p.key()
		if !ok || !p.next(':') {
			return false
		}
		p.space()
		if !member(key) {
			return false
		}
		if p.next('}') {
			return true
		}
		if !p.next(',') {
			return false
		}
	}
}

// key reads an object key without escapes.
func (p *parser) key() ([]byte, bool) {
	if !p.next('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.data) {
		switch c := p.data[p.i]; {
		case c == '"':
			p.i++
			return p.data[start : p.i-1], true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

// pairInto reads an object of at most the two string keys given.
func (p *parser) pairInto(k1 string, v1 *string, k2 string, v2 *string) bool {
	var seen1, seen2 bool
	return p.object(func(key []byte) bool {
		switch {
		case string(key) == k1 && !seen1:
			seen1 = true
			return p.stringInto(v1)
		case string(key) == k2 && !seen2:
			seen2 = true
			return p.stringInto(v2)
		}
		return false
	})
}

// timeInto reads a time as encoding/json does: it hands time.Time the
// quoted value.
func (p *parser) timeInto(t *time.Time) bool {
	start := p.i
	if !p.peek('"') || !p.validString() {
		return false
	}
	return t.UnmarshalJSON(p.data[start:p.i]) == nil
}

// rawInto takes a JSON value verbatim, as json.RawMessage does.
func (p *parser) rawInto(raw *json.RawMessage) bool {
	start := p.i
	if !p.value(0) {
		return false
	}
	*raw = append(json.RawMessage(nil), p.data[start:p.i]...)
	return true
}

// marshaled reports whether the JSON value raw is as json.Marshal writes a
// json.RawMessage: no white space between tokens, and none of <, >, &,
// U+2028 and U+2029 unescaped.
func marshaled(raw []byte) bool {
	inString := false
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c == '<' || c == '>' || c == '&':
			return false
		case c == 0xE2 && i+2 < len(raw) && raw[i+1] == 0x80 && raw[i+2]&^1 == 0xA8:
			return false
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return false
		}
	}
	return true
}

func (p *parser) peek(c byte) bool { return p.i < len(p.data) && p.data[p.i] == c }

// stringInto reads a string value the way encoding/json unquotes it, for
// valid UTF-8 and escapes other than lone surrogates (left to
// encoding/json, which replaces them).
func (p *parser) stringInto(s *string) bool {
	if p.i >= len(p.data) || p.data[p.i] != '"' {
		return false
	}
	start := p.i + 1
	escaped := false
	for p.i = start; p.i < len(p.data); p.i++ {
		switch c := p.data[p.i]; {
		case c == '"':
			raw := p.data[start:p.i]
			p.i++
			if !utf8.Valid(raw) {
				return false
			}
			if !escaped {
				*s = p.text[start : p.i-1]
				return true
			}
			return unescape(raw, s)
		case c == '\\':
			escaped = true
			p.i++
		case c < 0x20:
			return false
		}
	}
	return false
}
