package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	body401 = `{"code":401,"message":"invalid token","data":{}}`
	body403 = `{"code":403,"message":"insufficient permissions","data":{}}`
)

func validation(status int, errs ...string) string {
	return fmt.Sprintf(`{"code":%d,"message":"validation failed","data":{"type":"validation_error","errors":[%s]}}`,
		status, strings.Join(errs, ","))
}

func fieldErr(key, message, value string) string {
	b, _ := json.Marshal(map[string]string{"key": key, "message": message, "value": value})
	return string(b)
}

func TestCreateCustomerContract(t *testing.T) {
	svc := startService(t, t.TempDir())
	org := "reseller-" + uuid.NewString()
	reseller := token(t, "Reseller", org)
	now := time.Now()
	signed := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	claims := func(exp, nbf time.Time) jwt.MapClaims {
		return jwt.MapClaims{"sub": "u1", "exp": exp.Unix(), "nbf": nbf.Unix(), "user": map[string]any{
			"id": "u1", "organization_id": org, "org_role": "Reseller", "user_permissions": []string{"manage:customers"}}}
	}
	valid := `{"name":"Valid SpA","custom_data":{"vat":"` + uniqueVAT() + `"}}`

	tests := []struct {
		name        string
		token       string
		contentType string
		body        string
		status      int
		want        string
	}{
		{"create401MissingToken", "", "", valid, 401, body401},
		{"create401Malformed", "not.a.jwt", "", valid, 401, body401},
		{"create401Expired", signed(jwt.SigningMethodHS256, []byte(testSecret), claims(now.Add(-time.Hour), now.Add(-2*time.Hour))), "", valid, 401, body401},
		{"create401NotYetValid", signed(jwt.SigningMethodHS256, []byte(testSecret), claims(now.Add(2*time.Hour), now.Add(time.Hour))), "", valid, 401, body401},
		{"create401BadSignature", signed(jwt.SigningMethodHS256, []byte("another-secret-0123456789abcdef-xyz"), claims(now.Add(time.Hour), now)), "", valid, 401, body401},
		{"create401OtherAlg", signed(jwt.SigningMethodHS384, []byte(testSecret), claims(now.Add(time.Hour), now)), "", valid, 401, body401},
		{"create401AlgNone", signed(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claims(now.Add(time.Hour), now)), "", valid, 401, body401},
		{"create401BeforeBadBody", "", "", `{`, 401, body401},
		{"create403NoManagePermission", token(t, "Reseller", org, "read:customers"), "", valid, 403, body403},
		{"create403CustomerRole", token(t, "Customer", org, "manage:customers"), "", valid, 403, body403},
		{"create403BeforeBadBody", token(t, "Customer", org), "", `{`, 403, body403},
		{"create415", reseller, "text/plain", valid, 415, `{"code":415,"message":"unsupported media type: use application/json","data":{}}`},
		{"create413", reseller, "", `{"name":"` + strings.Repeat("a", 1<<20) + `"}`, 413, `{"code":413,"message":"request body too large","data":{}}`},
		{"create400NotJSON", reseller, "", `{"name":`, 400, validation(400, fieldErr("body", "invalid_json", ""))},
		{"create400NotObject", reseller, "", `["name"]`, 400, validation(400, fieldErr("body", "must_be_object", ""))},
		{"create400Empty", reseller, "", ``, 400, validation(400, fieldErr("body", "invalid_json", ""))},
		{"create400MissingEverything", reseller, "", `{}`, 400, validation(400,
			fieldErr("name", "required", ""), fieldErr("custom_data", "required", ""))},
		{"create400AllAtOnce", reseller, "", `{"name":42,"description":true,"custom_data":{"vat":""}}`, 400, validation(400,
			fieldErr("name", "must_be_string", "42"), fieldErr("description", "must_be_string", "true"), fieldErr("custom_data.vat", "required", ""))},
		{"create400EmptyName", reseller, "", `{"name":"","custom_data":{"vat":"IT12345678901"}}`, 400, validation(400, fieldErr("name", "required", ""))},
		{"create400MissingVAT", reseller, "", `{"name":"A","custom_data":{"email":"a@b.c"}}`, 400, validation(400, fieldErr("custom_data.vat", "required", ""))},
		{"create400VATNotString", reseller, "", `{"name":"A","custom_data":{"vat":12345678901}}`, 400, validation(400, fieldErr("custom_data.vat", "must_be_string", "12345678901"))},
		{"create400CustomDataNotObject", reseller, "", `{"name":"A","custom_data":"IT1"}`, 400, validation(400, fieldErr("custom_data", "must_be_object", `"IT1"`))},
		{"create400BeforeDomainRules", reseller, "", `{"name":"   ","custom_data":{}}`, 400, validation(400, fieldErr("custom_data.vat", "required", ""))},
		{"create422BlankNameAndBadVAT", reseller, "", `{"name":"   ","custom_data":{"vat":"IT123"}}`, 422, validation(422,
			fieldErr("name", "blank", "   "), fieldErr("custom_data.vat", "invalid_format", "IT123"))},
		{"create422NameTooLong", reseller, "", `{"name":"` + strings.Repeat("n", 256) + `","custom_data":{"vat":"IT12345678901"}}`, 422, validation(422,
			fieldErr("name", "too_long", strings.Repeat("n", 256)))},
		{"create422ControlCharacter", reseller, "", `{"name":"A\u0007B","custom_data":{"vat":"IT12345678901"}}`, 422, validation(422,
			fieldErr("name", "control_characters", "A\aB"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			headers := []string{}
			if tt.contentType != "" {
				headers = append(headers, "Content-Type", tt.contentType)
			}
			res := svc.do(t, "POST", "/customers", tt.token, tt.body, headers...)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			assertJSON(t, res.body, tt.want)
		})
	}
	// None of the refused requests created anything.
	list := svc.do(t, "GET", "/customers", reseller, nil).json(t)
	if total := list["data"].(map[string]any)["pagination"].(map[string]any)["total_count"]; total != 0.0 {
		t.Errorf("refused requests created %v customers", total)
	}
}

func TestVATUniqueness(t *testing.T) {
	svc := startService(t, t.TempDir())
	orgA, orgB := "reseller-"+uuid.NewString(), "reseller-"+uuid.NewString()
	a, b := token(t, "Reseller", orgA), token(t, "Distributor", orgB)
	svc.create(t, a, "First", "IT12345678901")

	res := svc.do(t, "POST", "/customers", a, `{"name":"Second","custom_data":{"vat":"it 123.456.789-01"}}`)
	if res.status != 422 {
		t.Fatalf("same VAT, same parent: %d %s", res.status, res.body)
	}
	assertJSON(t, res.body, validation(422, fieldErr("custom_data.vat", "already_exists", "it 123.456.789-01")))

	svc.create(t, b, "Other parent", "IT12345678901")
}

func TestAPIContentTypeWithCharset(t *testing.T) {
	svc := startService(t, t.TempDir())
	tok := token(t, "Owner", "owner-"+uuid.NewString())
	res := svc.do(t, "POST", "/api/customers", tok, `{"name":"Charset","custom_data":{"vat":"DE123456789"}}`,
		"Content-Type", "application/json; charset=utf-8")
	if res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
}
