package domain_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/customersvc/customersvc/domain"
)

// v1CustomerCreated is CustomerCreated as schema version 1 stored it:
// without vat_country.
func v1CustomerCreated(vat, normalized string) []byte {
	data, _ := json.Marshal(map[string]any{
		"customer_id": "0192f0c4-7b9e-7a31-9d2c-3f4e5a6b7c8d", "parent_organization_id": "org-reseller-1",
		"name": "ACME", "description": "", "custom_data": json.RawMessage(`{"vat":` + quote(vat) + `,"region":"Italy"}`),
		"vat": vat, "vat_normalized": normalized,
		"branding":   map[string]string{"logo_url": "https://cdn/l.png", "dark_logo_url": "https://cdn/d.png"},
		"created_by": map[string]string{"user_id": "u1", "organization_id": "org-reseller-1"},
		"created_at": "2026-11-27T10:00:00Z",
	})
	return data
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func TestDecodeEvent_upcasts_stored_versions(t *testing.T) {
	t.Parallel()
	created, _ := domain.CreateCustomer(validCustomer())
	current, _ := json.Marshal(created.Changes()[0])
	tests := []struct {
		name        string
		version     int
		data        []byte
		wantCountry string
	}{
		{"v1 Italian VAT gains its prefix", 1, v1CustomerCreated("IT12345678901", "IT12345678901"), "IT"},
		{"v1 Greek VAT gains EL", 1, v1CustomerCreated("el 123.456.789", "EL123456789"), "EL"},
		{"v1 GR is no member-state prefix", 1, v1CustomerCreated("GR123456789", "GR123456789"), ""},
		{"v1 Swiss VAT has no EU prefix", 1, v1CustomerCreated("CHE-123.456.789", "CHE123456789"), ""},
		{"v1 one-character VAT", 1, v1CustomerCreated("X", "X"), ""},
		{"v1 without vat_normalized", 1, []byte(`{"customer_id":"c","vat":"IT12345678901"}`), ""},
		{"v2 round-trips", 2, current, "IT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := domain.DecodeEvent("CustomerCreated", tt.version, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := e.(domain.CustomerCreated)
			if !ok || got.SchemaVersion() != 2 {
				t.Fatalf("decoded %T v%d", e, e.SchemaVersion())
			}
			if got.VATCountry != tt.wantCountry {
				t.Errorf("vat_country %q, want %q", got.VATCountry, tt.wantCountry)
			}
			// Every field of the stored version survives the upcast.
			var stored, decoded map[string]any
			_ = json.Unmarshal(tt.data, &stored)
			again, _ := json.Marshal(got)
			_ = json.Unmarshal(again, &decoded)
			for k, v := range stored {
				if a, b := toJSON(v), toJSON(decoded[k]); a != b {
					t.Errorf("%s: stored %s, decoded %s", k, a, b)
				}
			}
		})
	}
}

func toJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestDecodeEvent_v2_round_trip_is_exact(t *testing.T) {
	t.Parallel()
	created, _ := domain.CreateCustomer(validCustomer())
	data, _ := json.Marshal(created.Changes()[0])
	e, err := domain.DecodeEvent("CustomerCreated", domain.CustomerCreatedSchemaVersion, data)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(e)
	if string(again) != string(data) {
		t.Fatalf("round trip\n got %s\nwant %s", again, data)
	}
}

func TestDecodeEvent_refuses(t *testing.T) {
	t.Parallel()
	v1 := v1CustomerCreated("IT12345678901", "IT12345678901")
	tests := []struct {
		name      string
		eventType string
		version   int
		data      []byte
		want      error // nil: any error
	}{
		{"unknown type", "CustomerDeleted", 1, v1, domain.ErrUnknownEventType},
		{"newer version", "CustomerCreated", 3, v1, domain.ErrUnsupportedSchemaVersion},
		{"version 0", "CustomerCreated", 0, v1, domain.ErrUnsupportedSchemaVersion},
		{"negative version", "CustomerCreated", -1, v1, domain.ErrUnsupportedSchemaVersion},
		{"v1 not JSON", "CustomerCreated", 1, []byte(`{`), nil},
		{"v1 not an object", "CustomerCreated", 1, []byte(`null`), nil},
		{"v1 vat_normalized not a string", "CustomerCreated", 1, []byte(`{"vat_normalized":1}`), nil},
		{"v2 not JSON", "CustomerCreated", 2, []byte(`[`), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := domain.DecodeEvent(tt.eventType, tt.version, tt.data)
			if err == nil {
				t.Fatalf("decoded %+v", e)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCreateCustomer_records_vat_country(t *testing.T) {
	t.Parallel()
	for vat, want := range map[string]string{
		"it 123.456.789.01": "IT", "el-123456789": "EL", "CHE-123.456.789": "", "US1234": "",
	} {
		in := validCustomer()
		in.VAT = vat
		c, err := domain.CreateCustomer(in)
		if err != nil {
			t.Fatalf("%s: %v", vat, err)
		}
		if got := c.State().VATCountry; got != want {
			t.Errorf("%s: vat_country %q, want %q", vat, got, want)
		}
	}
}

func TestVATCountry(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"IT12345678901": "IT", "EL123456789": "EL", "ATU12345678": "AT", "DE123456789": "DE",
		"GR123456789": "", "CHE123456789": "", "US123": "", "I": "", "": "",
	} {
		if got := domain.VATCountry(in); got != want {
			t.Errorf("VATCountry(%q) = %q, want %q", in, got, want)
		}
	}
}
