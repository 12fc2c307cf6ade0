package http

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	natsx "github.com/customersvc/customersvc/transport/nats"
)

// DeadLettersData is the data of GET /admin/deadletters.
type DeadLettersData struct {
	Parked           []natsx.Parked `json:"parked"`
	ParkedSinceStart int64          `json:"parked_since_start"`
}

// ReplayedData is the data of a replay: the sequences published again.
type ReplayedData struct {
	Replayed []uint64 `json:"replayed"`
}

func (a adminAPI) listDeadLetters(c *gin.Context) error {
	parked, err := a.DeadLetters.List(c.Request.Context())
	if err != nil {
		return err
	}
	respond(c, http.StatusOK, "dead letters retrieved successfully", DeadLettersData{Parked: parked, ParkedSinceStart: a.ParkedSinceStart()})
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

// replayAll publishes every parked event again, oldest first.
func (a adminAPI) replayAll(c *gin.Context) error {
	parked, err := a.DeadLetters.List(c.Request.Context())
	if err != nil {
		return err
	}
	replayed := []uint64{}
	for _, p := range parked {
		if err := a.DeadLetters.Replay(c.Request.Context(), p.Sequence); err != nil {
			return err
		}
		replayed = append(replayed, p.Sequence)
	}
	respond(c, http.StatusOK, "dead letters replayed", ReplayedData{Replayed: replayed})
	return nil
}
