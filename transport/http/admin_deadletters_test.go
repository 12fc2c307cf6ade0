package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	transporthttp "github.com/customersvc/customersvc/transport/http"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// streamDouble is a dead-letter stream holding the sequences in seqs. It
// records the pages asked for, and a replay of a sequence in poison parks
// it again under a new sequence, as a projector that still fails does.
type streamDouble struct {
	mu     sync.Mutex
	seqs   []uint64
	last   uint64
	poison map[uint64]bool
	pages  []string // "after/limit"
	served int      // dead letters handed out in pages
}

func newStreamDouble(n int, gaps ...uint64) *streamDouble {
	d := &streamDouble{poison: map[uint64]bool{}}
	for seq := uint64(1); seq <= uint64(n); seq++ {
		if !slices.Contains(gaps, seq) {
			d.seqs = append(d.seqs, seq)
		}
	}
	d.last = uint64(n)
	return d
}

func (d *streamDouble) Page(_ context.Context, after uint64, limit int) (natsx.ParkedPage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pages = append(d.pages, fmt.Sprintf("%d/%d", after, limit))
	page := natsx.ParkedPage{Total: uint64(len(d.seqs)), LastSequence: d.last}
	for _, seq := range d.seqs {
		if seq > after && len(page.Parked) < limit {
			page.Parked = append(page.Parked, natsx.Parked{Sequence: seq, EventID: fmt.Sprintf("e-%d", seq)})
		}
	}
	d.served += len(page.Parked)
	if n := len(page.Parked); n == limit && page.Parked[n-1].Sequence < d.last {
		page.Next = page.Parked[n-1].Sequence
	}
	return page, nil
}

func (d *streamDouble) Replay(_ context.Context, seq uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.Index(d.seqs, seq)
	if i < 0 {
		return natsx.ErrUnknownDeadLetter
	}
	d.seqs = slices.Delete(d.seqs, i, i+1)
	if d.poison[seq] {
		d.last++
		d.seqs = append(d.seqs, d.last)
	}
	return nil
}

func newPagedAdmin(t *testing.T, dl transporthttp.DeadLetters) *transporthttp.AdminDeps {
	t.Helper()
	return &transporthttp.AdminDeps{Verifier: newVerifierFor(t), DeadLetters: dl, Projections: projectionsDouble{},
		ParkedSinceStart: func() int64 { return 0 }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

type deadLettersAnswer struct {
	Code int                           `json:"code"`
	Data transporthttp.DeadLettersData `json:"data"`
}

// TestAdminDeadLettersPages: following next with a limit smaller than the
// count lists every dead letter exactly once, in order, skipping replayed
// sequences, and each request asks the stream for one page only.
func TestAdminDeadLettersPages(t *testing.T) {
	t.Parallel()
	dl := newStreamDouble(11, 4, 5, 9) // 8 dead letters, 3 replayed
	h, err := transporthttp.NewAdminHandler(*newPagedAdmin(t, dl))
	if err != nil {
		t.Fatal(err)
	}
	var seen []uint64
	path := "/admin/deadletters?limit=3"
	for requests := 0; ; requests++ {
		if requests > 10 {
			t.Fatalf("no end after %d pages: %v", requests, seen)
		}
		rec := adminDo(t, h, "GET", path)
		var got deadLettersAnswer
		if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		if len(got.Data.Parked) > 3 || got.Data.Limit != 3 || got.Data.Total != 8 {
			t.Fatalf("%s: page of %d, limit %d, total %d", path, len(got.Data.Parked), got.Data.Limit, got.Data.Total)
		}
		for _, p := range got.Data.Parked {
			seen = append(seen, p.Sequence)
		}
		if got.Data.Next == nil {
			break
		}
		path = fmt.Sprintf("/admin/deadletters?after=%d&limit=3", *got.Data.Next)
	}
	if want := []uint64{1, 2, 3, 6, 7, 8, 10, 11}; !slices.Equal(seen, want) {
		t.Errorf("listed %v, want %v", seen, want)
	}
	if want := []string{"0/3", "3/3", "8/3"}; !slices.Equal(dl.pages, want) {
		t.Errorf("pages asked %v, want %v", dl.pages, want)
	}
	if dl.served != 8 {
		t.Errorf("the stream handed out %d dead letters for 8", dl.served)
	}

	// Without parameters: the first page of 100.
	adminDo(t, h, "GET", "/admin/deadletters")
	if last := dl.pages[len(dl.pages)-1]; last != "0/100" {
		t.Errorf("default page %s, want 0/100", last)
	}
}

// TestAdminDeadLettersBadPageParams: a bad after or limit is a 400 in the
// envelope naming each, and the stream is not read.
func TestAdminDeadLettersBadPageParams(t *testing.T) {
	t.Parallel()
	dl := newStreamDouble(3)
	h, err := transporthttp.NewAdminHandler(*newPagedAdmin(t, dl))
	if err != nil {
		t.Fatal(err)
	}
	for query, want := range map[string]string{
		"after=x":             `"errors":[{"key":"after","message":"must_be_integer","value":"x"}]`,
		"after=-1":            `"errors":[{"key":"after","message":"must_be_integer","value":"-1"}]`,
		"limit=0":             `"errors":[{"key":"limit","message":"min","value":"0"}]`,
		"limit=1001":          `"errors":[{"key":"limit","message":"max","value":"1001"}]`,
		"limit=2.5":           `"errors":[{"key":"limit","message":"must_be_integer","value":"2.5"}]`,
		"after=a&limit=99999": `"errors":[{"key":"after","message":"must_be_integer","value":"a"},{"key":"limit","message":"max","value":"99999"}]`,
	} {
		rec := adminDo(t, h, "GET", "/admin/deadletters?"+query)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), `"code":400`) || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("%s: %d %s; want 400 with %s", query, rec.Code, rec.Body, want)
		}
	}
	if len(dl.pages) != 0 {
		t.Errorf("bad parameters read pages %v", dl.pages)
	}
	if rec := adminDo(t, h, "GET", "/admin/deadletters?limit=1000&after=18446744073709551615"); rec.Code != 200 {
		t.Errorf("largest limit and after: %d %s", rec.Code, rec.Body)
	}
}

// TestAdminReplayAllPages: replay all walks the stream a page at a time,
// replays every dead letter there when it started exactly once, and does
// not go on with those parked again by the replay.
func TestAdminReplayAllPages(t *testing.T) {
	t.Parallel()
	dl := newStreamDouble(250, 100)
	dl.poison[7], dl.poison[250] = true, true
	h, err := transporthttp.NewAdminHandler(*newPagedAdmin(t, dl))
	if err != nil {
		t.Fatal(err)
	}
	rec := adminDo(t, h, "POST", "/admin/deadletters/replay")
	var got struct {
		Data transporthttp.ReplayedData `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != 200 || err != nil {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var want []uint64
	for seq := uint64(1); seq <= 250; seq++ {
		if seq != 100 {
			want = append(want, seq)
		}
	}
	if !slices.Equal(got.Data.Replayed, want) {
		t.Errorf("replayed %d: %v", len(got.Data.Replayed), got.Data.Replayed)
	}
	if !slices.Equal(dl.seqs, []uint64{251, 252}) {
		t.Errorf("left parked %v, want the two parked again", dl.seqs)
	}
	for _, p := range dl.pages {
		if !strings.HasSuffix(p, "/100") {
			t.Errorf("a page of other than 100: %v", dl.pages)
		}
	}
}
