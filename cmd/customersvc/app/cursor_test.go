package app_test

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestListCursors: next_cursor continues a list exactly where its page
// ends, also after a page= request, and a cursor is refused (400, key
// cursor) by another tenant, for another list, tampered with, or with a
// page past the first.
func TestListCursors(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir())
	orgA, orgB := "reseller-"+uuid.NewString(), "reseller-"+uuid.NewString()
	a, b := token(t, "Reseller", orgA), token(t, "Reseller", orgB)
	names := []string{"delta", "Alpha", "charlie", "Échelle", "bravo", "echo", "foxtrot"}
	for _, name := range names {
		svc.create(t, a, name, uniqueVAT())
	}
	svc.create(t, b, "Of B", uniqueVAT())
	eventually(t, 2*time.Second, func() error {
		if _, p := listOf(t, svc, a, ""); p["total_count"] != float64(len(names)) {
			return fmt.Errorf("total %v", p["total_count"])
		}
		return nil
	})

	// By name, from page 2 of pages of 2, then cursor after cursor.
	base := "?sort_by=name&sort_direction=asc&page_size=2"
	got, p := listOf(t, svc, a, base+"&page=2")
	var pages []string
	for {
		pages = append(pages, fmt.Sprint(got))
		next, ok := p["next_cursor"].(string)
		if !ok {
			break
		}
		got, p = listOf(t, svc, a, base+"&cursor="+url.QueryEscape(next))
	}
	if want := "[[charlie delta] [echo foxtrot] [Échelle]]"; fmt.Sprint(pages) != want {
		t.Fatalf("pages %v, want %s", pages, want)
	}
	if p["page"] != 4.0 || p["has_next"] != false || p["has_prev"] != true || p["next_cursor"] != nil {
		t.Fatalf("last page's pagination %v", p)
	}

	_, first := listOf(t, svc, a, base)
	cursor := first["next_cursor"].(string)
	refused := func(name, tok, query string) {
		t.Helper()
		res := svc.do(t, "GET", "/customers"+query, tok, nil)
		if res.status != 400 || !strings.Contains(string(res.body), `"key":"cursor"`) ||
			!strings.Contains(string(res.body), `"type":"validation_error"`) {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	raw, _ := base64.RawURLEncoding.DecodeString(cursor)
	raw[len(raw)/2] ^= 1
	tampered := base64.RawURLEncoding.EncodeToString(raw)
	refused("another tenant", b, base+"&cursor="+url.QueryEscape(cursor))
	refused("another direction", a, "?sort_by=name&sort_direction=desc&page_size=2&cursor="+url.QueryEscape(cursor))
	refused("another sort", a, "?sort_by=created_at&sort_direction=asc&page_size=2&cursor="+url.QueryEscape(cursor))
	refused("another search", a, base+"&search=a&cursor="+url.QueryEscape(cursor))
	refused("tampered", a, base+"&cursor="+url.QueryEscape(tampered))
	refused("malformed", a, base+"&cursor=%25%25not-base64")
	refused("with page 2", a, base+"&page=2&cursor="+url.QueryEscape(cursor))
	if names, _ := listOf(t, svc, a, base+"&page=1&cursor="+url.QueryEscape(cursor)); fmt.Sprint(names) != "[charlie delta]" {
		t.Errorf("cursor with page=1: %v", names)
	}

	long := svc.do(t, "GET", "/customers?search="+strings.Repeat("x", 201), a, nil)
	assertJSON(t, long.body, validation(400, fieldErr("search", "too_long", strings.Repeat("x", 201))))
	if ok := svc.do(t, "GET", "/customers?search="+strings.Repeat("x", 200), a, nil); ok.status != 200 {
		t.Errorf("a search of 200 characters: %d %s", ok.status, ok.body)
	}
}
