package query

import "strings"

// Viewer is who asks: an organization with its role in the hierarchy.
type Viewer struct {
	OrganizationID string
	Role           string // owner, distributor, reseller or customer
}

// Scope restricts which customers a query may return.
type Scope struct {
	All                  bool   // every customer
	ParentOrganizationID string // customers created by this organization
	CustomerID           string // this one customer
}

// ScopeOf applies the visibility rule: an Owner sees every customer, a
// Distributor or Reseller the customers its organization created, a
// Customer only its own record, anyone else nothing.
func ScopeOf(v Viewer) (Scope, bool) {
	switch strings.ToLower(v.Role) {
	case "owner":
		return Scope{All: true}, true
	case "distributor", "reseller":
		return Scope{ParentOrganizationID: v.OrganizationID}, v.OrganizationID != ""
	case "customer":
		return Scope{CustomerID: v.OrganizationID}, v.OrganizationID != ""
	}
	return Scope{}, false
}

// Allows reports whether a customer is inside the scope.
func (s Scope) Allows(c Customer) bool {
	switch {
	case s.All:
		return true
	case s.ParentOrganizationID != "":
		return c.ParentOrganizationID == s.ParentOrganizationID
	case s.CustomerID != "":
		return c.ID == s.CustomerID
	}
	return false
}
