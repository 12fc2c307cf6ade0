package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/customersvc/customersvc/cmd/customersvc/cli"
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
