package esdb

import (
	"context"
	"errors"
	"fmt"
	"io"

	esdbclient "github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/customersvc/customersvc/command/eventstore"
)

// Head returns the position of the last event in $all, system events
// included.
func (s *Store) Head(ctx context.Context) (eventstore.Position, error) {
	var head eventstore.Position
	err := s.call(func(c *esdbclient.Client) error {
		rs, err := c.ReadAll(ctx, esdbclient.ReadAllOptions{Direction: esdbclient.Backwards, From: esdbclient.End{}}, 1)
		if err != nil {
			return err
		}
		defer rs.Close()
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			head = eventstore.Start
			return nil
		}
		if err != nil {
			return err
		}
		head = toPosition(e.OriginalEvent().Position)
		return nil
	})
	if err != nil {
		return eventstore.Start, fmt.Errorf("head of $all: %w", err)
	}
	return head, nil
}

// Ping reads the last event of $all: a call as cheap as any that needs the
// server, and the access Follow needs anyway.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.Head(ctx); err != nil {
		return fmt.Errorf("ping %s: %w", redact(s.cfg.URL), err)
	}
	return nil
}
