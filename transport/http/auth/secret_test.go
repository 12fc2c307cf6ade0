package auth_test

import (
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/customersvc/customersvc/transport/http/auth"
)

func TestLoadOrCreateSecretCreatesPrivateFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "nested")
	secret, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != auth.MinSecretBytes {
		t.Errorf("secret has %d bytes, want %d", len(secret), auth.MinSecretBytes)
	}
	path := filepath.Join(dir, auth.SecretFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(data)); got != hex.EncodeToString(secret) {
		t.Errorf("file holds %q, want the hex of the returned secret", got)
	}
	if runtime.GOOS != "windows" {
		assertMode(t, path, 0o600)
		assertMode(t, dir, 0o700)
	}
	assertOnlySecretIn(t, dir)
}

func TestLoadOrCreateSecretReturnsSameSecretAgain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := auth.LoadOrCreateSecret(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Error("second call returned a different secret")
	}
}

func TestLoadOrCreateSecretConcurrentCallersAgree(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "fresh")
	const callers = 10
	secrets := make([][]byte, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { secrets[i], errs[i] = auth.LoadOrCreateSecret(dir) })
	}
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(secrets[i], secrets[0]) {
			t.Errorf("caller %d got a different secret", i)
		}
	}
	assertOnlySecretIn(t, dir)
}

func TestLoadOrCreateSecretReadsOperatorSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		content string
		want    []byte // nil: an error is expected
	}{
		{name: "hexWithNewline", content: strings.Repeat("ab", 40) + "\n", want: bytes.Repeat([]byte{0xab}, 40)},
		{name: "refusedNotHex", content: strings.Repeat("zz", 32)},
		{name: "refusedTooShort", content: strings.Repeat("ab", 16)},
		{name: "refusedEmpty", content: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, auth.SecretFile), []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := auth.LoadOrCreateSecret(dir)
			if tt.want == nil {
				if err == nil {
					t.Fatalf("LoadOrCreateSecret = %x, want an error", got)
				}
				if tt.content != "" && strings.Contains(err.Error(), tt.content) {
					t.Errorf("error %q quotes the file", err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("LoadOrCreateSecret = %x, %v; want %x", got, err, tt.want)
			}
		})
	}
}

func TestLoadOrCreateSecretRefusesEmptyDir(t *testing.T) {
	t.Parallel()
	if _, err := auth.LoadOrCreateSecret(""); err == nil {
		t.Error("LoadOrCreateSecret(\"\") succeeded, want an error")
	}
}

func assertMode(t testing.TB, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Errorf("%s mode = %v, want %v", path, got, want)
	}
}

// assertOnlySecretIn fails when temporary files were left behind.
func assertOnlySecretIn(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != auth.SecretFile {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("%s holds %v, want only %s", dir, names, auth.SecretFile)
	}
}
