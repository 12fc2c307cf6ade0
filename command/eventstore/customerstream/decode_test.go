package customerstream_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/customersvc/customersvc/command/eventstore"
	"github.com/customersvc/customersvc/command/eventstore/customerstream"
	"github.com/customersvc/customersvc/command/eventstore/customerstream/jsonscan"
	"github.com/customersvc/customersvc/domain"
)

// TestScannerKnowsCurrentLayout fails when CustomerCreated moves to a new
// schema version or gains a field: the fast scanner then leaves every
// event to encoding/json (still right, several times slower) until it is
// taught the new layout.
func TestScannerKnowsCurrentLayout(t *testing.T) {
	t.Parallel()
	if domain.CustomerCreatedSchemaVersion != jsonscan.CustomerCreatedVersion {
		t.Fatalf("CustomerCreated is at schema version %d; the fast scanner reads version %d",
			domain.CustomerCreatedSchemaVersion, jsonscan.CustomerCreatedVersion)
	}
	full := domain.CustomerCreated{
		CustomerID: "id", ParentOrganizationID: "p", Name: "n", Description: "d", CustomData: json.RawMessage(`{"vat":"v"}`),
		VAT: "v", NormalizedVAT: "V", VATCountry: "IT", Branding: domain.Branding{LogoURL: "l", DarkLogoURL: "dl"},
		CreatedBy: domain.Actor{UserID: "u", OrganizationID: "o"}, CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
	}
	if zero := zeroFields(reflect.ValueOf(full), "CustomerCreated"); len(zero) > 0 {
		t.Fatalf("this test sets no value for %v: teach the fast decoder and this test the new fields", zero)
	}
	data, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := jsonscan.CustomerCreated(data, domain.CustomerCreatedSchemaVersion)
	if !ok || !reflect.DeepEqual(got, full) {
		t.Fatalf("fast decoder: %+v, %v; want %+v", got, ok, full)
	}
	// The same event as version 1 wrote it, upcast.
	v1, _ := json.Marshal(customerCreatedV1(full))
	want, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, 1, v1)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := jsonscan.CustomerCreated(v1, 1); !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("fast decoder, version 1: %+v, %v; want %+v", got, ok, want)
	}
}

// customerCreatedV1Data is CustomerCreated's layout at schema version 1.
type customerCreatedV1Data struct {
	CustomerID           string          `json:"customer_id"`
	ParentOrganizationID string          `json:"parent_organization_id"`
	Name                 string          `json:"name"`
	Description          string          `json:"description"`
	CustomData           json.RawMessage `json:"custom_data"`
	VAT                  string          `json:"vat"`
	NormalizedVAT        string          `json:"vat_normalized"`
	Branding             domain.Branding `json:"branding"`
	CreatedBy            domain.Actor    `json:"created_by"`
	CreatedAt            time.Time       `json:"created_at"`
}

func customerCreatedV1(e domain.CustomerCreated) customerCreatedV1Data {
	return customerCreatedV1Data{e.CustomerID, e.ParentOrganizationID, e.Name, e.Description, e.CustomData,
		e.VAT, e.NormalizedVAT, e.Branding, e.CreatedBy, e.CreatedAt}
}

func zeroFields(v reflect.Value, path string) []string {
	if v.Kind() != reflect.Struct || v.Type() == reflect.TypeFor[time.Time]() {
		if v.IsZero() {
			return []string{path}
		}
		return nil
	}
	var zero []string
	for i := range v.NumField() {
		zero = append(zero, zeroFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
	}
	return zero
}

// FuzzFastCustomerCreated: whatever the fast decoder accepts, it decodes
// as domain.DecodeEvent (encoding/json and the upcasters) does.
func FuzzCustomerCreated(f *testing.F) {
	seeds := []string{
		`{"customer_id":"a","parent_organization_id":"p","name":"A \u0026 B","description":"","custom_data":{"vat":"IT1","n":[1,2.5e-3,true,null]},"vat":"IT1","vat_normalized":"IT1","vat_country":"IT","branding":{"logo_url":"l","dark_logo_url":"d"},"created_by":{"user_id":"u","organization_id":"o"},"created_at":"2025-01-02T03:04:05.123Z"}`,
		"{ \"name\" : \"\\ud83d\\ude00 \\\" \\\\ \\/ \\b\\f\\n\\r\\t\" , \"custom_data\" : [ ] }",
		`{"name":"a","name":"b"}`,
		`{"Name":"a"}`,
		`{"name":"\ud800"}`,
		`{"name":"` + "\xff" + `"}`,
		`{"name":null}`,
		`{"custom_data":01}`,
		`{"custom_data":"x\u00"}`,
		`{"created_at":"2025-13-01T00:00:00Z"}`,
		`{"branding":{"logo_url":"x","logo_url":"y"}}`,
		`{}`, ` {} `, `[]`, `{"unknown":1}`, `{"vat":"x",}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(1))
		f.Add([]byte(s), uint8(2))
	}
	f.Add([]byte(`{"vat_normalized":"EL1","custom_data":{"a":"<"}}`), uint8(1))
	f.Add([]byte(`{"vat_normalized":"DE1","custom_data":{"a": 1}}`), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, version uint8) {
		fast, ok := jsonscan.CustomerCreated(data, int(version))
		if !ok {
			return
		}
		event, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, int(version), data)
		if err != nil {
			t.Fatalf("fast decoder accepted what encoding/json refuses (%v): %q", err, data)
		}
		if !reflect.DeepEqual(fast, event) {
			t.Fatalf("decoded %q\nfast %#v\njson %#v", data, fast, event)
		}
	})
}

// FuzzFastCustomerCreatedFields: events as json.Marshal writes them, from
// any field values, decode alike both ways; the fast decoder takes them
// unless a string is not valid UTF-8.
func FuzzCustomerCreatedFields(f *testing.F) {
	f.Add("ACME <&> SpA", "line\nbreak \u2028", "IT 123", "\xff", int64(1735787045123456789), true)
	f.Add("Ärzte", "😀", "", "{}", int64(0), false)
	f.Fuzz(func(t *testing.T, name, description, vat, custom string, nanos int64, escapeHTML bool) {
		raw, _ := json.Marshal(map[string]any{"vat": vat, "x": []any{custom, 1.5, nil}})
		e := domain.CustomerCreated{CustomerID: name + "-id", ParentOrganizationID: custom, Name: name, Description: description,
			CustomData: raw, VAT: vat, NormalizedVAT: vat, VATCountry: "IT", Branding: domain.Branding{LogoURL: description},
			CreatedBy: domain.Actor{UserID: name}, CreatedAt: time.Unix(0, nanos).UTC()}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(escapeHTML)
		if err := enc.Encode(e); err != nil {
			t.Skip(err)
		}
		for version, data := range map[int][]byte{2: buf.Bytes(), 1: marshalV1(t, e, escapeHTML)} {
			want, err := domain.DecodeEvent(domain.EventTypeCustomerCreated, version, data)
			if err != nil {
				t.Skip(err) // a time json cannot write back, for one
			}
			got, ok := jsonscan.CustomerCreated(data, version)
			if !ok {
				if utf8.Valid(data) && (escapeHTML || version == 2) {
					t.Fatalf("fast decoder refused valid version %d data: %q", version, data)
				}
				continue
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded version %d %q\nfast %#v\njson %#v", version, data, got, want)
			}
		}
	})
}

func marshalV1(t *testing.T, e domain.CustomerCreated, escapeHTML bool) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(escapeHTML)
	if err := enc.Encode(customerCreatedV1(e)); err != nil {
		t.Skip(err)
	}
	return buf.Bytes()
}

// FuzzSchemaVersion: the fast read of the schema version agrees with
// DecodeMetadata's, which the relay uses.
func FuzzSchemaVersion(f *testing.F) {
	for _, s := range []string{
		`{"schema_version":2,"correlation_id":"r","user_id":"u"}`, `{"schema_version":1}`, `{"schema_version":0}`,
		`{"schema_version":2,"Schema_Version":3}`, `{"schema_version":2,"schema_versio\u006e":3}`,
		`{"schema_version":2,"user_id":5}`, `{"schema_version":-1}`, `{"schema_version":2.0}`, `{"schema_version":2`,
		`{"schema_version":2,"ſchema_version":3}`, ``, `null`, `{"user_id":"u","schema_version":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, metadata []byte) {
		m, _ := customerstream.DecodeMetadata(metadata)
		if got := customerstream.SchemaVersion(metadata); got != m.SchemaVersion {
			t.Fatalf("schema version of %q: %d, relay reads %d", metadata, got, m.SchemaVersion)
		}
	})
}

// TestDecodeFallsBack: events the fast decoder leaves alone decode as
// the live path decodes them, errors included.
func TestDecodeFallsBack(t *testing.T) {
	t.Parallel()
	v1 := `{"customer_id":"a","parent_organization_id":"p","name":"N","description":"","custom_data":{ "vat" : "IT1" },"vat":"IT1","vat_normalized":"IT1","branding":{"logo_url":"l","dark_logo_url":"d"},"created_by":{"user_id":"u","organization_id":"o"},"created_at":"2025-01-02T03:04:05Z"}`
	for _, tt := range []struct {
		name, metadata, data string
		wantErr              error
	}{
		{"V1Upcast", `{"schema_version":1}`, v1, nil},
		{"NoMetadata", ``, v1, nil},
		{"Newer", `{"schema_version":99}`, v1, domain.ErrUnsupportedSchemaVersion},
		{"NotJSON", `{"schema_version":2}`, `{"name":`, errAny},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := eventstore.RecordedEvent{Type: domain.EventTypeCustomerCreated, Data: []byte(tt.data), Metadata: []byte(tt.metadata)}
			got, err := customerstream.DecodeCustomerCreated(r.Data, customerstream.SchemaVersion(r.Metadata))
			want, wantErr := domain.DecodeEvent(r.Type, customerstream.SchemaVersion(r.Metadata), r.Data)
			switch {
			case tt.wantErr == nil && (err != nil || !reflect.DeepEqual(got, want)):
				t.Fatalf("got %+v, %v; want %+v", got, err, want)
			case tt.wantErr != nil && (err == nil || wantErr == nil):
				t.Fatalf("error %v, want one (live path: %v)", err, wantErr)
			case tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr):
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

var errAny = errors.New("any error")
