package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// createRequest is a POST /customers body.
type createRequest struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	CustomData  json.RawMessage `json:"custom_data"`
	VAT         struct {
		VAT string `json:"vat"`
	} `json:"-"`
}

// decodeCreate checks the essentials customersvc checks: a JSON object
// up to 1 MiB, name and custom_data.vat non-empty strings (400), name not
// blank (422). The status says which kind of problem it found.
func decodeCreate(c *gin.Context) (createRequest, []fieldError, int) {
	var req createRequest
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20))
	if err != nil || json.Unmarshal(body, &req) != nil {
		return req, []fieldError{{Key: "body", Message: "invalid_json"}}, http.StatusBadRequest
	}
	var problems []fieldError
	if req.Name == "" {
		problems = append(problems, fieldError{Key: "name", Message: "required"})
	}
	if len(req.CustomData) == 0 || json.Unmarshal(req.CustomData, &req.VAT) != nil || bytes.Equal(req.CustomData, []byte("null")) {
		problems = append(problems, fieldError{Key: "custom_data", Message: "must_be_object"})
	} else if req.VAT.VAT == "" {
		problems = append(problems, fieldError{Key: "custom_data.vat", Message: "required"})
	}
	if len(problems) > 0 {
		return req, problems, http.StatusBadRequest
	}
	var compact bytes.Buffer
	if json.Compact(&compact, req.CustomData) == nil {
		req.CustomData = compact.Bytes()
	}
	if req.Name = strings.TrimSpace(req.Name); req.Name == "" {
		return req, []fieldError{{Key: "name", Message: "blank"}}, http.StatusUnprocessableEntity
	}
	return req, nil, 0
}
