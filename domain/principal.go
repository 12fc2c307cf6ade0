package domain

import (
	"errors"
	"slices"
	"strings"
)

// Role is an organization's place in the platform's hierarchy.
type Role string

// The platform's roles, from the top of the hierarchy down.
const (
	RoleOwner       Role = "owner"
	RoleDistributor Role = "distributor"
	RoleReseller    Role = "reseller"
	RoleCustomer    Role = "customer"
)

// ParseRole returns the role a token names, compared case-insensitively
// and without surrounding spaces. A name that is no role is kept as it is;
// such a role is allowed nothing.
func ParseRole(name string) Role { return Role(strings.ToLower(strings.TrimSpace(name))) }

// Permissions the service checks.
const (
	PermissionManageCustomers = "manage:customers"
	PermissionReadCustomers   = "read:customers"
)

// ErrForbidden says the principal may not do what it asked.
var ErrForbidden = errors.New("insufficient permissions")

// Principal is the authenticated caller: a user acting for an
// organization, with the organization's role and the permissions its token
// grants. Events record it as their Actor.
type Principal struct {
	UserID         string
	OrganizationID string
	Role           Role
	Permissions    []string
}

// HasPermission reports whether the principal holds permission.
func (p Principal) HasPermission(permission string) bool {
	return slices.Contains(p.Permissions, permission)
}

// Actor is what an event records of the principal that caused it.
func (p Principal) Actor() Actor {
	return Actor{UserID: p.UserID, OrganizationID: p.OrganizationID}
}

// MayCreateCustomers says whether the principal may create customers: it
// needs manage:customers and a role above the customers.
func (p Principal) MayCreateCustomers() error {
	if !p.HasPermission(PermissionManageCustomers) {
		return ErrForbidden
	}
	switch ParseRole(string(p.Role)) {
	case RoleOwner, RoleDistributor, RoleReseller:
		return nil
	}
	return ErrForbidden
}

// MayReadCustomers says whether the principal may read customers at all;
// which ones it sees is its Scope.
func (p Principal) MayReadCustomers() error {
	if !p.HasPermission(PermissionReadCustomers) && !p.HasPermission(PermissionManageCustomers) {
		return ErrForbidden
	}
	switch ParseRole(string(p.Role)) {
	case RoleOwner, RoleDistributor, RoleReseller, RoleCustomer:
		return nil
	}
	return ErrForbidden
}

// Scope is the set of customers a principal may see.
type Scope struct {
	All                  bool   // every customer
	ParentOrganizationID string // the customers this organization created
	CustomerID           string // this one customer
}

// Scope applies the visibility rule: an Owner sees every customer, a
// Distributor or Reseller the customers its organization created, a
// Customer only its own record. It reports false for anyone else, who
// sees nothing.
func (p Principal) Scope() (Scope, bool) {
	switch ParseRole(string(p.Role)) {
	case RoleOwner:
		return Scope{All: true}, true
	case RoleDistributor, RoleReseller:
		return Scope{ParentOrganizationID: p.OrganizationID}, p.OrganizationID != ""
	case RoleCustomer:
		return Scope{CustomerID: p.OrganizationID}, p.OrganizationID != ""
	}
	return Scope{}, false
}

// Includes reports whether the customer with this ID, created under this
// parent organization, is inside the scope.
func (s Scope) Includes(customerID, parentOrganizationID string) bool {
	switch {
	case s.All:
		return true
	case s.ParentOrganizationID != "":
		return parentOrganizationID == s.ParentOrganizationID
	case s.CustomerID != "":
		return customerID == s.CustomerID
	}
	return false
}
