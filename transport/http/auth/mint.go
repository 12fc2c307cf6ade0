package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/customersvc/customersvc/domain"
)

// MintClaims describes a token to mint.
type MintClaims struct {
	// Subject becomes sub; when empty, UserID is used.
	Subject string
	// UserID becomes user.id; when empty, Subject is used.
	UserID         string
	OrganizationID string
	OrgRole        string
	// Permissions become user.user_permissions.
	Permissions []string
	// Issuer and Audience become iss and aud when set.
	Issuer   string
	Audience string
	// TTL is how long the token lives; it must be positive.
	TTL time.Duration
}

// Mint signs an HS256 token in the platform's nested layout, valid from now
// for c.TTL. It refuses claims Verify would reject, so a minted token is
// always usable against a Verifier with the same secret, issuer and audience.
func Mint(secret []byte, c MintClaims, now time.Time) (string, error) {
	if err := c.validate(secret); err != nil {
		return "", err
	}
	userID, subject := firstNonBlank(c.UserID, c.Subject), firstNonBlank(c.Subject, c.UserID)
	claims := tokenClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   subject,
			Issuer:    c.Issuer,
			IssuedAt:  jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(c.TTL)),
		},
		User: &userClaims{
			ID:             userID,
			OrganizationID: c.OrganizationID,
			OrgRole:        c.OrgRole,
			UserPerms:      append([]string{}, c.Permissions...),
			OrgPerms:       []string{},
		},
	}
	if c.Audience != "" {
		claims.Audience = jwt.ClaimStrings{c.Audience}
	}
	token, err := jwt.NewWithClaims(signingMethod, claims).SignedString(secret)
	if err != nil {
		return "", fmt.Errorf("auth: sign token: %w", err)
	}
	return token, nil
}

func (c MintClaims) validate(secret []byte) error {
	var errs []error
	if len(secret) < MinSecretBytes {
		errs = append(errs, fmt.Errorf("auth: secret must be at least %d bytes, got %d", MinSecretBytes, len(secret)))
	}
	if firstNonBlank(c.Subject, c.UserID) == "" {
		errs = append(errs, errors.New("auth: Subject or UserID is required"))
	}
	if firstNonBlank(c.OrganizationID) == "" {
		errs = append(errs, errors.New("auth: OrganizationID is required"))
	}
	if firstNonBlank(c.OrgRole) == "" {
		errs = append(errs, errors.New("auth: OrgRole is required"))
	}
	if c.TTL <= 0 {
		errs = append(errs, fmt.Errorf("auth: TTL must be positive, got %s", c.TTL))
	}
	return errors.Join(errs...)
}

// DefaultPermissions returns the permissions a role gets when a minted token
// does not list its own: roles above customers manage and read them,
// customers only read, anything else gets none.
func DefaultPermissions(role string) []string {
	switch domain.ParseRole(role) {
	case domain.RoleOwner, domain.RoleDistributor, domain.RoleReseller:
		return []string{domain.PermissionManageCustomers, domain.PermissionReadCustomers}
	case domain.RoleCustomer:
		return []string{domain.PermissionReadCustomers}
	}
	return nil
}
