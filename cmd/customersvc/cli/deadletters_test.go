package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/customersvc/customersvc/cmd/customersvc/cli"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// pagedAdmin is an admin API holding dead letters 1 to n but those in
// gone, answering GET /admin/deadletters a page at a time as the service
// does, and recording the queries.
func pagedAdmin(t *testing.T, n uint64, gone ...uint64) (addr string, queries func() []string) {
	t.Helper()
	var mu sync.Mutex
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RawQuery)
		mu.Unlock()
		after, _ := strconv.ParseUint(r.URL.Query().Get("after"), 10, 64)
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		if r.URL.Path != "/admin/deadletters" || limit < 1 || r.Header.Get("Authorization") != "Bearer given-token" {
			http.Error(w, `{"code":400,"message":"bad","data":{}}`, http.StatusBadRequest)
			return
		}
		data := transporthttp.DeadLettersData{Parked: []natsx.Parked{}, Limit: limit, Total: n - uint64(len(gone))}
		for seq := after + 1; seq <= n && len(data.Parked) < limit; seq++ {
			if !slices.Contains(gone, seq) {
				data.Parked = append(data.Parked, natsx.Parked{Sequence: seq, EventID: fmt.Sprintf("event-%d", seq), Reason: "bad schema"})
			}
		}
		if k := len(data.Parked); k == limit && data.Parked[k-1].Sequence < n {
			next := data.Parked[k-1].Sequence
			data.Next = &next
		}
		body, _ := json.Marshal(map[string]any{"code": 200, "message": "dead letters retrieved successfully", "data": data})
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), func() []string { mu.Lock(); defer mu.Unlock(); return slices.Clone(asked) }
}

// TestDeadLettersListWalksPages: list follows next from page to page, so
// every dead letter is printed exactly once, with --limit per request.
func TestDeadLettersListWalksPages(t *testing.T) {
	t.Parallel()
	addr, queries := pagedAdmin(t, 7, 3)
	getenv := env(map[string]string{"ADMIN_ADDR": addr, "ADMIN_TOKEN": "given-token"})
	var out bytes.Buffer
	if err := cli.DeadLetters(t.Context(), []string{"list", "--limit", "2"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		listed = append(listed, strings.Fields(line)[0])
	}
	if want := []string{"SEQUENCE", "1", "2", "4", "5", "6", "7"}; !slices.Equal(listed, want) {
		t.Errorf("listed %v, want %v:\n%s", listed, want, out.String())
	}
	if want := []string{"after=0&limit=2", "after=2&limit=2", "after=5&limit=2"}; !slices.Equal(queries(), want) {
		t.Errorf("requests %v, want %v", queries(), want)
	}

	// --json: a line per page; --after starts later; the default page is 100.
	addr, queries = pagedAdmin(t, 250)
	out.Reset()
	getenv = env(map[string]string{"ADMIN_ADDR": addr, "ADMIN_TOKEN": "given-token"})
	if err := cli.DeadLetters(t.Context(), []string{"list", "--json", "--after", "20"}, getenv, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var seqs []uint64
	for _, line := range lines {
		var page transporthttp.DeadLettersData
		if err := json.Unmarshal([]byte(line), &page); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		for _, p := range page.Parked {
			seqs = append(seqs, p.Sequence)
		}
	}
	if len(lines) != 3 || len(seqs) != 230 || seqs[0] != 21 || seqs[229] != 250 {
		t.Errorf("%d lines, %d dead letters %v…", len(lines), len(seqs), seqs[:min(3, len(seqs))])
	}
	if want := []string{"after=20&limit=100", "after=120&limit=100", "after=220&limit=100"}; !slices.Equal(queries(), want) {
		t.Errorf("requests %v, want %v", queries(), want)
	}

	for _, bad := range []string{"0", "1001"} {
		if err := cli.DeadLetters(t.Context(), []string{"list", "--limit", bad}, getenv, &out); err == nil {
			t.Errorf("--limit %s accepted", bad)
		}
	}
}
