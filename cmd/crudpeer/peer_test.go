package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/customersvc/customersvc/transport/http/auth"
)

const testSecret = "crudpeer-test-secret-0123456789abcdef"

// startPeer serves the peer on its own database of the machine's
// PostgreSQL, dropped after the test.
func startPeer(t *testing.T) *httptest.Server {
	t.Helper()
	server := os.Getenv("CUSTOMERS_TEST_POSTGRES_URL")
	if server == "" {
		t.Skip("CUSTOMERS_TEST_POSTGRES_URL is not set: no PostgreSQL to run the CRUD peer against")
	}
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("crudpeer_test_%d", rand.Uint32())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(server)
	u.Path = "/" + name
	store, err := OpenStore(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		store.Close()
		if _, err := admin.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
		admin.Close(ctx)
	})
	h, err := NewHandler(store, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func token(t *testing.T, role, org string) string {
	t.Helper()
	tok, err := auth.Mint([]byte(testSecret), auth.MintClaims{
		UserID: "u", OrganizationID: org, OrgRole: role, Permissions: auth.DefaultPermissions(strings.ToLower(role)), TTL: time.Hour,
	}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// call sends a request and decodes the envelope's data into a map.
func call(t *testing.T, srv *httptest.Server, method, path, tok, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var env struct {
		Code int            `json:"code"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil || env.Code != res.StatusCode {
		t.Fatalf("%s %s: body %s is not the envelope of %d: %v", method, path, raw, res.StatusCode, err)
	}
	return res.StatusCode, res.Header, env.Data
}

func TestPeer(t *testing.T) {
	srv := startPeer(t)
	resellerA, resellerB := token(t, "Reseller", "reseller-a"), token(t, "Reseller", "reseller-b")
	body := `{"name":" ACME SpA ","description":"Main distributor","custom_data":{"vat":"IT12345678901","region":"Italy"}}`

	status, header, data := call(t, srv, "POST", "/customers", resellerA, body)
	if status != 201 || data["name"] != "ACME SpA" || header.Get("Location") != "/customers/"+data["id"].(string) {
		t.Fatalf("create201: %d %v %v", status, header, data)
	}
	if cd, _ := json.Marshal(data["custom_data"]); string(cd) != `{"region":"Italy","vat":"IT12345678901"}` {
		t.Errorf("create201: custom_data %s", cd)
	}
	id := data["id"].(string)

	t.Run("create422DuplicateVAT", func(t *testing.T) {
		dup := `{"name":"Other","custom_data":{"vat":"it 1234567890-1"}}`
		status, _, data := call(t, srv, "POST", "/customers", resellerA, dup)
		errs, _ := json.Marshal(data["errors"])
		if status != 422 || data["type"] != "validation_error" || string(errs) != `[{"key":"custom_data.vat","message":"already_exists","value":"it 1234567890-1"}]` {
			t.Fatalf("%d %v", status, data)
		}
		if status, _, _ := call(t, srv, "POST", "/customers", resellerB, dup); status != 201 {
			t.Errorf("same VAT under another parent: %d", status)
		}
	})
	t.Run("create400MissingVAT", func(t *testing.T) {
		status, _, data := call(t, srv, "POST", "/customers", resellerA, `{"custom_data":{}}`)
		errs, _ := json.Marshal(data["errors"])
		if status != 400 || string(errs) != `[{"key":"name","message":"required","value":""},{"key":"custom_data.vat","message":"required","value":""}]` {
			t.Fatalf("%d %s", status, errs)
		}
	})
	t.Run("get200", func(t *testing.T) {
		status, _, data := call(t, srv, "GET", "/customers/"+id, resellerA, "")
		if status != 200 || data["id"] != id || data["description"] != "Main distributor" {
			t.Fatalf("%d %v", status, data)
		}
	})
	t.Run("get404OtherTenant", func(t *testing.T) {
		if status, _, _ := call(t, srv, "GET", "/customers/"+id, resellerB, ""); status != 404 {
			t.Fatalf("%d", status)
		}
		if status, _, _ := call(t, srv, "GET", "/customers/not-a-uuid", resellerA, ""); status != 404 {
			t.Fatalf("not a UUID: %d", status)
		}
	})
	t.Run("get401", func(t *testing.T) {
		if status, _, _ := call(t, srv, "GET", "/customers/"+id, "forged", ""); status != 401 {
			t.Fatalf("%d", status)
		}
	})
	t.Run("listAndSearch", func(t *testing.T) {
		for i := range 3 {
			b := fmt.Sprintf(`{"name":"Beta %d","custom_data":{"vat":"DE10000000%d"}}`, i, i)
			if status, _, data := call(t, srv, "POST", "/customers", resellerA, b); status != 201 {
				t.Fatalf("create: %d %v", status, data)
			}
		}
		cases := []struct {
			query     string
			wantNames []string
			wantTotal float64
		}{
			{"?page_size=2&sort_by=name&sort_direction=asc", []string{"ACME SpA", "Beta 0"}, 4},
			{"?page_size=2&page=2&sort_by=name&sort_direction=asc", []string{"Beta 1", "Beta 2"}, 4},
			{"?search=beta&sort_by=name&sort_direction=desc", []string{"Beta 2", "Beta 1", "Beta 0"}, 3},
			{"?search=1234567", []string{"ACME SpA"}, 1},                           // part of the VAT
			{"?search=" + url.QueryEscape("distributor"), []string{"ACME SpA"}, 1}, // the description
			{"?search=100%25", nil, 0}, // % is a character, not a wildcard
		}
		for _, c := range cases {
			status, _, data := call(t, srv, "GET", "/customers"+c.query, resellerA, "")
			var names []string
			for _, cust := range data["customers"].([]any) {
				names = append(names, cust.(map[string]any)["name"].(string))
			}
			p := data["pagination"].(map[string]any)
			if status != 200 || strings.Join(names, ",") != strings.Join(c.wantNames, ",") || p["total_count"] != c.wantTotal {
				t.Errorf("%s: %d %v %v", c.query, status, names, p)
			}
		}
		if status, _, data := call(t, srv, "GET", "/customers", resellerB, ""); status != 200 || data["pagination"].(map[string]any)["total_count"] != 1.0 {
			t.Errorf("another tenant's list: %d %v", status, data)
		}
		status, _, data := call(t, srv, "GET", "/customers?page_size=0&sort_by=vat", resellerA, "")
		if errs, _ := json.Marshal(data["errors"]); status != 400 || !strings.Contains(string(errs), `"key":"page_size","message":"min"`) || !strings.Contains(string(errs), `"key":"sort_by","message":"oneof"`) {
			t.Errorf("list400: %d %s", status, errs)
		}
	})
}
