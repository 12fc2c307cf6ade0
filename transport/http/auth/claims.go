package auth

import (
	"errors"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/domain"
)

// tokenClaims holds both layouts: the platform's nested "user" object and
// the flat top-level fields.
type tokenClaims struct {
	jwt.RegisteredClaims
	User *userClaims `json:"user,omitempty"`

	OrganizationID string   `json:"organization_id,omitempty"`
	OrgRole        string   `json:"org_role,omitempty"`
	Permissions    []string `json:"permissions,omitempty"`
	Scope          string   `json:"scope,omitempty"`
}

// userClaims is the platform's "user" object. The permission lists are not
// omitempty so minted tokens always carry both arrays, as the platform's do.
type userClaims struct {
	ID             string   `json:"id,omitempty"`
	OrganizationID string   `json:"organization_id,omitempty"`
	OrgRole        string   `json:"org_role,omitempty"`
	UserPerms      []string `json:"user_permissions"`
	OrgPerms       []string `json:"org_permissions"`
}

// toPrincipal maps verified claims onto the caller. For each id and the role a
// non-empty nested value wins over the flat one; permissions are the union
// of every list.
func (c tokenClaims) toPrincipal() (domain.Principal, error) {
	var u userClaims
	if c.User != nil {
		u = *c.User
	}
	a := domain.Principal{
		UserID:         firstNonBlank(u.ID, c.Subject),
		OrganizationID: firstNonBlank(u.OrganizationID, c.OrganizationID),
		Role:           domain.ParseRole(firstNonBlank(u.OrgRole, c.OrgRole)),
		Permissions:    union(u.UserPerms, u.OrgPerms, c.Permissions, strings.Fields(c.Scope)),
	}
	var errs []error
	if a.UserID == "" {
		errs = append(errs, errors.New("missing user id (user.id or sub)"))
	}
	if a.OrganizationID == "" {
		errs = append(errs, errors.New("missing organization id"))
	}
	if a.Role == "" {
		errs = append(errs, errors.New("missing org role"))
	}
	return a, errors.Join(errs...)
}

func firstNonBlank(values ...string) string {
	for _, v := range values {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// union returns the distinct non-blank entries of lists in first-seen order.
func union(lists ...[]string) []string {
	seen := make(map[string]bool)
	var out []string
	for _, list := range lists {
		for _, p := range list {
			p = strings.TrimSpace(p)
			if p == "" || seen[p] {
				continue
			}
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}
