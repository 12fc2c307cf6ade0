package http

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"
)

// envelope is the body of every response: {code, message, data}, where
// code is always the HTTP status.
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data"`
}

// validationData is data of a 400 or 422: every problem at once.
type validationData struct {
	Type   string       `json:"type"`
	Errors []fieldError `json:"errors"`
}

type fieldError struct {
	Key     string `json:"key"`
	Message string `json:"message"`
	Value   string `json:"value"`
}

const typeValidationError = "validation_error"

// emptyData renders as {} as the contract's examples show.
var emptyData = struct{}{}

func respond(c *gin.Context, status int, message string, data any) {
	body, err := json.Marshal(envelope{Code: status, Message: message, Data: data})
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"code":500,"message":"internal server error","data":{}}`)
	}
	c.Data(status, "application/json; charset=utf-8", body)
}

// respondValidation answers the problems, each value and key cut to
// maxEchoedValue bytes (cutEcho): whatever rule produced them, a client
// never gets back more than that of what it sent.
func respondValidation(c *gin.Context, status int, errs []fieldError) {
	c.Abort()
	cut := make([]fieldError, len(errs))
	for i, e := range errs {
		cut[i] = fieldError{Key: cutEcho(e.Key), Message: e.Message, Value: cutEcho(e.Value)}
	}
	respond(c, status, "validation failed", validationData{Type: typeValidationError, Errors: cut})
}
