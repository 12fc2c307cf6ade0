package domain_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/customersvc/customersvc/domain"
)

func validCustomer() domain.NewCustomer {
	return domain.NewCustomer{
		ID:                   "0192f0c4-7b9e-7a31-9d2c-3f4e5a6b7c8d",
		ParentOrganizationID: "org-reseller-1",
		Name:                 "ACME Distribution SpA",
		Description:          "Main distributor for Italian and Swiss markets",
		CustomData:           json.RawMessage(`{"vat":"IT12345678901","region":"Italy"}`),
		VAT:                  "IT12345678901",
		Branding:             domain.Branding{LogoURL: "https://cdn/l.png", DarkLogoURL: "https://cdn/d.png"},
		Actor:                domain.Actor{UserID: "u1", OrganizationID: "org-reseller-1"},
		Now:                  time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC),
	}
}

func TestCreateCustomer_records_CustomerCreated(t *testing.T) {
	t.Parallel()
	in := validCustomer()
	in.Name = "  ACME Distribution SpA \t"
	in.VAT = " it 123.456-789 01 "

	c, err := domain.CreateCustomer(in)
	if err != nil {
		t.Fatalf("CreateCustomer: %v", err)
	}
	changes := c.Changes()
	if len(changes) != 1 {
		t.Fatalf("got %d events, want 1", len(changes))
	}
	got, ok := changes[0].(domain.CustomerCreated)
	if !ok {
		t.Fatalf("event is %T, want CustomerCreated", changes[0])
	}
	want := domain.CustomerCreated{
		CustomerID:           in.ID,
		ParentOrganizationID: "org-reseller-1",
		Name:                 "ACME Distribution SpA",
		Description:          in.Description,
		CustomData:           in.CustomData,
		VAT:                  " it 123.456-789 01 ",
		NormalizedVAT:        "IT12345678901",
		VATCountry:           "IT",
		Branding:             in.Branding,
		CreatedBy:            in.Actor,
		CreatedAt:            in.Now,
	}
	gotJSON, _ := json.Marshal(got)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Errorf("event\n got %s\nwant %s", gotJSON, wantJSON)
	}
	if got.EventType() != "CustomerCreated" || got.SchemaVersion() != 2 {
		t.Errorf("type/version = %s/%d", got.EventType(), got.SchemaVersion())
	}
	if c.Version() != 0 {
		t.Errorf("version = %d, want 0", c.Version())
	}
}

func TestCreateCustomer_rules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		when func(*domain.NewCustomer)
		then []domain.FieldError // nil: accepted
	}{
		{"name blank", func(n *domain.NewCustomer) { n.Name = " \t\n" },
			[]domain.FieldError{{Field: "name", Code: "blank", Value: " \t\n"}}},
		{"name 255 characters", func(n *domain.NewCustomer) { n.Name = strings.Repeat("é", 255) }, nil},
		{"name 256 characters", func(n *domain.NewCustomer) { n.Name = strings.Repeat("a", 256) },
			[]domain.FieldError{{Field: "name", Code: "too_long", Value: strings.Repeat("a", 256)}}},
		{"name padded to 256 but 255 trimmed", func(n *domain.NewCustomer) { n.Name = " " + strings.Repeat("a", 255) }, nil},
		{"name with control character", func(n *domain.NewCustomer) { n.Name = "ACME\x00SpA" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "ACME\x00SpA"}}},
		{"name with inner newline", func(n *domain.NewCustomer) { n.Name = "ACME\nSpA" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "ACME\nSpA"}}},
		{"name with a right-to-left override", func(n *domain.NewCustomer) { n.Name = "ACME \u202egnp.exe" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "ACME \u202egnp.exe"}}},
		{"name with a zero-width space", func(n *domain.NewCustomer) { n.Name = "AC\u200bME" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "AC\u200bME"}}},
		{"name starting with a byte order mark", func(n *domain.NewCustomer) { n.Name = "\ufeffACME" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "\ufeffACME"}}},
		{"name with a C1 control", func(n *domain.NewCustomer) { n.Name = "ACME\u0085SpA" },
			[]domain.FieldError{{Field: "name", Code: "control_characters", Value: "ACME\u0085SpA"}}},
		{"name in Arabic and Hebrew without controls", func(n *domain.NewCustomer) { n.Name = "شركة ACME בע״מ" }, nil},
		{"description 2000 characters", func(n *domain.NewCustomer) { n.Description = strings.Repeat("ü", 2000) }, nil},
		{"description 2001 characters", func(n *domain.NewCustomer) { n.Description = strings.Repeat("d", 2001) },
			[]domain.FieldError{{Field: "description", Code: "too_long", Value: strings.Repeat("d", 2001)}}},
		{"vat blank", func(n *domain.NewCustomer) { n.VAT = "   " },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "blank", Value: "   "}}},
		{"vat one character", func(n *domain.NewCustomer) { n.VAT = "X" },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "X"}}},
		{"vat 33 characters", func(n *domain.NewCustomer) { n.VAT = "CHE" + strings.Repeat("1", 30) },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "CHE" + strings.Repeat("1", 30)}}},
		{"vat 32 characters non-EU", func(n *domain.NewCustomer) { n.VAT = "US" + strings.Repeat("1", 30) }, nil},
		{"vat with symbols", func(n *domain.NewCustomer) { n.VAT = "IT123/456" },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "IT123/456"}}},
		{"vat IT too short", func(n *domain.NewCustomer) { n.VAT = "IT1234567890" },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "IT1234567890"}}},
		{"vat DE valid", func(n *domain.NewCustomer) { n.VAT = "DE123456789" }, nil},
		{"vat DE letters", func(n *domain.NewCustomer) { n.VAT = "DE12345678X" },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "DE12345678X"}}},
		{"vat AT valid", func(n *domain.NewCustomer) { n.VAT = "ATU12345678" }, nil},
		{"vat AT without U", func(n *domain.NewCustomer) { n.VAT = "AT123456789" },
			[]domain.FieldError{{Field: "custom_data.vat", Code: "invalid_format", Value: "AT123456789"}}},
		{"vat NL valid with dots", func(n *domain.NewCustomer) { n.VAT = "nl.123456789.b01" }, nil},
		{"vat FR valid", func(n *domain.NewCustomer) { n.VAT = "FR40303265045" }, nil},
		{"vat ES valid", func(n *domain.NewCustomer) { n.VAT = "ESX1234567X" }, nil},
		{"vat EL valid", func(n *domain.NewCustomer) { n.VAT = "EL123456789" }, nil},
		{"vat Swiss accepted", func(n *domain.NewCustomer) { n.VAT = "CHE-123.456.789" }, nil},
		{"all rules at once", func(n *domain.NewCustomer) { n.Name = ""; n.Description = strings.Repeat("d", 2001); n.VAT = "IT1" },
			[]domain.FieldError{
				{Field: "name", Code: "blank", Value: ""},
				{Field: "description", Code: "too_long", Value: strings.Repeat("d", 2001)},
				{Field: "custom_data.vat", Code: "invalid_format", Value: "IT1"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := validCustomer()
			tt.when(&in)
			c, err := domain.CreateCustomer(in)
			if tt.then == nil {
				if err != nil || c == nil || len(c.Changes()) != 1 {
					t.Fatalf("want accepted, got %v", err)
				}
				return
			}
			var violations domain.RuleViolations
			if !errors.As(err, &violations) {
				t.Fatalf("want RuleViolations, got %v", err)
			}
			if c != nil {
				t.Errorf("a refused command returned a customer")
			}
			if len(violations) != len(tt.then) {
				t.Fatalf("violations %v, want %v", violations, tt.then)
			}
			for i := range tt.then {
				if violations[i] != tt.then[i] {
					t.Errorf("violation %d = %+v, want %+v", i, violations[i], tt.then[i])
				}
			}
		})
	}
}

func TestNormalizeVAT(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"IT12345678901":       "IT12345678901",
		" it 123.456-789 01 ": "IT12345678901",
		"de-123.456.789":      "DE123456789",
		"":                    "",
		"chE 123":             "CHE123",
	} {
		if got := domain.NormalizeVAT(in); got != want {
			t.Errorf("NormalizeVAT(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVATAlreadyUsed_is_classified(t *testing.T) {
	t.Parallel()
	err := domain.VATAlreadyUsed("IT 12345678901")
	if !errors.Is(err, domain.ErrVATAlreadyUsed) {
		t.Fatalf("errors.Is(%v, ErrVATAlreadyUsed) = false", err)
	}
	var v domain.RuleViolations
	if !errors.As(err, &v) || v[0] != (domain.FieldError{Field: "custom_data.vat", Code: "already_exists", Value: "IT 12345678901"}) {
		t.Fatalf("violations = %v", v)
	}
	if errors.Is(domain.RuleViolations{{Field: "name", Code: "blank"}}, domain.ErrVATAlreadyUsed) {
		t.Fatal("a blank name matched ErrVATAlreadyUsed")
	}
}

func TestLoadCustomer(t *testing.T) {
	t.Parallel()
	if _, err := domain.LoadCustomer(nil); !errors.Is(err, domain.ErrCustomerNotFound) {
		t.Fatalf("empty history: %v", err)
	}
	created, _ := domain.CreateCustomer(validCustomer())
	c, err := domain.LoadCustomer(created.Changes())
	if err != nil {
		t.Fatal(err)
	}
	if c.Version() != 0 || len(c.Changes()) != 0 || c.State().Name != "ACME Distribution SpA" {
		t.Fatalf("loaded %+v version %d changes %d", c.State(), c.Version(), len(c.Changes()))
	}
}
