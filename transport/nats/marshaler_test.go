package nats_test

import (
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/customersvc/customersvc/domain"
	natsx "github.com/customersvc/customersvc/transport/nats"
)

func createdMessage(version int, payload string) *message.Message {
	msg := message.NewMessage("m-1", []byte(payload))
	msg.Metadata.Set(natsx.HeaderType, "customersvc.customer.created")
	msg.Metadata.Set(natsx.HeaderSchemaVersion, strconv.Itoa(version))
	return msg
}

// TestEventMarshalerDecodesAsTheDomain: whether a payload takes the fast
// path or not, Unmarshal gives what domain.DecodeEvent gives.
func TestEventMarshalerDecodesAsTheDomain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version int
		payload string
	}{
		{"AsWritten", 2, `{"customer_id":"c1","parent_organization_id":"p","name":"ACME","description":"d","custom_data":{"a":1},"vat":"IT123","vat_normalized":"IT123","vat_country":"IT","branding":{"logo_url":"l","dark_logo_url":"d"},"created_by":{"user_id":"u","organization_id":"p"},"created_at":"2026-01-02T03:04:05Z"}`},
		{"Version1", 1, `{"customer_id":"c1","parent_organization_id":"p","name":"ACME","vat":"DE123456789","vat_normalized":"DE123456789","created_at":"2026-01-02T03:04:05Z"}`},
		{"OtherSpelling", 2, `{"Customer_ID":"c1","name":"ACME","description":null,"created_at":"2026-01-02T03:04:05Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got domain.CustomerCreated
			if err := (natsx.EventMarshaler{}).Unmarshal(createdMessage(tt.version, tt.payload), &got); err != nil {
				t.Fatal(err)
			}
			want, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, tt.version, []byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Unmarshal gave\n%#v\nDecodeEvent gives\n%#v", got, want)
			}
			if got.CustomerID != "c1" || got.Name != "ACME" {
				t.Fatalf("decoded %+v", got)
			}
		})
	}
}

func TestEventMarshalerRefusesBadPayloadAsPoison(t *testing.T) {
	t.Parallel()
	for _, payload := range []string{`{"name":`, `[]`, `{"created_at":"yesterday"}`} {
		var got domain.CustomerCreated
		err := (natsx.EventMarshaler{}).Unmarshal(createdMessage(2, payload), &got)
		if !errors.Is(err, natsx.ErrPoison) {
			t.Errorf("payload %s: error %v, want ErrPoison", payload, err)
		}
	}
}
