package domain_test

import (
	"errors"
	"testing"

	"github.com/customersvc/customersvc/domain"
)

func TestPrincipalScope(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		principal domain.Principal
		visible   bool
		known     bool
	}{
		{"owner sees every customer", domain.Principal{OrganizationID: "owner", Role: "owner"}, true, true},
		{"reseller sees what it created", domain.Principal{OrganizationID: "reseller-a", Role: "reseller"}, true, true},
		{"role is compared case-insensitively", domain.Principal{OrganizationID: "reseller-a", Role: "Reseller"}, true, true},
		{"distributor does not see another's", domain.Principal{OrganizationID: "dist-b", Role: "distributor"}, false, true},
		{"customer sees itself", domain.Principal{OrganizationID: "c-1", Role: "customer"}, true, true},
		{"customer does not see another", domain.Principal{OrganizationID: "c-2", Role: "customer"}, false, true},
		{"unknown role sees nothing", domain.Principal{OrganizationID: "reseller-a", Role: "guest"}, false, false},
		{"reseller without organization sees nothing", domain.Principal{Role: "reseller"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			scope, ok := tt.principal.Scope()
			if ok != tt.known {
				t.Fatalf("Scope ok = %v, want %v", ok, tt.known)
			}
			if got := ok && scope.Includes("c-1", "reseller-a"); got != tt.visible {
				t.Fatalf("visible = %v, want %v", got, tt.visible)
			}
		})
	}
}

func TestPrincipalAuthorization(t *testing.T) {
	t.Parallel()
	manage := []string{domain.PermissionManageCustomers}
	read := []string{domain.PermissionReadCustomers}
	tests := []struct {
		name             string
		principal        domain.Principal
		create, readable bool
	}{
		{"reseller with manage creates and reads", domain.Principal{Role: "Reseller", Permissions: manage}, true, true},
		{"owner with manage creates", domain.Principal{Role: "OWNER", Permissions: manage}, true, true},
		{"distributor with read only reads", domain.Principal{Role: "distributor", Permissions: read}, false, true},
		{"customer never creates", domain.Principal{Role: "customer", Permissions: manage}, false, true},
		{"customer with read reads", domain.Principal{Role: "customer", Permissions: read}, false, true},
		{"no permission, nothing", domain.Principal{Role: "owner"}, false, false},
		{"unknown role, nothing", domain.Principal{Role: "guest", Permissions: manage}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.principal.MayCreateCustomers(); (err == nil) != tt.create || (err != nil && !errors.Is(err, domain.ErrForbidden)) {
				t.Fatalf("MayCreateCustomers = %v, want allowed %v", err, tt.create)
			}
			if err := tt.principal.MayReadCustomers(); (err == nil) != tt.readable || (err != nil && !errors.Is(err, domain.ErrForbidden)) {
				t.Fatalf("MayReadCustomers = %v, want allowed %v", err, tt.readable)
			}
		})
	}
}

func TestParseRole(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]domain.Role{" Reseller ": domain.RoleReseller, "OWNER": domain.RoleOwner, "guest": "guest"} {
		if got := domain.ParseRole(in); got != want {
			t.Errorf("ParseRole(%q) = %q, want %q", in, got, want)
		}
	}
}
