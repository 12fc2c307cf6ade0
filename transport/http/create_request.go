package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/customersvc/customersvc/command"
)

// MaxBodyBytes is the largest request body accepted.
const MaxBodyBytes = 1 << 20

// toCreateCommand turns a POST /customers request into the command: the
// media type and size of the body, its structure and the idempotency key
// are checked here, every problem at once; the business rules are the
// domain's.
func toCreateCommand(c *gin.Context) (command.CreateCustomer, error) {
	body, err := readJSONBody(c)
	if err != nil {
		return command.CreateCustomer{}, err
	}
	req, err := decodeCreateRequest(body, c.GetHeader(headerIdempotencyKey))
	if err != nil {
		return command.CreateCustomer{}, err
	}
	return command.CreateCustomer{
		Principal:      principalOf(c),
		Name:           req.Name,
		Description:    req.Description,
		CustomData:     req.CustomData,
		VAT:            req.VAT,
		RequestID:      c.GetString(requestIDKey),
		IdempotencyKey: req.IdempotencyKey,
	}, nil
}

// readJSONBody enforces the media type and the size limit.
func readJSONBody(c *gin.Context) ([]byte, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, errUnsupportedMediaType
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, errBodyTooLarge
	}
	if err != nil {
		return nil, badRequestError{{Key: keyBody, Message: codeInvalidJSON}}
	}
	return body, nil
}

func isJSON(contentType string) bool {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

// Limits on custom_data, checked before anything is stored.
const (
	maxCustomDataKeys  = 64
	maxCustomDataBytes = 16 << 10
	maxCustomDataDepth = 8
	// maxEchoedValue is the most bytes of a value (or a field's path)
	// echoed back in an error, cut on a character boundary and marked with
	// echoCut (cutEcho).
	maxEchoedValue = 256
	echoCut        = "…"
)

// Codes of 400 problems, sent as data.errors[].message.
const (
	codeRequired     = "required"
	codeMustBeString = "must_be_string"
	codeMustBeObject = "must_be_object"
	codeInvalidJSON  = "invalid_json"
	codeTooManyKeys  = "too_many_keys"
	codeTooLarge     = "too_large"
	codeTooDeep      = "too_deep"
	keyBody          = "body"
	keyName          = "name"
	keyDescription   = "description"
	keyCustomData    = "custom_data"
	keyCustomDataVAT = "custom_data.vat"
)

// createRequest is a POST /customers body that passed the structural
// checks; the business rules are the domain's.
type createRequest struct {
	Name        string
	Description string
	CustomData  json.RawMessage // compacted object, vat included
	VAT         string
	// IdempotencyKey is the Idempotency-Key header, if any.
	IdempotencyKey string
}

const (
	headerIdempotencyKey  = "Idempotency-Key"
	maxIdempotencyKey     = 255
	codeInvalidIdempotent = "invalid"
)

// decodeCreateRequest checks the body's structure and the idempotency key,
// and returns every problem at once as a badRequestError.
func decodeCreateRequest(body []byte, idempotencyKey string) (createRequest, error) {
	req, problems := decodeCreateBody(body)
	key := strings.TrimSpace(idempotencyKey)
	if !validIdempotencyKey(key) {
		problems = append(problems, fieldError{Key: headerIdempotencyKey, Message: codeInvalidIdempotent, Value: echo(json.RawMessage(key))})
	}
	if len(problems) > 0 {
		return createRequest{}, problems
	}
	req.IdempotencyKey = key
	return req, nil
}

// validIdempotencyKey accepts up to 255 visible ASCII characters (or none).
func validIdempotencyKey(key string) bool {
	if len(key) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

func decodeCreateBody(body []byte) (createRequest, badRequestError) {
	var fields map[string]json.RawMessage
	if !utf8.Valid(body) || json.Unmarshal(body, &fields) != nil || fields == nil {
		code := codeInvalidJSON
		if json.Valid(body) && utf8.Valid(body) {
			code = codeMustBeObject
		}
		return createRequest{}, badRequestError{{Key: keyBody, Message: code, Value: ""}}
	}
	// With a key twice, which one was meant is unknown: the checks below
	// would see the last and custom_data would be stored with both.
	if dups := duplicateKeys(body); len(dups) > 0 {
		return createRequest{}, dups
	}
	var req createRequest
	var problems badRequestError
	problems = requiredString(fields, keyName, keyName, &req.Name, problems)
	if raw, ok := fields[keyDescription]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &req.Description) != nil {
			problems = append(problems, fieldError{Key: keyDescription, Message: codeMustBeString, Value: echo(raw)})
		}
	}
	problems = decodeCustomData(fields[keyCustomData], &req, problems)
	return req, problems
}

func decodeCustomData(raw json.RawMessage, req *createRequest, problems badRequestError) badRequestError {
	var data map[string]json.RawMessage
	switch {
	case raw == nil || isNull(raw):
		return append(problems, fieldError{Key: keyCustomData, Message: codeRequired})
	case json.Unmarshal(raw, &data) != nil:
		return append(problems, fieldError{Key: keyCustomData, Message: codeMustBeObject, Value: echo(raw)})
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, raw); err != nil {
		return append(problems, fieldError{Key: keyCustomData, Message: codeMustBeObject, Value: echo(raw)})
	}
	switch {
	case len(data) > maxCustomDataKeys:
		problems = append(problems, fieldError{Key: keyCustomData, Message: codeTooManyKeys})
	case compact.Len() > maxCustomDataBytes:
		problems = append(problems, fieldError{Key: keyCustomData, Message: codeTooLarge})
	case depth(compact.Bytes()) > maxCustomDataDepth:
		problems = append(problems, fieldError{Key: keyCustomData, Message: codeTooDeep})
	}
	req.CustomData = compact.Bytes()
	return requiredString(data, "vat", keyCustomDataVAT, &req.VAT, problems)
}

// requiredString reads fields[name] into dst, reporting a missing, null,
// non-string or empty value under key.
func requiredString(fields map[string]json.RawMessage, name, key string, dst *string, problems badRequestError) badRequestError {
	raw, ok := fields[name]
	if !ok || isNull(raw) {
		return append(problems, fieldError{Key: key, Message: codeRequired})
	}
	if json.Unmarshal(raw, dst) != nil {
		return append(problems, fieldError{Key: key, Message: codeMustBeString, Value: echo(raw)})
	}
	if *dst == "" {
		return append(problems, fieldError{Key: key, Message: codeRequired})
	}
	return problems
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// echo returns a value as the client sent it, without surrounding
// space; respondValidation cuts it (cutEcho), so no more than that is
// copied here.
func echo(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	return string(raw[:min(len(raw), maxEchoedValue+utf8.UTFMax)])
}

// cutEcho cuts s to maxEchoedValue bytes on a character boundary and marks
// the cut with echoCut; shorter strings are returned as they are.
func cutEcho(s string) string {
	if len(s) <= maxEchoedValue {
		return s
	}
	cut := maxEchoedValue
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + echoCut
}

// depth returns the deepest nesting of objects and arrays in valid JSON;
// the outermost object counts as 1.
func depth(compact []byte) int {
	deepest, level := 0, 0
	inString, escaped := false, false
	for _, b := range compact {
		switch {
		case escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case b == '"':
			inString = !inString
		case inString:
		case b == '{' || b == '[':
			level++
			deepest = max(deepest, level)
		case b == '}' || b == ']':
			level--
		}
	}
	return deepest
}
