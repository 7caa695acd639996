package vtl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// installedMarker records the hash of the lock file node_modules was
// installed from; npm ci removes node_modules first, so a missing or stale
// marker means an incomplete or outdated install.
const installedMarker = ".paymentapi-installed"

// Install makes sure velocityjs is installed, running
// `npm ci --prefix <dir>` when node_modules is missing or older than
// package-lock.json. Concurrent test binaries take an exclusive file lock,
// so only one of them installs. It returns the project directory.
func Install(ctx context.Context) (string, error) {
	dir, err := Dir()
	if err != nil {
		return "", err
	}
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("vtl: %w", err)
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	marker := filepath.Join(dir, "node_modules", installedMarker)
	if installed(marker, want) {
		return dir, nil
	}

	f, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("vtl: %w", err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("vtl: locking the install: %w", err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it too
	if installed(marker, want) {                      // another binary installed while we waited
		return dir, nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return "", fmt.Errorf("vtl: npm not found on PATH: install Node.js 20.19+ (with npm) to execute mapping templates")
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("vtl: npm ci --prefix %s failed: %w\n%s", dir, err, out.String())
	}
	if err := os.WriteFile(marker, []byte(want+"\n"), 0o644); err != nil {
		return "", fmt.Errorf("vtl: %w", err)
	}
	return dir, nil
}

func installed(marker, want string) bool {
	b, err := os.ReadFile(marker)
	return err == nil && string(bytes.TrimSpace(b)) == want
}
