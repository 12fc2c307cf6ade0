package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/customersvc/customersvc/command"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// Run starts the service and stops it gracefully when ctx ends.
func Run(ctx context.Context, args []string, getenv func(string) string, logOut io.Writer) error {
	cfg, err := LoadConfig("customersvc", args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := NewLogger(logOut, cfg.LogLevel)
	svc, err := Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	<-ctx.Done()
	logger.Info("shutting down")
	stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := svc.Shutdown(stopCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// TokenCommand prints a token signed with the service's secret
// (AUTH_HS256_SECRET, or the one kept in DATA_DIR), for trying the API.
func TokenCommand(args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("customersvc token", flag.ContinueOnError)
	role := fs.String("org-role", "Reseller", "org role: Owner, Distributor, Reseller or Customer")
	orgID := fs.String("org-id", "", "organization ID (required)")
	userID := fs.String("user-id", "cli-user", "user ID")
	perms := fs.String("permissions", "", "comma-separated permissions; default: what the role needs")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	dataDir := fs.String("data-dir", orDefault(getenv("DATA_DIR"), DefaultConfig().DataDir), "data directory holding auth.secret")
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
	permissions := auth.DefaultPermissions(command.NormalizeRole(*role))
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
