package cli_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/customersvc/customersvc/cmd/customersvc/cli"
	"github.com/customersvc/customersvc/domain"
	transporthttp "github.com/customersvc/customersvc/transport/http"
	"github.com/customersvc/customersvc/transport/http/auth"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestTokenSignsWithTheServiceSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := cli.Token([]string{"--org-role", "Distributor", "--org-id", "dist-1"}, env(map[string]string{"DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := v.Verify("Bearer " + strings.TrimSpace(out.String()))
	if err != nil {
		t.Fatalf("token does not verify with the secret in DATA_DIR: %v", err)
	}
	if actor.OrganizationID != "dist-1" || actor.Role != "distributor" || !actor.HasPermission("manage:customers") {
		t.Errorf("actor %+v", actor)
	}
	if err := cli.Token(nil, env(map[string]string{"DATA_DIR": dir}), &out); err == nil {
		t.Error("token without --org-id accepted")
	}
}

// TestTokenAdmin: --admin mints an operator's token: the admin permission
// and nothing of the customers' API.
func TestTokenAdmin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out bytes.Buffer
	if err := cli.Token([]string{"--admin"}, env(map[string]string{"DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	actor := verifyIn(t, dir, strings.TrimSpace(out.String()))
	if !actor.HasPermission(transporthttp.AdminPermission) || actor.HasPermission("manage:customers") || actor.OrganizationID != "operators" {
		t.Errorf("admin token's actor %+v", actor)
	}
}

// TestAdminCommandsSendAToken: deadletters and projections send a token
// with the admin permission, minted from the service's secret in DATA_DIR
// (never creating one) or taken from ADMIN_TOKEN; without either they say
// what to set.
func TestAdminCommandsSendAToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := auth.LoadOrCreateSecret(dir); err != nil {
		t.Fatal(err)
	}
	var (
		mu  sync.Mutex
		got []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		data := `{"projections":[]}`
		if strings.Contains(r.URL.Path, "deadletters") {
			data = `{"replayed":[]}`
		}
		_, _ = io.WriteString(w, `{"code":200,"message":"ok","data":`+data+`}`)
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	var out bytes.Buffer
	if err := cli.Projections(ctx, []string{"list"}, env(map[string]string{"ADMIN_ADDR": addr, "DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	if err := cli.DeadLetters(ctx, []string{"replay", "--all"}, env(map[string]string{"ADMIN_ADDR": addr, "DATA_DIR": dir}), &out); err != nil {
		t.Fatal(err)
	}
	if err := cli.DeadLetters(ctx, []string{"replay", "--all"}, env(map[string]string{"ADMIN_ADDR": addr, "ADMIN_TOKEN": "given-token"}), &out); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || got[2] != "Bearer given-token" {
		t.Fatalf("Authorization headers %q", got)
	}
	for _, h := range got[:2] {
		if actor := verifyIn(t, dir, strings.TrimPrefix(h, "Bearer ")); !actor.HasPermission(transporthttp.AdminPermission) {
			t.Errorf("minted token's actor %+v lacks the admin permission", actor)
		}
	}

	mu.Unlock()
	empty := t.TempDir()
	err := cli.Projections(ctx, []string{"list"}, env(map[string]string{"ADMIN_ADDR": addr, "DATA_DIR": empty}), &out)
	if err == nil || !strings.Contains(err.Error(), "ADMIN_TOKEN") {
		t.Errorf("without a secret or a token: %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, auth.SecretFile)); !os.IsNotExist(err) {
		t.Errorf("the CLI created a secret the service does not use: %v", err)
	}
	mu.Lock()
	if len(got) != 3 {
		t.Errorf("a request was sent without a token")
	}
}

// verifyIn verifies token with the secret kept in dir.
func verifyIn(t *testing.T, dir, token string) domain.Principal {
	t.Helper()
	secret, err := auth.LoadSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Config{HS256Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	actor, err := v.Verify("Bearer " + token)
	if err != nil {
		t.Fatalf("token does not verify with the secret in DATA_DIR: %v", err)
	}
	return actor
}
