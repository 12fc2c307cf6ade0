package main

import (
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// ringSize is how many of an organization's latest customers the reads
// pick from.
const ringSize = 1024

// sentCustomer is what the reads need of a customer the run created.
type sentCustomer struct {
	id, name, vat string
}

// orgRing keeps the latest customers created under one parent
// organization, so that a read by a client of that organization targets
// a customer its token may see. Clients of the same organization share it.
type orgRing struct {
	mu      sync.Mutex
	items   []sentCustomer
	next    int
	created int // ever added
}

func (r *orgRing) add(c sentCustomer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.items) < ringSize {
		r.items = append(r.items, c)
	} else {
		r.items[r.next] = c
		r.next = (r.next + 1) % ringSize
	}
	r.created++
}

// random returns one of the kept customers and how many were created
// under the organization so far; ok is false while there is none.
func (r *orgRing) random(rnd *rand.Rand) (c sentCustomer, created int, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.items) == 0 {
		return sentCustomer{}, 0, false
	}
	return r.items[rnd.IntN(len(r.items))], r.created, true
}

// idFromLocation returns the customer ID at the end of a create's
// Location header ("/customers/<id>").
func idFromLocation(location string) string {
	return location[strings.LastIndexByte(location, '/')+1:]
}

var (
	sortFields     = []string{"created_at", "updated_at", "name"}
	sortDirections = []string{"asc", "desc"}
)

// listTarget is GET /customers?page_size=20 in a random order; one list
// in eight asks for a deeper page within what the organization holds.
func listTarget(base string, rnd *rand.Rand, created int) string {
	q := base + "/customers?page_size=20&sort_by=" + sortFields[rnd.IntN(len(sortFields))] +
		"&sort_direction=" + sortDirections[rnd.IntN(len(sortDirections))]
	if pages := created / 20; pages > 1 && rnd.IntN(8) == 0 {
		q += "&page=" + strconv.Itoa(2+rnd.IntN(pages-1))
	}
	return q
}

// searchTarget searches for part of a created customer: the run's ID and
// number in its name ("Loadgen 123456 789" → "123456 789", which also
// matches 7890, 7891, …) or its VAT without the country prefix and the
// last digit.
func searchTarget(base string, rnd *rand.Rand, c sentCustomer) string {
	term := c.vat[2 : len(c.vat)-1]
	if rnd.IntN(2) == 0 {
		term = strings.TrimPrefix(c.name, "Loadgen ")
	}
	return base + "/customers?page_size=20&search=" + url.QueryEscape(term)
}
