package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretFile is the name of the signing secret inside the data directory.
const SecretFile = "auth.secret"

// LoadOrCreateSecret returns the HS256 secret kept in <dataDir>/auth.secret,
// creating a random one the first time.
//
// The file holds the secret hex-encoded (what `openssl rand -hex 32` prints);
// surrounding whitespace is ignored and it must decode to at least
// MinSecretBytes. An operator may therefore provide their own. A new file is
// created with mode 0600 (dataDir with 0700 if missing).
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
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: read secret: %w", err)
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

// createSecret publishes a new random secret at path unless one exists.
func createSecret(path string) error {
	secret := make([]byte, MinSecretBytes)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("auth: generate secret: %w", err)
	}
	tmp, err := writeTemp(filepath.Dir(path), hex.EncodeToString(secret)+"\n")
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	err = os.Link(tmp, path)
	if errors.Is(err, fs.ErrExist) {
		return nil // another caller won; its file is complete
	}
	if err != nil {
		return fmt.Errorf("auth: publish secret: %w", err)
	}
	syncDir(filepath.Dir(path))
	return nil
}

// writeTemp writes content to a new 0600 file in dir, flushed to disk, and
// returns its name.
func writeTemp(dir, content string) (string, error) {
	f, err := os.CreateTemp(dir, "."+SecretFile+".tmp-*")
	if err != nil {
		return "", fmt.Errorf("auth: create secret file: %w", err)
	}
	err = errors.Join(f.Chmod(0o600), writeSync(f, content), f.Close())
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("auth: write secret file: %w", err)
	}
	return f.Name(), nil
}

func writeSync(f *os.File, content string) error {
	if _, err := f.WriteString(content); err != nil {
		return err
	}
	return f.Sync()
}

// syncDir makes the new directory entry durable. Best effort: some
// platforms cannot fsync a directory, and the secret is already readable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
