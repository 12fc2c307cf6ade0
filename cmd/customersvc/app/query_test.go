package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
)

func listOf(t *testing.T, svc *testService, tok, query string) (names []string, pagination map[string]any) {
	t.Helper()
	res := svc.do(t, "GET", "/customers"+query, tok, nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /customers%s: %d %s", query, res.status, res.body)
	}
	body := res.json(t)
	if body["code"] != 200.0 {
		t.Fatalf("code %v", body["code"])
	}
	data := body["data"].(map[string]any)
	for _, c := range data["customers"].([]any) {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	return names, data["pagination"].(map[string]any)
}

func TestVisibility(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir())
	resellerA, resellerB := "reseller-"+uuid.NewString(), "reseller-"+uuid.NewString()
	a, b := token(t, "Reseller", resellerA), token(t, "reseller", resellerB)
	ofA := svc.create(t, a, "Of A", uniqueVAT())["id"].(string)
	ofB := svc.create(t, b, "Of B", uniqueVAT())["id"].(string)
	owner := token(t, "OWNER", "owner-"+uuid.NewString())
	customerA := token(t, "Customer", ofA)

	cases := []struct {
		name, token, id string
		status          int
	}{
		{"get200OwnCustomer", a, ofA, 200},
		{"get404OtherTenantsCustomer", a, ofB, 404},
		{"get200OwnerSeesAll", owner, ofB, 200},
		{"get200CustomerSeesItself", customerA, ofA, 200},
		{"get404CustomerSeesNoOther", customerA, ofB, 404},
		{"get404Unknown", owner, uuid.NewString(), 404},
		{"get404NotAUUID", owner, "org_123456789", 404},
		{"get403NoReadPermission", token(t, "Reseller", resellerA, "profile:read"), ofA, 403},
		{"get401NoToken", "", ofA, 401},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			res := svc.do(t, "GET", "/customers/"+tt.id, tt.token, nil)
			if res.status != tt.status {
				t.Fatalf("status %d, want %d: %s", res.status, tt.status, res.body)
			}
			switch tt.status {
			case 404:
				assertJSON(t, res.body, `{"code":404,"message":"customer not found","data":{}}`)
			case 200:
				if res.json(t)["data"].(map[string]any)["id"] != tt.id {
					t.Fatalf("wrong customer: %s", res.body)
				}
			}
		})
	}

	eventually(t, 2*time.Second, func() error {
		if names, _ := listOf(t, svc, owner, "?search=of+"); len(names) != 2 {
			return fmt.Errorf("owner sees %v", names)
		}
		return nil
	})
	for _, tt := range []struct {
		name, token string
		want        []string
	}{
		{"list reseller A", a, []string{"Of A"}},
		{"list reseller B", b, []string{"Of B"}},
		{"list customer A", customerA, []string{"Of A"}},
	} {
		if names, _ := listOf(t, svc, tt.token, ""); fmt.Sprint(names) != fmt.Sprint(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, names, tt.want)
		}
	}
}

func TestListCustomers(t *testing.T) {
	t.Parallel()
	svc := startService(t, t.TempDir())
	org := "distributor-" + uuid.NewString()
	tok := token(t, "Distributor", org)
	for _, name := range []string{"delta", "Alpha", "charlie", "Échelle", "bravo"} {
		svc.create(t, tok, name, uniqueVAT())
	}
	vat := "DE999999999"
	svc.create(t, tok, "Zulu", vat)
	eventually(t, 2*time.Second, func() error {
		if _, p := listOf(t, svc, tok, ""); p["total_count"] != 6.0 {
			return fmt.Errorf("total %v", p["total_count"])
		}
		return nil
	})

	cases := []struct {
		query string
		names string
		page  string
	}{
		{"?sort_by=name&sort_direction=asc", "[Alpha bravo charlie delta Zulu Échelle]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:20 total_count:6 total_count_exact:true total_pages:1]"},
		{"?sort_by=created_at&sort_direction=asc&page=2&page_size=2", "[charlie Échelle]", "map[has_next:true has_prev:true next_cursor:<cursor> page:2 page_size:2 total_count:6 total_count_exact:true total_pages:3]"},
		{"?sort_by=created_at", "[Zulu bravo Échelle charlie Alpha delta]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:20 total_count:6 total_count_exact:true total_pages:1]"},
		{"?search=ÉCH", "[Échelle]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:20 total_count:1 total_count_exact:true total_pages:1]"},
		{"?search=de999", "[Zulu]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:20 total_count:1 total_count_exact:true total_pages:1]"},
		{"?search=D%20ALPHA", "[Alpha]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:20 total_count:1 total_count_exact:true total_pages:1]"},
		{"?page=9", "[]", "map[has_next:false has_prev:true next_cursor:<nil> page:9 page_size:20 total_count:6 total_count_exact:true total_pages:1]"},
		{"?page_size=100", "[Zulu bravo Échelle charlie Alpha delta]", "map[has_next:false has_prev:false next_cursor:<nil> page:1 page_size:100 total_count:6 total_count_exact:true total_pages:1]"},
	}
	for _, tt := range cases {
		names, page := listOf(t, svc, tok, tt.query)
		if _, ok := page["next_cursor"].(string); ok {
			page["next_cursor"] = "<cursor>" // opaque: cursor_test.go follows them
		}
		if fmt.Sprint(names) != tt.names && !(tt.names == "[]" && names == nil) {
			t.Errorf("%s: names %v, want %s", tt.query, names, tt.names)
		}
		if fmt.Sprint(page) != tt.page {
			t.Errorf("%s: pagination %v, want %s", tt.query, page, tt.page)
		}
	}

	bad := svc.do(t, "GET", "/customers?page_size=101&page=0&sort_by=vat&sort_direction=up", tok, nil)
	if bad.status != 400 {
		t.Fatalf("bad list: %d %s", bad.status, bad.body)
	}
	assertJSON(t, bad.body, validation(400,
		fieldErr("page", "min", "0"), fieldErr("page_size", "max", "101"),
		fieldErr("sort_by", "oneof", "vat"), fieldErr("sort_direction", "oneof", "up")))
	notNumber := svc.do(t, "GET", "/customers?page=two", tok, nil)
	assertJSON(t, notNumber.body, validation(400, fieldErr("page", "must_be_integer", "two")))
}
