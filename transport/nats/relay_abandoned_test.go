package nats_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/domain"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

// errorCounter is a slog handler that counts the records at Error level.
type errorCounter struct{ n atomic.Int64 }

func (h *errorCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *errorCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.n.Add(1)
	}
	return nil
}
func (h *errorCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorCounter) WithGroup(string) slog.Handler      { return h }

// TestRelaySkipsAbandonedCreations: the mark a VAT takeover leaves in the
// stream of a creation that never happened is no customer's event: the
// relay publishes the events around it, and neither publishes nor reports
// it as an error.
func TestRelaySkipsAbandonedCreations(t *testing.T) {
	errs := &errorCounter{}
	h := startRelay(t, natsx.StreamConfig{}, slog.New(errs))
	data, _ := json.Marshal(domain.CustomerCreated{Name: "Kept", CustomData: json.RawMessage(`{"vat":"IT12345678901"}`)})
	h.publish(t, 3, func(i int) eventstore.EventData {
		if i == 1 {
			return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: customerstream.EventTypeCreationAbandoned, Data: []byte(`{}`)}
		}
		return eventstore.EventData{ID: uuid.Must(uuid.NewV7()), Type: domain.EventTypeCustomerCreated, Data: data}
	})
	stream, err := h.js.Stream(t.Context(), "CUSTOMER_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 2 || errs.n.Load() != 0 {
		t.Fatalf("%d messages published, %d errors logged; want 2 and 0", info.State.Msgs, errs.n.Load())
	}
}
