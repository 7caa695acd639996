// Package npmproject finds and installs the project's pinned npm tools
// (tools/<name>, each with package.json and package-lock.json) for tests and
// commands that run them: `npm ci` from the lock file, once, under a file
// lock so that parallel test binaries do not race.
package npmproject

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
)

// installedMarker records the hash of the lock file node_modules was
// installed from; npm ci removes node_modules first, so a missing or stale
// marker means an incomplete or outdated install.
const installedMarker = ".paymentapi-installed"

// Find returns the directory tools/<name> that holds file, looking upwards
// from the working directory and from this source file. The environment
// variable env, when set, overrides it.
func Find(name, file, env string) (string, error) {
	if d := os.Getenv(env); d != "" {
		return filepath.Abs(d)
	}
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, src, _, ok := runtime.Caller(0); ok && filepath.IsAbs(src) {
		starts = append(starts, filepath.Dir(src))
	}
	for _, d := range starts {
		for {
			cand := filepath.Join(d, "tools", name)
			if _, err := os.Stat(filepath.Join(cand, file)); err == nil {
				return cand, nil
			}
			parent := filepath.Dir(d)
			if parent == d {
				break
			}
			d = parent
		}
	}
	return "", fmt.Errorf("tools/%s/%s not found above the working directory; set %s", name, file, env)
}

// Install runs `npm ci --prefix dir` unless node_modules was already
// installed from the current package-lock.json. Concurrent callers (test
// binaries) take an exclusive file lock, so only one of them installs.
func Install(ctx context.Context, dir string) error {
	lock, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(lock)
	want := hex.EncodeToString(sum[:])
	marker := filepath.Join(dir, "node_modules", installedMarker)
	if installed(marker, want) {
		return nil
	}
	f, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("locking the install of %s: %w", dir, err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it too
	if installed(marker, want) {                      // another binary installed while we waited
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("npm not found on PATH: install npm (any Node.js with npm; tools/node pins the Node the CDK runs on) to use %s", dir)
	}
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, npm, "ci", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci --prefix %s failed: %w\n%s", dir, err, out.String())
	}
	return os.WriteFile(marker, []byte(want+"\n"), 0o644)
}

func installed(marker, want string) bool {
	b, err := os.ReadFile(marker)
	return err == nil && string(bytes.TrimSpace(b)) == want
}
