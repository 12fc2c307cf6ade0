package query_test

import (
	"testing"

	"github.com/customersvc/customersvc/query"
)

func TestScopeOf(t *testing.T) {
	t.Parallel()
	ofA := query.Customer{ID: "c-1", ParentOrganizationID: "reseller-a"}
	tests := []struct {
		name    string
		viewer  query.Viewer
		visible bool
		known   bool
	}{
		{"owner sees every customer", query.Viewer{OrganizationID: "owner", Role: "owner"}, true, true},
		{"reseller sees what it created", query.Viewer{OrganizationID: "reseller-a", Role: "reseller"}, true, true},
		{"distributor does not see another's", query.Viewer{OrganizationID: "dist-b", Role: "distributor"}, false, true},
		{"customer sees itself", query.Viewer{OrganizationID: "c-1", Role: "customer"}, true, true},
		{"customer does not see another", query.Viewer{OrganizationID: "c-2", Role: "customer"}, false, true},
		{"unknown role sees nothing", query.Viewer{OrganizationID: "reseller-a", Role: "guest"}, false, false},
		{"reseller without organization sees nothing", query.Viewer{Role: "reseller"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scope, ok := query.ScopeOf(tt.viewer)
			if ok != tt.known {
				t.Fatalf("ScopeOf ok = %v, want %v", ok, tt.known)
			}
			if got := ok && scope.Allows(ofA); got != tt.visible {
				t.Fatalf("visible = %v, want %v", got, tt.visible)
			}
		})
	}
}

func TestListCustomersValidate(t *testing.T) {
	t.Parallel()
	ok := query.ListCustomers{}.WithDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if ok.Page != 1 || ok.PageSize != 20 || ok.SortBy != "created_at" || ok.SortDirection != "desc" {
		t.Fatalf("defaults %+v", ok)
	}
	bad := query.ListCustomers{Page: -1, PageSize: 101, SortBy: "vat", SortDirection: "sideways"}
	got := bad.Validate()
	want := "invalid query: page: min; page_size: max; sort_by: oneof; sort_direction: oneof"
	if got == nil || got.Error() != want {
		t.Fatalf("Validate = %v, want %s", got, want)
	}
}
