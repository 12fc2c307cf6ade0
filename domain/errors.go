package domain

import (
	"errors"
	"strings"
)

// Error codes carried by FieldError. They are part of the public API: the
// HTTP edge sends them as the "message" of each entry in data.errors.
const (
	CodeBlank         = "blank"
	CodeTooLong       = "too_long"
	CodeControlChars  = "control_characters"
	CodeInvalidFormat = "invalid_format"
	CodeAlreadyExists = "already_exists"
)

// ErrVATAlreadyUsed is matched (errors.Is) by the error returned when a
// normalised VAT is already held by another customer of the same parent.
var ErrVATAlreadyUsed = errors.New("vat already used under this parent organization")

// ErrCustomerNotFound says a customer stream does not exist.
var ErrCustomerNotFound = errors.New("customer not found")

// FieldError is one broken business rule on one input field.
// Field is a JSON path such as "name" or "custom_data.vat"; Value is the
// value as the client sent it.
type FieldError struct {
	Field string
	Code  string
	Value string
}

func (e FieldError) Error() string { return e.Field + ": " + e.Code }

// Is lets errors.Is(err, ErrVATAlreadyUsed) recognise the uniqueness failure.
func (e FieldError) Is(target error) bool {
	return target == ErrVATAlreadyUsed && e.Code == CodeAlreadyExists && e.Field == FieldVAT
}

// RuleViolations collects every broken rule of one command, so that a client
// learns all of them at once.
type RuleViolations []FieldError

func (v RuleViolations) Error() string {
	parts := make([]string, len(v))
	for i, e := range v {
		parts[i] = e.Error()
	}
	return "business rules violated: " + strings.Join(parts, "; ")
}

// Unwrap exposes each violation to errors.Is / errors.As.
func (v RuleViolations) Unwrap() []error {
	errs := make([]error, len(v))
	for i, e := range v {
		errs[i] = e
	}
	return errs
}

// VATAlreadyUsed builds the uniqueness violation for the VAT as sent.
func VATAlreadyUsed(vatAsSent string) error {
	return RuleViolations{{Field: FieldVAT, Code: CodeAlreadyExists, Value: vatAsSent}}
}
