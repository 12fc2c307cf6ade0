package app_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/cmd/customersvc/cli"
)

// TestRebuildWhileServing rebuilds the customers projection through the CLI
// while the service serves, and checks that the switched-over read model
// holds the same customers and keeps being projected into.
func TestRebuildWhileServing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	svc := startService(t, dir)
	tok := token(t, "Reseller", "reseller-"+uuid.NewString())
	for i := range 30 {
		svc.create(t, tok, fmt.Sprintf("Before rebuild %02d", i), uniqueVAT())
	}
	eventually(t, 5*time.Second, func() error {
		if _, p := listOf(t, svc, tok, "?page_size=1"); p["total_count"] != 30.0 {
			return fmt.Errorf("total %v", p["total_count"])
		}
		return nil
	})
	before := svc.do(t, "GET", "/customers?page_size=100&sort_by=name&sort_direction=asc", tok, nil).body

	// The CLI mints its admin token from the service's secret.
	env := func(k string) string {
		return map[string]string{"ADMIN_ADDR": svc.AdminAddr(), "AUTH_HS256_SECRET": testSecret}[k]
	}
	var out bytes.Buffer
	if err := cli.Projections(context.Background(), []string{"rebuild", "customers"}, env, &out); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "rebuild finished") || !strings.Contains(out.String(), "rebuild: position") {
		t.Errorf("rebuild output without progress lines: %s", out.String())
	}
	current, err := os.ReadFile(filepath.Join(dir, "readmodel.current"))
	if err != nil || strings.TrimSpace(string(current)) != "readmodel-1.db" {
		t.Fatalf("readmodel.current = %q (%v)", current, err)
	}
	after := svc.do(t, "GET", "/customers?page_size=100&sort_by=name&sort_direction=asc", tok, nil).body
	if !bytes.Equal(before, after) {
		t.Fatalf("the rebuilt read model differs:\nbefore %s\nafter  %s", before, after)
	}
	svc.create(t, tok, "After rebuild", uniqueVAT())
	eventually(t, 5*time.Second, func() error {
		if _, p := listOf(t, svc, tok, "?page_size=1"); p["total_count"] != 31.0 {
			return fmt.Errorf("a create after the switch-over is not projected: total %v", p["total_count"])
		}
		return nil
	})
	out.Reset()
	if err := cli.Projections(context.Background(), []string{"list"}, env, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "customers") || !strings.Contains(out.String(), "LAG") {
		t.Errorf("projections list: %s", out.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "readmodel.db")); !os.IsNotExist(err) {
		t.Errorf("the replaced read model file was not removed: %v", err)
	}
}
