package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// Token prints a token signed with the service's secret
// (AUTH_HS256_SECRET, or the one kept in DATA_DIR), for trying the API.
// With --admin it is an operator's token for the admin API: the
// admin:customersvc permission only (organization "operators" unless
// --org-id says otherwise).
func Token(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("customersvc token", flag.ContinueOnError)
	role := fs.String("org-role", "Reseller", "org role: Owner, Distributor, Reseller or Customer")
	orgID := fs.String("org-id", "", "organization ID (required)")
	userID := fs.String("user-id", "cli-user", "user ID")
	perms := fs.String("permissions", "", "comma-separated permissions; default: what the role needs")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	dataDir := fs.String("data-dir", orDefault(getenv("DATA_DIR"), app.DefaultConfig().DataDir), "data directory holding auth.secret")
	admin := fs.Bool("admin", false, "a token for the admin API: permission "+transporthttp.AdminPermission+" only")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	claims := auth.MintClaims{UserID: *userID, OrganizationID: *orgID, OrgRole: *role, Permissions: auth.DefaultPermissions(*role)}
	if *admin {
		claims = adminClaims(getenv, *ttl)
		claims.UserID, claims.OrganizationID = *userID, orDefault(*orgID, claims.OrganizationID)
	}
	if claims.OrganizationID == "" {
		return errors.New("token: --org-id is required")
	}
	secret := []byte(getenv("AUTH_HS256_SECRET"))
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(*dataDir); err != nil {
			return err
		}
	}
	if *perms != "" {
		claims.Permissions = splitList(*perms)
	}
	claims.Issuer, claims.Audience, claims.TTL = getenv("AUTH_ISSUER"), getenv("AUTH_AUDIENCE"), *ttl
	token, err := auth.Mint(secret, claims, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, token)
	return err
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
