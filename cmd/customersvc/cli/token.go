package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// Token prints a token signed with the service's secret
// (AUTH_HS256_SECRET, or the one kept in DATA_DIR), for trying the API.
func Token(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("customersvc token", flag.ContinueOnError)
	role := fs.String("org-role", "Reseller", "org role: Owner, Distributor, Reseller or Customer")
	orgID := fs.String("org-id", "", "organization ID (required)")
	userID := fs.String("user-id", "cli-user", "user ID")
	perms := fs.String("permissions", "", "comma-separated permissions; default: what the role needs")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	dataDir := fs.String("data-dir", orDefault(getenv("DATA_DIR"), app.DefaultConfig().DataDir), "data directory holding auth.secret")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *orgID == "" {
		return errors.New("token: --org-id is required")
	}
	secret := []byte(getenv("AUTH_HS256_SECRET"))
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadOrCreateSecret(*dataDir); err != nil {
			return err
		}
	}
	permissions := auth.DefaultPermissions(*role)
	if *perms != "" {
		permissions = splitList(*perms)
	}
	token, err := auth.Mint(secret, auth.MintClaims{
		UserID: *userID, OrganizationID: *orgID, OrgRole: *role, Permissions: permissions,
		Issuer: getenv("AUTH_ISSUER"), Audience: getenv("AUTH_AUDIENCE"), TTL: *ttl,
	}, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(out, token)
	return err
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}
