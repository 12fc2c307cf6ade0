package http

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// DeadLettersData is the data of GET /admin/deadletters: one page of the
// parked events, oldest first. Next is the after of the next page, null on
// the last one.
type DeadLettersData struct {
	Parked           []natsx.Parked `json:"parked"`
	ParkedSinceStart int64          `json:"parked_since_start"`
	// Total is how many dead letters the stream holds now.
	Total uint64  `json:"total"`
	Limit int     `json:"limit"`
	Next  *uint64 `json:"next"`
}

// ReplayedData is the data of a replay: the sequences published again.
type ReplayedData struct {
	Replayed []uint64 `json:"replayed"`
}

// deadLetterPageParams reads after (a sequence, default 0: from the first)
// and limit (default 100, 1 to 1000), reporting every bad one at once.
func deadLetterPageParams(c *gin.Context) (after uint64, limit int, err error) {
	limit = natsx.DefaultDeadLetterPage
	var problems badRequestError
	if text := c.Query("after"); text != "" {
		n, perr := strconv.ParseUint(text, 10, 64)
		if perr != nil {
			problems = append(problems, fieldError{Key: "after", Message: codeMustBeInteger, Value: echo(json.RawMessage(text))})
		}
		after = n
	}
	if text := c.Query("limit"); text != "" {
		n, perr := strconv.Atoi(text)
		switch {
		case perr != nil:
			problems = append(problems, fieldError{Key: "limit", Message: codeMustBeInteger, Value: echo(json.RawMessage(text))})
		case n < 1:
			problems = append(problems, fieldError{Key: "limit", Message: "min", Value: text})
		case n > natsx.MaxDeadLetterPage:
			problems = append(problems, fieldError{Key: "limit", Message: "max", Value: text})
		}
		limit = n
	}
	if len(problems) > 0 {
		return 0, 0, problems
	}
	return after, limit, nil
}

// listDeadLetters answers one page: GET /admin/deadletters?after=&limit=.
func (a adminAPI) listDeadLetters(c *gin.Context) error {
	after, limit, err := deadLetterPageParams(c)
	if err != nil {
		return err
	}
	page, err := a.DeadLetters.Page(c.Request.Context(), after, limit)
	if err != nil {
		return err
	}
	data := DeadLettersData{Parked: page.Parked, ParkedSinceStart: a.ParkedSinceStart(), Total: page.Total, Limit: limit}
	if page.Parked == nil {
		data.Parked = []natsx.Parked{}
	}
	if page.Next != 0 {
		data.Next = &page.Next
	}
	respond(c, http.StatusOK, "dead letters retrieved successfully", data)
	return nil
}

// replayDeadLetter publishes one parked event again.
func (a adminAPI) replayDeadLetter(c *gin.Context) error {
	text := c.Param("seq")
	seq, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return badRequestError{{Key: "seq", Message: codeMustBeInteger, Value: echo(json.RawMessage(text))}}
	}
	if err := a.DeadLetters.Replay(c.Request.Context(), seq); err != nil {
		return err
	}
	respond(c, http.StatusOK, "dead letter replayed", ReplayedData{Replayed: []uint64{seq}})
	return nil
}

// replayAll publishes every event parked when the request came again,
// oldest first, reading them a page at a time. Those parked meanwhile
// (among them replayed ones that fail again) wait for the next replay.
func (a adminAPI) replayAll(c *gin.Context) error {
	ctx := c.Request.Context()
	replayed := []uint64{}
	var after, until uint64
	for first := true; ; first = false {
		page, err := a.DeadLetters.Page(ctx, after, natsx.DefaultDeadLetterPage)
		if err != nil {
			return err
		}
		if first {
			until = page.LastSequence
		}
		for _, p := range page.Parked {
			if p.Sequence > until {
				page.Next = 0
				break
			}
			if err := a.DeadLetters.Replay(ctx, p.Sequence); err != nil {
				return err
			}
			replayed = append(replayed, p.Sequence)
		}
		if page.Next == 0 || page.Next >= until {
			break
		}
		after = page.Next
	}
	respond(c, http.StatusOK, "dead letters replayed", ReplayedData{Replayed: replayed})
	return nil
}
