package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/customersvc/customersvc/internal/durable"
)

// SecretFile is the name of the signing secret inside the data directory.
const SecretFile = "auth.secret"

// LoadOrCreateSecret returns the HS256 secret kept in <dataDir>/auth.secret,
// creating a random one the first time.
//
// The file holds the secret hex-encoded (what `openssl rand -hex 32` prints);
// surrounding whitespace is ignored and it must decode to at least
// MinSecretBytes. An operator may therefore provide their own, private to
// the service's user: a file its group or others may read is refused
// (chmod 600). A new file is created with mode 0600 (dataDir with 0700 if
// missing).
//
// Concurrent callers, in one process or several sharing dataDir, all get the
// same secret: the new secret is written to a temporary file and published
// with a hard link, which, unlike rename, fails when the name already exists;
// the loser removes its file and reads the winner's. Readers never see a
// partly written file. dataDir must be on a filesystem with hard links.
func LoadOrCreateSecret(dataDir string) ([]byte, error) {
	if dataDir == "" {
		return nil, errors.New("auth: data dir is required")
	}
	path := filepath.Join(dataDir, SecretFile)
	secret, err := readSecret(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return secret, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: create data dir: %w", err)
	}
	if err := createSecret(path); err != nil {
		return nil, err
	}
	return readSecret(path)
}

func readSecret(path string) ([]byte, error) {
	data, err := readPrivateFile(path)
	if err != nil {
		return nil, err
	}
	// The decoder's error quotes the offending byte; keep the secret's
	// content out of messages.
	secret, err := hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("auth: %s is not hex-encoded", path)
	}
	if len(secret) < MinSecretBytes {
		return nil, fmt.Errorf("auth: %s holds %d bytes, need at least %d", path, len(secret), MinSecretBytes)
	}
	return secret, nil
}

// readPrivateFile reads the secret's file, refusing it when its group or
// others may read or write it: whoever else could read it can mint tokens,
// so the operator must narrow it, and replace the secret if in doubt.
// (Windows has no such mode bits.)
func readPrivateFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
	}
	if mode := info.Mode().Perm(); mode&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("auth: %s is open to its group or others (mode %04o): refusing a secret others may have read; run chmod 600 %s (and replace the secret if someone may have read it)", path, mode, path)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
	}
	return data, nil
}

// createSecret publishes a new random secret at path unless one exists;
// when several instances start at once, one secret wins.
func createSecret(path string) error {
	secret := make([]byte, MinSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("auth: generate secret: %w", err)
	}
	if _, err := durable.CreateFile(path, []byte(hex.EncodeToString(secret)+"\n"), 0o600); err != nil {
		return fmt.Errorf("auth: publish secret: %w", err)
	}
	return nil
}

// LoadSecret returns the HS256 secret kept in <dataDir>/auth.secret
// without creating one: for clients of a running service, which must sign
// with the secret it has, not a new one.
func LoadSecret(dataDir string) ([]byte, error) {
	if dataDir == "" {
		return nil, errors.New("auth: data dir is required")
	}
	return readSecret(filepath.Join(dataDir, SecretFile))
}
