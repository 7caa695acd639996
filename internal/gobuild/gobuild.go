// Package gobuild builds the app's Lambda bootstraps: a Go main package
// compiled for provided.al2023 on arm64, stripped and reproducible, with a
// cache keyed by the build's inputs so that an unchanged function is never
// linked twice.
//
// The key of a bootstrap hashes everything its bytes depend on: the Go
// toolchain and environment (go env), the build flags, the module's go.sum,
// and every package the main package links (go list -deps): the file
// contents of the module's own packages (and of local replacements), the
// path and version of the other modules' packages (immutable in the module
// cache), the import path of standard packages (their version is the
// toolchain's). Builds are reproducible (-trimpath, no build id, no VCS
// stamp), so a cached bootstrap is byte-identical to a fresh build and a
// synthesized template does not depend on whether the cache was warm.
//
// It serves the CDK bundling (internal/cdk/golambda) and the tests that
// build bootstraps (sizes, cold starts); it imports neither the CDK nor the
// runtime.
package gobuild

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Tags and Flags are the build settings of every bootstrap: no RPC shim
// (provided.al2023 speaks the runtime API), paths trimmed, symbols and
// DWARF stripped, no build id or VCS stamp (reproducible bytes).
var (
	Tags  = "lambda.norpc"
	Flags = []string{"-tags", Tags, "-trimpath", "-buildvcs=false", "-ldflags=-s -w -buildid="}
)

// Env is the target environment of every bootstrap.
var Env = []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0"}

// Build compiles the main package entry (relative to moduleDir, e.g.
// "./tasks/validate/lambda") into out, without the cache.
func Build(moduleDir, entry, out string) error {
	return BuildFor(moduleDir, entry, out, Env)
}

// BuildFor is Build for another target environment (GOOS=..., GOARCH=...),
// e.g. the host's, to run the binary in a test.
func BuildFor(moduleDir, entry, out string, env []string) error {
	args := append([]string{"build"}, Flags...)
	cmd := exec.Command("go", append(args, "-o", out, entry)...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), env...)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gobuild: building %s: %v\n%s", entry, err, strings.TrimSpace(string(output)))
	}
	return nil
}

// Cache is a directory of built bootstraps, one per input key. The zero
// value is not usable; use DefaultCache or NewCache.
type Cache struct {
	dir string
	// keep is how many bootstraps the cache holds at most; the least
	// recently used go first.
	keep int
	// env is the target environment (Env, or the host's for tests that
	// run the binaries).
	env []string

	goenvOnce sync.Once
	goenv     []byte
	goenvErr  error
}

// CacheDirEnv names the environment variable that overrides the cache
// directory (default: <user cache dir>/paymentapi/bootstraps).
const CacheDirEnv = "PAYMENTAPI_BOOTSTRAP_CACHE"

// DefaultCache returns the cache of linux/arm64 bootstraps in the user's
// cache directory, or in $PAYMENTAPI_BOOTSTRAP_CACHE.
func DefaultCache() (*Cache, error) { return DefaultCacheFor(Env) }

// DefaultCacheFor is DefaultCache for binaries built for env (e.g. the
// host's, for tests that run them). Keys cover GOOS and GOARCH, so one
// directory holds every target.
func DefaultCacheFor(env []string) (*Cache, error) {
	dir := os.Getenv(CacheDirEnv)
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("gobuild: no cache directory (set %s): %w", CacheDirEnv, err)
		}
		dir = filepath.Join(base, "paymentapi", "bootstraps")
	}
	return NewCache(dir, env)
}

// NewCache returns a cache in dir of binaries built for env (GOOS=...,
// GOARCH=..., CGO_ENABLED=...).
func NewCache(dir string, env []string) (*Cache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("gobuild: cache: %w", err)
	}
	return &Cache{dir: dir, keep: 48, env: env}, nil
}

// Result is one entry's bootstrap.
type Result struct {
	// Path is the binary in the cache. Copy it: the cache may evict it.
	Path string
	// Key is the hash of its build inputs.
	Key string
	// Cached is true when no build ran.
	Cached bool
	// Elapsed is how long finding or building it took.
	Elapsed time.Duration
}

// Bootstraps returns the bootstrap of each entry (main packages relative to
// moduleDir), building the ones whose inputs have no cached binary, at most
// parallel at a time (at least 1). One go list computes every key.
func (c *Cache) Bootstraps(moduleDir string, entries []string, parallel int) (map[string]Result, error) {
	keys, err := c.Keys(moduleDir, entries)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Result, len(entries))
	var mu sync.Mutex
	var errs []error
	slots := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for _, e := range entries {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			start := time.Now()
			path, cached, err := c.get(moduleDir, e, keys[e])
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[e] = Result{Path: path, Key: keys[e], Cached: cached, Elapsed: time.Since(start)}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c.trim()
	return out, nil
}

// get returns the cached binary of key, building it first when missing.
func (c *Cache) get(moduleDir, entry, key string) (path string, cached bool, err error) {
	path = filepath.Join(c.dir, key, "bootstrap")
	if _, err := os.Stat(path); err == nil {
		now := time.Now()
		_ = os.Chtimes(filepath.Dir(path), now, now) // most recently used
		return path, true, nil
	}
	tmp, err := os.MkdirTemp(c.dir, "build-")
	if err != nil {
		return "", false, err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	if err := BuildFor(moduleDir, entry, bin, c.env); err != nil {
		return "", false, err
	}
	// Read-only: a hard link to it (Install) cannot change the cache.
	if err := os.Chmod(bin, 0o555); err != nil {
		return "", false, err
	}
	// Another process may have built the same key meanwhile: its binary
	// has the same bytes, so either rename wins.
	if err := os.Rename(tmp, filepath.Dir(path)); err != nil {
		if _, statErr := os.Stat(path); statErr != nil {
			return "", false, fmt.Errorf("gobuild: caching %s: %w", entry, err)
		}
	}
	return path, false, nil
}

// trim removes the least recently used bootstraps beyond c.keep and
// leftovers of interrupted builds.
func (c *Cache) trim() {
	des, err := os.ReadDir(c.dir)
	if err != nil {
		return
	}
	type entry struct {
		path string
		used time.Time
	}
	var entries []entry
	for _, de := range des {
		info, err := de.Info()
		if err != nil || !de.IsDir() {
			continue
		}
		p := filepath.Join(c.dir, de.Name())
		if strings.HasPrefix(de.Name(), "build-") {
			if time.Since(info.ModTime()) > time.Hour {
				os.RemoveAll(p)
			}
			continue
		}
		entries = append(entries, entry{p, info.ModTime()})
	}
	if len(entries) <= c.keep {
		return
	}
	slices.SortFunc(entries, func(a, b entry) int { return b.used.Compare(a.used) })
	for _, e := range entries[c.keep:] {
		os.RemoveAll(e.path)
	}
}

// listedPackage is what go list says of one package.
type listedPackage struct {
	ImportPath, Name, Dir string
	Standard              bool
	Module                *struct {
		Path, Version, Dir string
		Main               bool
		Replace            *struct{ Path, Version, Dir string }
	}
	GoFiles, CgoFiles, SFiles, HFiles, SysoFiles, EmbedFiles []string
	Deps                                                     []string
	Error                                                    *struct{ Err string }
}

// Keys returns the input key of each entry's bootstrap (see the package
// doc for what it covers).
func (c *Cache) Keys(moduleDir string, entries []string) (map[string]string, error) {
	if len(entries) == 0 {
		return map[string]string{}, nil
	}
	moduleDir, err := filepath.Abs(moduleDir)
	if err != nil {
		return nil, err
	}
	header, err := c.header(moduleDir)
	if err != nil {
		return nil, err
	}
	args := []string{"list", "-tags", Tags, "-deps",
		"-json=ImportPath,Name,Dir,Standard,Module,GoFiles,CgoFiles,SFiles,HFiles,SysoFiles,EmbedFiles,Deps,Error"}
	cmd := exec.Command("go", append(args, entries...)...)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), c.env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gobuild: go list: %v\n%s", err, strings.TrimSpace(stderr.String()))
	}
	pkgs := map[string]*listedPackage{}
	byDir := map[string]*listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("gobuild: reading go list: %w", err)
		}
		if p.Error != nil {
			return nil, fmt.Errorf("gobuild: %s: %s", p.ImportPath, p.Error.Err)
		}
		pkgs[p.ImportPath] = &p
		byDir[filepath.Clean(p.Dir)] = &p
	}
	lines := map[string]string{} // one line per package, computed once
	line := func(p *listedPackage) (string, error) {
		if l, ok := lines[p.ImportPath]; ok {
			return l, nil
		}
		var l string
		switch m := p.Module; {
		case p.Standard:
			l = "std " + p.ImportPath
		case m != nil && !m.Main && (m.Replace == nil || m.Replace.Version != ""):
			l = "mod " + p.ImportPath + " " + m.Path + "@" + m.Version
			if m.Replace != nil {
				l += " => " + m.Replace.Path + "@" + m.Replace.Version
			}
		default: // the main module, or a module replaced by a directory
			h := sha256.New()
			for _, group := range [][]string{p.GoFiles, p.CgoFiles, p.SFiles, p.HFiles, p.SysoFiles, p.EmbedFiles} {
				for _, f := range group {
					b, err := os.ReadFile(filepath.Join(p.Dir, f))
					if err != nil {
						return "", fmt.Errorf("gobuild: %w", err)
					}
					fmt.Fprintf(h, "%s %d\n", f, len(b))
					h.Write(b)
				}
			}
			l = "src " + p.ImportPath + " " + hex.EncodeToString(h.Sum(nil))
		}
		lines[p.ImportPath] = l
		return l, nil
	}
	keys := make(map[string]string, len(entries))
	for _, e := range entries {
		main, ok := byDir[filepath.Clean(filepath.Join(moduleDir, e))]
		if !ok {
			return nil, fmt.Errorf("gobuild: go list did not report %s", e)
		}
		h := sha256.New()
		h.Write(header)
		for _, path := range append(slices.Sorted(slices.Values(main.Deps)), main.ImportPath) {
			p, ok := pkgs[path]
			if !ok {
				return nil, fmt.Errorf("gobuild: go list did not report %s, a dependency of %s", path, e)
			}
			l, err := line(p)
			if err != nil {
				return nil, err
			}
			fmt.Fprintln(h, l)
		}
		keys[e] = hex.EncodeToString(h.Sum(nil))[:32]
	}
	return keys, nil
}

// header is the part of every key that does not depend on the package:
// the key format, toolchain and environment, build flags and go.sum.
func (c *Cache) header(moduleDir string) ([]byte, error) {
	c.goenvOnce.Do(func() {
		cmd := exec.Command("go", "env", "-json", "GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOARM64", "GOAMD64", "GOOS", "GOARCH", "CGO_ENABLED")
		cmd.Dir = moduleDir
		cmd.Env = append(os.Environ(), c.env...)
		c.goenv, c.goenvErr = cmd.Output()
	})
	if c.goenvErr != nil {
		return nil, fmt.Errorf("gobuild: go env: %w", c.goenvErr)
	}
	goenv := c.goenv
	sum, err := os.ReadFile(filepath.Join(moduleDir, "go.sum"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "gobuild key v1\n%s\nflags %q\n", goenv, Flags)
	b.Write(sum)
	return b.Bytes(), nil
}

// Install puts the cached binary src at dst: a hard link when both are on
// one file system (cached binaries are read-only, so a link cannot be
// written through), a copy otherwise.
func Install(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	return CopyFile(src, dst)
}

// CopyFile copies the binary at src to dst (mode 0755).
func CopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
