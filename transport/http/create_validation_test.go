package http_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"unicode/utf8"
)

type problem struct{ Key, Message, Value string }

// problemsOf decodes the data.errors of a 400 or 422.
func problemsOf(t *testing.T, rec *httptest.ResponseRecorder) []problem {
	t.Helper()
	var env struct {
		Data struct {
			Type   string    `json:"type"`
			Errors []problem `json:"errors"`
		} `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || env.Data.Type != "validation_error" {
		t.Fatalf("%d %s: not the validation envelope", rec.Code, rec.Body)
	}
	return env.Data.Errors
}

// TestCreate400DuplicateKeys: a key twice in one object, at any depth, is
// a 400 duplicate_key whose key is the path of the repeated key and whose
// value is the repeated occurrence's; nothing reaches the command side.
func TestCreate400DuplicateKeys(t *testing.T) {
	t.Parallel()
	spy := createSpy{calls: new(atomic.Int32)}
	h, tok := newAPI(t, spy, io.Discard)
	for name, tt := range map[string]struct {
		body string
		want []problem
	}{
		"name twice": {`{"name":"A","name":"B","custom_data":{"vat":"IT12345678901"}}`,
			[]problem{{"name", "duplicate_key", `"B"`}}},
		"vat twice": {`{"name":"A","custom_data":{"vat":"IT12345678901","vat":"DE123456789"}}`,
			[]problem{{"custom_data.vat", "duplicate_key", `"DE123456789"`}}},
		"vat twice, once escaped": {`{"name":"A","custom_data":{"vat":"IT12345678901","\u0076at":"DE123456789"}}`,
			[]problem{{"custom_data.vat", "duplicate_key", `"DE123456789"`}}},
		"custom_data twice": {`{"name":"A","custom_data":{"vat":"IT12345678901"},"custom_data":{"vat":"DE123456789"}}`,
			[]problem{{"custom_data", "duplicate_key", `{"vat":"DE123456789"}`}}},
		"deep in custom_data": {`{"name":"A","custom_data":{"vat":"IT12345678901","a":{"b":{"c":1, "c" : [1, {"d":2}] }}}}`,
			[]problem{{"custom_data.a.b.c", "duplicate_key", `[1, {"d":2}]`}}},
		"in an array element": {`{"name":"A","custom_data":{"vat":"IT12345678901","l":[{"x":1},{"x":1,"y":2,"x":3}]}}`,
			[]problem{{"custom_data.l[1].x", "duplicate_key", "3"}}},
		"in nested arrays": {`{"name":"A","custom_data":{"vat":"IT12345678901","l":[[],[{}, {"x":null,"x":true}]]}}`,
			[]problem{{"custom_data.l[1][1].x", "duplicate_key", "true"}}},
		"an unknown key twice": {`{"name":"A","extra":1,"custom_data":{"vat":"IT12345678901"},"extra":2}`,
			[]problem{{"extra", "duplicate_key", "2"}}},
		"three times, reported once": {`{"name":"A","custom_data":{"vat":"IT12345678901","k":1,"k":2,"k":3}}`,
			[]problem{{"custom_data.k", "duplicate_key", "2"}}},
		"several at once": {`{"name":"A","name":"B","custom_data":{"vat":"IT12345678901","vat":"IT12345678902"}}`,
			[]problem{{"name", "duplicate_key", `"B"`}, {"custom_data.vat", "duplicate_key", `"IT12345678902"`}}},
		"among many keys": {`{"name":"A","custom_data":{"vat":"IT12345678901",` + manyKeys(40) + `,"k7":"again"}}`,
			[]problem{{"custom_data.k7", "duplicate_key", `"again"`}}},
	} {
		rec := post(h, tok, "application/json", []byte(tt.body))
		checkDocumented(t, rec)
		if rec.Code != 400 {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
			continue
		}
		if got := problemsOf(t, rec); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("%s:\n got %v\nwant %v", name, got, tt.want)
		}
	}
	if n := spy.calls.Load(); n != 0 {
		t.Errorf("the command side was called %d times for bodies with duplicate keys", n)
	}
}

func manyKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":%d`, i, i)
	}
	return strings.Join(keys, ",")
}

// TestCreateSameKeyInDifferentObjects: a key in two objects, or in two
// elements of an array, or in another case, is no duplicate.
func TestCreateSameKeyInDifferentObjects(t *testing.T) {
	t.Parallel()
	h, tok := newAPI(t, createDouble{}, io.Discard)
	for _, body := range []string{
		`{"name":"A","custom_data":{"vat":"IT12345678901","a":{"vat":1},"b":{"vat":2,"a":3}}}`,
		`{"name":"A","custom_data":{"vat":"IT12345678901","l":[{"x":1},{"x":1}],"x":[]}}`,
		`{"name":"A","Name":"B","custom_data":{"vat":"IT12345678901","VAT":"x","v\"at":1,"v\\at":2}}`,
		`{"name":"A","custom_data":{"vat":"IT12345678901","\u00e9":1,"e\u0301":2}}`,
		`{"name":"A","custom_data":{"vat":"IT12345678901",` + manyKeys(60) + `}}`,
	} {
		if rec := post(h, tok, "application/json", []byte(body)); rec.Code != 201 {
			t.Errorf("%s: %d %s", body, rec.Code, rec.Body)
		}
	}
}

// TestCreateDuplicateKeysBounded: a body of nothing but repeats gets a
// 400 with a bounded list, whatever its size.
func TestCreateDuplicateKeysBounded(t *testing.T) {
	t.Parallel()
	h, tok := newAPI(t, createDouble{}, io.Discard)
	var b strings.Builder
	b.WriteString(`{"name":"A","custom_data":{"vat":"IT12345678901"`)
	for i := 0; b.Len() < 1<<20-100; i++ {
		fmt.Fprintf(&b, `,"o%d":{"k":1,"k":2}`, i)
	}
	b.WriteString(`}}`)
	rec := post(h, tok, "application/json", []byte(b.String()))
	checkDocumented(t, rec)
	if got := problemsOf(t, rec); rec.Code != 400 || len(got) != 16 || got[15].Key != "custom_data.o15.k" {
		t.Fatalf("%d, %d problems: %.300s", rec.Code, len(got), rec.Body)
	}
}

// TestCreateEchoedValuesAreCut: whichever rule refuses a value, at most
// 256 bytes of it come back, cut on a character boundary and marked with
// "…"; keys (paths) likewise.
func TestCreateEchoedValuesAreCut(t *testing.T) {
	t.Parallel()
	h, tok := newAPI(t, createDouble{}, io.Discard)
	long := "a" + strings.Repeat("é", 100_000) // 256 falls inside an é
	longKey := strings.Repeat("k", 5000)
	for name, tt := range map[string]struct {
		body, header string
		wantKey      string
		want         string
	}{
		"name too long (domain)": {body: `{"name":"` + long + `","custom_data":{"vat":"IT12345678901"}}`,
			wantKey: "name", want: long[:255] + "…"},
		"description too long (domain)": {body: `{"name":"A","description":"` + strings.Repeat("d", 5000) + `","custom_data":{"vat":"IT12345678901"}}`,
			wantKey: "description", want: strings.Repeat("d", 256) + "…"},
		"vat not a string": {body: `{"name":"A","custom_data":{"vat":[` + strings.Repeat(`"x",`, 1000) + `"x"]}}`,
			wantKey: "custom_data.vat", want: "[" + strings.Repeat(`"x",`, 63) + `"x"` + "…"},
		"vat invalid (domain)": {body: `{"name":"A","custom_data":{"vat":"IT` + strings.Repeat("1", 3000) + `"}}`,
			wantKey: "custom_data.vat", want: "IT" + strings.Repeat("1", 254) + "…"},
		"duplicate key": {body: `{"name":"A","custom_data":{"vat":"IT12345678901","` + longKey + `":1,"` + longKey + `":"` + long + `"}}`,
			wantKey: "custom_data." + longKey[:256-len("custom_data.")] + "…", want: `"` + long[:255] + "…"},
		"idempotency key": {body: `{"name":"A","custom_data":{"vat":"IT12345678901"}}`, header: strings.Repeat("i", 4000),
			wantKey: "Idempotency-Key", want: strings.Repeat("i", 256) + "…"},
	} {
		req := httptest.NewRequest("POST", "/customers", strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		if tt.header != "" {
			req.Header.Set("Idempotency-Key", tt.header)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkDocumented(t, rec)
		got := problemsOf(t, rec)
		if len(got) != 1 || got[0].Key != tt.wantKey || got[0].Value != tt.want {
			t.Errorf("%s: %d %.600s", name, rec.Code, rec.Body)
			continue
		}
		if !utf8.ValidString(got[0].Value) || len(got[0].Value) > 256+len("…") {
			t.Errorf("%s: value of %d bytes", name, len(got[0].Value))
		}
	}
	// A value of 256 bytes comes back whole.
	name := strings.Repeat("n", 256)
	rec := post(h, tok, "application/json", []byte(`{"name":"`+name+`","custom_data":{"vat":"IT12345678901"}}`))
	if got := problemsOf(t, rec); len(got) != 1 || got[0].Value != name {
		t.Errorf("a value of 256 bytes changed: %s", rec.Body)
	}
}
