package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/cmd/customersvc/cli"
	"github.com/customersvc/customersvc/domain"
)

// eventMsg is an event message as the relay publishes it.
func eventMsg(subject string, schemaVersion int, data []byte) *nats.Msg {
	id := uuid.NewString()
	msg := nats.NewMsg(subject)
	msg.Data = data
	for k, v := range map[string]string{
		"Nats-Msg-Id": id, "_watermill_message_uuid": id, "ce-specversion": "1.0", "ce-id": id,
		"ce-type": "customersvc.customer.created", "ce-source": "test", "ce-subject": "x",
		"ce-schemaversion": strconv.Itoa(schemaVersion), "ce-streamrevision": "0", "ce-logposition": "1",
		"content-type": "application/json",
	} {
		msg.Header.Set(k, v)
	}
	return msg
}

// TestPoisonEventIsParked: an event the projector cannot apply is retried,
// then parked with its reason; the events after it are still projected; the
// CLI lists it and replays parked events.
func TestPoisonEventIsParked(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir(), func(c *app.Config) { c.NATSEmbeddedListen = "127.0.0.1:0" })
	nc, err := nats.Connect(svc.NATSURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := nc.JetStream()

	// A schema version from the future: no retry can decode it.
	if _, err := js.PublishMsg(eventMsg("customers.events.created", 99, []byte(`{"customer_id":"nope"}`))); err != nil {
		t.Fatal(err)
	}
	org := "reseller-" + uuid.NewString()
	tok := token(t, "Reseller", org)
	after := svc.create(t, tok, "After the poison", uniqueVAT())["id"].(string)
	eventually(t, 10*time.Second, func() error {
		names, _ := listOf(t, svc, tok, "")
		if len(names) != 1 {
			return fmt.Errorf("the customer after the poison event is not projected (%s): %v", after, names)
		}
		return nil
	})

	ctx := context.Background()
	// The CLI mints its admin token from the service's secret.
	env := func(k string) string {
		return map[string]string{"ADMIN_ADDR": svc.AdminAddr(), "AUTH_HS256_SECRET": testSecret}[k]
	}
	var listed bytes.Buffer
	eventually(t, 10*time.Second, func() error {
		listed.Reset()
		if err := cli.DeadLetters(ctx, []string{"list"}, env, &listed); err != nil {
			return err
		}
		if !strings.Contains(listed.String(), "unsupported event schema version") {
			return fmt.Errorf("dead letters: %s", listed.String())
		}
		return nil
	})
	if svc.PoisonParked() != 1 {
		t.Errorf("parked counter %d, want 1", svc.PoisonParked())
	}

	// A parked event that is fine now (as after a fix) is applied on replay.
	fixed := domain.CustomerCreated{CustomerID: uuid.NewString(), ParentOrganizationID: org, Name: "Replayed",
		CustomData: json.RawMessage(`{"vat":"IT12345678901"}`), VAT: "IT12345678901", NormalizedVAT: "IT12345678901", CreatedAt: time.Now().UTC()}
	data, _ := json.Marshal(fixed)
	parked := eventMsg("deadletter.customers.events", domain.CustomerCreatedSchemaVersion, data)
	parked.Header.Set("parked-subject", "customers.events.created")
	parked.Header.Set("parked-reason", "test")
	if _, err := js.PublishMsg(parked); err != nil {
		t.Fatal(err)
	}
	var replayed bytes.Buffer
	if err := cli.DeadLetters(ctx, []string{"replay", "--all"}, env, &replayed); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() error {
		if res := svc.do(t, "GET", "/customers?search=replayed", tok, nil); !strings.Contains(string(res.body), fixed.CustomerID) {
			return fmt.Errorf("replayed event not projected: %s", res.body)
		}
		return nil
	})
	// The poison one was replayed too, failed again, and is parked again.
	eventually(t, 10*time.Second, func() error {
		if svc.PoisonParked() != 2 {
			return fmt.Errorf("parked counter %d, want 2", svc.PoisonParked())
		}
		return nil
	})
}
