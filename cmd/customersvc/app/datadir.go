package app

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/customersvc/customersvc/internal/durable"
	"github.com/customersvc/customersvc/transport/http/auth"
)

// prepareDataDir makes DATA_DIR private to the service's user, what is
// there already as well as what the service makes in it from now on: it
// narrows the process's umask to 077 (SQLite, the embedded NATS and the
// service's own files are then 0600, their directories 0700), and removes
// the group's and others' permissions from DATA_DIR and everything in it,
// logging what it narrowed. A file in it that is not this user's to narrow
// refuses start-up. DATA_DIR itself may be a volume's mount point owned by
// another user (a Kubernetes emptyDir with fsGroup): then it is left as it
// is with a warning, since what is in it is private anyway. auth.secret is
// not narrowed but checked when it is read: one others could read is
// refused (auth.LoadOrCreateSecret), since it may have been read already.
func prepareDataDir(dir string, logger *slog.Logger) error {
	restrictUmask()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	resolved, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	if err := privateRoot(resolved, logger); err != nil {
		return fmt.Errorf("DATA_DIR %s: %w", dir, err)
	}
	secret := filepath.Join(resolved, auth.SecretFile)
	changed, err := durable.Private(resolved, func(p string) bool { return p == resolved || p == secret })
	for _, c := range changed {
		logger.Warn("DATA_DIR: narrowed a mode that let its group or others in", "path", c.Path,
			"from", fmt.Sprintf("%04o", c.From), "to", fmt.Sprintf("%04o", c.To))
	}
	if err != nil {
		return fmt.Errorf("DATA_DIR %s must be private to the service's user: %w; make its content this user's (chown -R) or run chmod -R go-rwx %s", dir, err, dir)
	}
	return nil
}

// privateRoot narrows DATA_DIR itself, or warns when it is another user's.
func privateRoot(dir string, logger *slog.Logger) error {
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	from := info.Mode().Perm()
	if from&0o077 == 0 {
		return nil
	}
	to := from &^ 0o077
	err = os.Chmod(dir, to|info.Mode()&(fs.ModeSetgid|fs.ModeSticky))
	switch {
	case errors.Is(err, fs.ErrPermission):
		logger.Warn("DATA_DIR is open to its group or others and not this user's to narrow (a volume's mount point?); what the service makes in it is private",
			"data_dir", dir, "mode", fmt.Sprintf("%04o", from))
		return nil
	case err != nil:
		return err
	}
	logger.Warn("DATA_DIR: narrowed a mode that let its group or others in", "path", dir,
		"from", fmt.Sprintf("%04o", from), "to", fmt.Sprintf("%04o", to))
	return nil
}
