package command

import (
	"errors"
	"slices"
	"strings"
)

// Org roles of the platform's hierarchy.
const (
	RoleOwner       = "owner"
	RoleDistributor = "distributor"
	RoleReseller    = "reseller"
	RoleCustomer    = "customer"
)

// Permissions the service checks.
const (
	PermissionManageCustomers = "manage:customers"
	PermissionReadCustomers   = "read:customers"
)

// ErrForbidden says the actor may not do what it asked.
var ErrForbidden = errors.New("insufficient permissions")

// Actor is the authenticated caller: a user acting for an organization.
type Actor struct {
	UserID         string
	OrganizationID string
	// OrgRole is the organization's role, lower case (see Role*).
	OrgRole     string
	Permissions []string
}

// NormalizeRole returns the canonical (lower-case, trimmed) form of a role.
func NormalizeRole(role string) string { return strings.ToLower(strings.TrimSpace(role)) }

// HasPermission reports whether the actor holds p.
func (a Actor) HasPermission(p string) bool { return slices.Contains(a.Permissions, p) }

// AuthorizeCreateCustomer says whether the actor may create customers: it
// needs manage:customers and an org role that sits above customers.
func AuthorizeCreateCustomer(a Actor) error {
	if !a.HasPermission(PermissionManageCustomers) {
		return ErrForbidden
	}
	switch NormalizeRole(a.OrgRole) {
	case RoleOwner, RoleDistributor, RoleReseller:
		return nil
	}
	return ErrForbidden
}

// AuthorizeReadCustomers says whether the actor may read customers at all;
// which ones it sees is the query side's visibility rule.
func AuthorizeReadCustomers(a Actor) error {
	if !a.HasPermission(PermissionReadCustomers) && !a.HasPermission(PermissionManageCustomers) {
		return ErrForbidden
	}
	switch NormalizeRole(a.OrgRole) {
	case RoleOwner, RoleDistributor, RoleReseller, RoleCustomer:
		return nil
	}
	return ErrForbidden
}
