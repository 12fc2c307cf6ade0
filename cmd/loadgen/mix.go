package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// kind is one kind of request the load sends.
type kind int

const (
	kindCreate kind = iota // POST /customers
	kindGet                // GET /customers/{id} of a customer created in the run
	kindList               // GET /customers?page_size=20, random order, now and then a deeper page
	kindSearch             // GET /customers?search=, part of a created customer's name or VAT
	numKinds
)

var kindNames = [numKinds]string{"create", "get", "list", "search"}

func (k kind) String() string { return kindNames[k] }

// okStatus is the status of a successful request of the kind.
func (k kind) okStatus() int {
	if k == kindCreate {
		return 201
	}
	return 200
}

// The mixes the commands start from: creates only (run, soak) and one
// create to four reads (suite, compare).
const (
	createsOnly = "create=1"
	defaultMix  = "create=1,get=2,list=1,search=1"
)

// mix is how often each kind of request is sent, as integer weights.
type mix struct {
	weights [numKinds]int
	total   int
}

// parseMix reads "create=1,get=2,list=1,search=1": kinds by name, each at
// most once, weights non-negative integers, at least one above zero.
// Kinds left out weigh zero. Every problem is reported at once.
func parseMix(spec string) (mix, error) {
	var m mix
	var errs []error
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		name = strings.TrimSpace(name)
		k := kindByName(name)
		w, err := strconv.Atoi(strings.TrimSpace(value))
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%q: want kind=weight", part))
		case k < 0:
			errs = append(errs, fmt.Errorf("%q: unknown kind (want create, get, list or search)", name))
		case seen[name]:
			errs = append(errs, fmt.Errorf("%q: given twice", name))
		case err != nil || w < 0:
			errs = append(errs, fmt.Errorf("%s=%q: weight must be a non-negative integer", name, value))
		default:
			seen[name] = true
			m.weights[k] = w
			m.total += w
		}
	}
	if len(errs) == 0 && m.total == 0 {
		errs = append(errs, errors.New("every weight is zero"))
	}
	if err := errors.Join(errs...); err != nil {
		return mix{}, fmt.Errorf("-mix %q: %w", spec, err)
	}
	return m, nil
}

func kindByName(name string) kind {
	for k, n := range kindNames {
		if n == name {
			return kind(k)
		}
	}
	return -1
}

// pick returns the kind that n, drawn uniformly from [0, total), falls on:
// each kind takes as many of the numbers as its weight.
func (m mix) pick(n int) kind {
	for k, w := range m.weights {
		if n < w {
			return kind(k)
		}
		n -= w
	}
	return kindCreate // n out of range: not reached by a uniform draw
}

// String is the mix in the form parseMix reads, without zero weights.
func (m mix) String() string {
	var parts []string
	for k, w := range m.weights {
		if w > 0 {
			parts = append(parts, kindNames[k]+"="+strconv.Itoa(w))
		}
	}
	return strings.Join(parts, ",")
}

// mustParseMix is parseMix for the constants above.
func mustParseMix(spec string) mix {
	m, err := parseMix(spec)
	if err != nil {
		panic(err)
	}
	return m
}
