package auth_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/customersvc/customersvc/transport/http/auth"
)

// TestSecretOpenToOthersIsRefused: an auth.secret its group or others may
// read (or write) is refused with a line naming the file and the fix; a
// private one (0600, 0400) is taken, and a new one is made 0600.
func TestSecretOpenToOthersIsRefused(t *testing.T) {
	t.Parallel()
	content := strings.Repeat("ab", auth.MinSecretBytes) + "\n"
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o620, 0o602, 0o660} {
		dir := t.TempDir()
		path := filepath.Join(dir, auth.SecretFile)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		secret, err := auth.LoadOrCreateSecret(dir)
		if err == nil || secret != nil {
			t.Errorf("mode %04o: secret taken", mode)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "chmod 600 "+path) || strings.Contains(msg, "abab") {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		dir := t.TempDir()
		path := filepath.Join(dir, auth.SecretFile)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := auth.LoadOrCreateSecret(dir); err != nil {
			t.Errorf("mode %04o: %v", mode, err)
		}
	}
	dir := filepath.Join(t.TempDir(), "new")
	if _, err := auth.LoadOrCreateSecret(dir); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(filepath.Join(dir, auth.SecretFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("new secret: %v %v", info.Mode(), err)
	}
}
