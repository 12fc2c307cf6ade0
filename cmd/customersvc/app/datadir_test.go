package app_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/customersvc/customersvc/cmd/customersvc/app"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// openModes lists what under dir its group or others may use.
func openModes(t *testing.T, dir string) []string {
	t.Helper()
	var open []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink != 0 {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			open = append(open, p+" "+info.Mode().String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return open
}

// TestDataDirIsPrivate: everything the service makes in DATA_DIR (event
// store, read model, embedded NATS, its own files, the generated secret)
// is private to its user, even where DATA_DIR existed, open, before; what
// was there already is narrowed, and a link out of it is not followed.
func TestDataDirIsPrivate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.MkdirAll(filepath.Join(dir, "old", "deeper"), 0o755); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(t.TempDir(), "outside")
	for path, mode := range map[string]os.FileMode{dir: 0o755, filepath.Join(dir, "old"): 0o775, filepath.Join(dir, "old", "deeper"): 0o777} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{filepath.Join(dir, "leftover"), filepath.Join(dir, "old", "deeper", "f"), outside} {
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(outside, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	svc := startServiceLogging(t, dir, &logs, slog.LevelWarn, func(c *app.Config) { c.AuthHS256Secret = "" })
	tok := tokenFromDataDir(t, dir)
	for i := range 3 {
		svc.create(t, tok, "Private "+string(rune('A'+i)), uniqueVAT())
	}
	svc.stop()
	if open := openModes(t, dir); len(open) > 0 {
		t.Errorf("open to the group or others:\n%s", strings.Join(open, "\n"))
	}
	for _, want := range []string{"db", "auth.secret"} {
		if matches, _ := filepath.Glob(filepath.Join(dir, "*"+want+"*")); len(matches) == 0 {
			t.Errorf("no %s in DATA_DIR: the test would prove little", want)
		}
	}
	if info, err := os.Stat(outside); err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("the file a link points to was changed: %v %v", info.Mode(), err)
	}
	if !strings.Contains(logs.String(), "narrowed") || !strings.Contains(logs.String(), filepath.Join(dir, "leftover")) {
		t.Errorf("the narrowing was not logged: %s", logs.String())
	}
}

// TestStartRefusesAnOpenSecret: an auth.secret its group or others may
// read is a one-line start-up error naming the file and chmod 600, and is
// left as it was (the operator decides whether to replace it).
func TestStartRefusesAnOpenSecret(t *testing.T) {
	t.Parallel()
	for _, mode := range []os.FileMode{0o644, 0o640} {
		dir := t.TempDir()
		path := filepath.Join(dir, auth.SecretFile)
		if err := os.WriteFile(path, []byte(strings.Repeat("5a", auth.MinSecretBytes)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		cfg := app.DefaultConfig()
		cfg.HTTPAddr, cfg.AdminAddr, cfg.DataDir = "127.0.0.1:0", "", dir
		svc, err := app.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil {
			_ = svc.Shutdown(context.Background())
			t.Fatalf("mode %04o: started with an open secret", mode)
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "chmod 600 "+path) || strings.Contains(msg, "\n") {
			t.Errorf("mode %04o: start-up error %q: want one line naming the file and chmod 600", mode, msg)
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != mode {
			t.Errorf("mode %04o: the secret's mode was changed to %v", mode, info.Mode())
		}
	}
}

// tokenFromDataDir mints a reseller's token with the secret the service
// generated in its DATA_DIR.
func tokenFromDataDir(t *testing.T, dataDir string) string {
	t.Helper()
	secret, err := auth.LoadOrCreateSecret(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	org := "reseller-" + uuid.NewString()
	tok, err := auth.Mint(secret, auth.MintClaims{UserID: "user-" + org, OrganizationID: org, OrgRole: "Reseller",
		Permissions: auth.DefaultPermissions("reseller"), TTL: time.Hour}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
