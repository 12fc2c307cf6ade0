package http

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"testing"
	"unicode/utf8"
)

// BenchmarkDecodeCreateRequest measures the structural checks of a create
// body alone (no token, no router), where the duplicate-key scan runs.
func BenchmarkDecodeCreateRequest(b *testing.B) {
	body := []byte(`{"name":"ACME Distribution SpA","description":"Main distributor for Italian and Swiss markets","custom_data":{"vat":"IT12345678901","email":"contact@acme-distribution.com","region":"Italy","contactPerson":"John Smith"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeCreateRequest(body, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDuplicateKeys compares the duplicate-key scan with encoding/json's
// own tokenizer on every valid UTF-8 JSON document: the same repeated
// paths, in the same order, within the same bound.
func FuzzDuplicateKeys(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"a":2}`, `{"a":{"b":[1,{"c":1,"c":2}]},"a":3}`, `[{"x":1},{"x":1}]`, `{"\u0061":1,"a":2}`,
		`{"a":"\"","b":"\\","a":[]}`, `{"k":{}, "k" : [ ] }`, `"s"`, `1`, `[]`, `{}`, `{"":1,"":2}`,
		`{"\ud800":1,"\udfff":2}`, `[[[{"a":1}],{"a":2,"a":3}]]`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) || !utf8.Valid(data) {
			return
		}
		got := duplicateKeys(data)
		want := referenceDuplicates(t, data)
		var paths []string
		for _, p := range got {
			if p.Message != codeDuplicateKey {
				t.Fatalf("%q: %v", data, got)
			}
			paths = append(paths, p.Key)
		}
		if fmt.Sprint(paths) != fmt.Sprint(want) {
			t.Fatalf("%q:\n got %q\nwant %q", data, paths, want)
		}
	})
}

// referenceDuplicates finds the repeated keys' paths with json.Decoder,
// stopping after maxDuplicatesReported repeats as duplicateKeys does.
func referenceDuplicates(t *testing.T, data []byte) []string {
	type level struct {
		object bool
		seen   map[string]bool
		key    string
		index  int
		inKey  bool // object: the next token is a key
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // a number beyond float64 ("1e700") is still valid JSON
	var stack []*level
	var found []string
	repeats := 0
	path := func() string {
		var b bytes.Buffer
		for _, l := range stack {
			if !l.object {
				b.WriteString("[" + strconv.Itoa(l.index) + "]")
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(l.key)
		}
		return b.String()
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.inKey = true
		} else {
			top.index++
		}
	}
	for repeats < maxDuplicatesReported {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		if len(stack) > 0 && stack[len(stack)-1].object && stack[len(stack)-1].inKey {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			top := stack[len(stack)-1]
			top.key, top.inKey = tok.(string), false
			if top.seen[top.key] {
				repeats++
				p := path()
				dup := false
				for _, f := range found {
					dup = dup || f == p
				}
				if !dup {
					found = append(found, p)
				}
			}
			top.seen[top.key] = true
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &level{object: true, seen: map[string]bool{}, inKey: true})
		case json.Delim('['):
			stack = append(stack, &level{})
		case json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
	return found
}

// BenchmarkDuplicateKeys measures the duplicate-key scan alone on the body
// of BenchmarkDecodeCreateRequest.
func BenchmarkDuplicateKeys(b *testing.B) {
	body := []byte(`{"name":"ACME Distribution SpA","description":"Main distributor for Italian and Swiss markets","custom_data":{"vat":"IT12345678901","email":"contact@acme-distribution.com","region":"Italy","contactPerson":"John Smith"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if dups := duplicateKeys(body); len(dups) > 0 {
			b.Fatal(dups)
		}
	}
}
