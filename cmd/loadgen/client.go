package main

import (
	"context"
	"math/rand/v2"
)

// client is one load client: its connection, the organization it acts
// for and its own random numbers.
type client struct {
	l    *loader
	conn poster
	tok  string
	ring *orgRing
	rnd  *rand.Rand
}

func (l *loader) newClient(w int) *client {
	org := w % len(l.tokens)
	return &client{
		l: l, conn: l.newPoster(), tok: l.tokens[org], ring: l.rings[org],
		rnd: rand.New(rand.NewPCG(rand.Uint64(), uint64(w))),
	}
}

// send sends one request of kind k and returns the kind it sent: a get
// or a search, which need a customer of the organization, creates one
// instead while the organization has none.
func (c *client) send(ctx context.Context, k kind) (kind, reply, error) {
	target, created, ok := c.ring.random(c.rnd)
	if k == kindCreate || (!ok && k != kindList) {
		rep, err := c.create(ctx)
		return kindCreate, rep, err
	}
	base := c.l.basePath
	var path string
	switch k {
	case kindGet:
		path = base + "/customers/" + target.id
	case kindSearch:
		path = searchTarget(base, c.rnd, target)
	default:
		path = listTarget(base, c.rnd, created)
	}
	rep, err := c.conn.send(ctx, "GET", path, c.tok, nil)
	return k, rep, err
}

// create posts a new customer and keeps it for the reads once created.
func (c *client) create(ctx context.Context) (reply, error) {
	sent, body := c.l.body()
	rep, err := c.conn.send(ctx, "POST", c.l.basePath+"/customers", c.tok, body)
	if err == nil && rep.status == kindCreate.okStatus() && rep.location != "" {
		sent.id = idFromLocation(rep.location)
		c.ring.add(sent)
	}
	return rep, err
}
