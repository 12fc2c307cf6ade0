package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// adminTokenTTL is the life of the token a command mints for its call: a
// rebuild's token is checked once, when it starts.
const adminTokenTTL = 5 * time.Minute

// adminClient is what a command that talks to the admin API is given by
// its flags: the address (--admin-addr, default ADMIN_ADDR, else the
// service's default) and how it gets its token.
type adminClient struct {
	addr    *string
	token   *string // --admin-token, default ADMIN_TOKEN: sent as is
	dataDir *string // where auth.secret is, to mint a token without one
	getenv  func(string) string
}

// adminFlagSet is the flag set of a command that talks to the admin API.
func adminFlagSet(name string, getenv func(string) string) (*flag.FlagSet, *adminClient) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	a := &adminClient{getenv: getenv}
	a.addr = fs.String("admin-addr", orDefault(getenv("ADMIN_ADDR"), app.DefaultConfig().AdminAddr), "the service's admin address")
	a.token = fs.String("admin-token", getenv("ADMIN_TOKEN"),
		"bearer token with the "+transporthttp.AdminPermission+" permission; default: one minted from AUTH_HS256_SECRET or DATA_DIR/auth.secret")
	a.dataDir = fs.String("data-dir", orDefault(getenv("DATA_DIR"), app.DefaultConfig().DataDir), "data directory holding auth.secret")
	return fs, a
}

// authorization is the Authorization header of a call: the given token,
// or a short-lived admin token signed with the service's secret.
func (a *adminClient) authorization() (string, error) {
	if t := strings.TrimSpace(*a.token); t != "" {
		return "Bearer " + strings.TrimPrefix(t, "Bearer "), nil
	}
	secret := []byte(a.getenv("AUTH_HS256_SECRET"))
	if len(secret) == 0 {
		var err error
		if secret, err = auth.LoadSecret(*a.dataDir); err != nil {
			return "", fmt.Errorf("no admin token: set ADMIN_TOKEN (or --admin-token) to a token with %s, or run where AUTH_HS256_SECRET or the service's DATA_DIR is (%w)",
				transporthttp.AdminPermission, err)
		}
	}
	token, err := auth.Mint(secret, adminClaims(a.getenv, adminTokenTTL), time.Now())
	if err != nil {
		return "", err
	}
	return "Bearer " + token, nil
}

// adminClaims are those of an operator's token: the admin permission only.
func adminClaims(getenv func(string) string, ttl time.Duration) auth.MintClaims {
	return auth.MintClaims{UserID: "customersvc-cli", OrganizationID: "operators", OrgRole: "Owner",
		Permissions: []string{transporthttp.AdminPermission},
		Issuer:      getenv("AUTH_ISSUER"), Audience: getenv("AUTH_AUDIENCE"), TTL: ttl}
}

// request is a request to the admin API at path, with the token.
func (a *adminClient) request(ctx context.Context, method, path string) (*http.Request, error) {
	authorization, err := a.authorization()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://"+*a.addr+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", authorization)
	return req, nil
}

// envelope is the admin API's answer, as the public API's.
type envelope struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data"`
}

// call sends one request to the admin API, decodes the envelope's data
// into data, and returns that data as it came (JSON).
func (a *adminClient) call(ctx context.Context, method, path string, data any) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := a.request(ctx, method, path)
	if err != nil {
		return nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("admin API (is the service running with ADMIN_ADDR?): %w", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, adminError(res, raw)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return nil, fmt.Errorf("admin API: %w", err)
	}
	return env.Data, nil
}

// adminError is a refusal of the admin API, with its envelope's message.
func adminError(res *http.Response, raw []byte) error {
	var env envelope
	if json.Unmarshal(raw, &env) == nil && env.Message != "" {
		return fmt.Errorf("admin API: %s: %s", res.Status, env.Message)
	}
	return fmt.Errorf("admin API: %s: %s", res.Status, strings.TrimSpace(string(raw)))
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
