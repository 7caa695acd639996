package golambda

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/gobuild"
)

// goBundler builds a Go main package into <outputDir>/bootstrap for the
// provided.al2023 arm64 runtime. It implements awscdk.ILocalBundling, so CDK
// never needs Docker.
type goBundler struct {
	moduleDir string
	entry     string
}

var _ awscdk.ILocalBundling = (*goBundler)(nil)

// TryBundle links (or copies) the function's bootstrap, found in or added
// to the bootstrap cache (internal/gobuild), into outputDir. A failed build
// is a synth error, never a silent fallback to Docker.
func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	bin, err := builds.get(b.moduleDir, b.entry)
	if err == nil {
		err = gobuild.Install(bin, filepath.Join(*outputDir, "bootstrap"))
	}
	if err != nil {
		panic(err)
	}
	return jsii.Bool(true)
}

// builder finds or builds every function of an app at once. CDK asks for
// the bundles one at a time; the first request computes the input keys of
// every registered function with one go list and builds the ones the cache
// lacks, as many at a time as there are CPUs; later requests find theirs
// done.
type builder struct {
	mu      sync.Mutex
	pending map[string][]string // entries to resolve, by module directory
	done    map[string]gobuild.Result
}

var builds = &builder{pending: map[string][]string{}, done: map[string]gobuild.Result{}}

func buildKey(moduleDir, entry string) string { return moduleDir + "\x00" + entry }

// register records a function to build; New calls it for every function.
func (b *builder) register(moduleDir, entry string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.done[buildKey(moduleDir, entry)]; ok {
		return
	}
	if !contains(b.pending[moduleDir], entry) {
		b.pending[moduleDir] = append(b.pending[moduleDir], entry)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// get resolves every pending function of moduleDir and returns the cached
// bootstrap of entry. Results are remembered for the process: the cache
// key covers every input, and a synthesis does not change the sources.
func (b *builder) get(moduleDir, entry string) (string, error) {
	b.register(moduleDir, entry)
	b.mu.Lock()
	defer b.mu.Unlock()
	if r, ok := b.done[buildKey(moduleDir, entry)]; ok {
		if _, err := os.Stat(r.Path); err == nil {
			return r.Path, nil
		}
	}
	entries := b.pending[moduleDir]
	if !contains(entries, entry) {
		entries = append(entries, entry)
	}
	delete(b.pending, moduleDir)
	cache, err := gobuild.DefaultCache()
	if err != nil {
		return "", err
	}
	results, err := cache.Bootstraps(moduleDir, entries, runtime.NumCPU())
	if err != nil {
		return "", err
	}
	for e, r := range results {
		b.done[buildKey(moduleDir, e)] = r
	}
	r, ok := b.done[buildKey(moduleDir, entry)]
	if !ok {
		return "", fmt.Errorf("golambda: no bootstrap for %s", entry)
	}
	return r.Path, nil
}

// ModuleDir finds the directory of the go.mod that encloses dir.
func ModuleDir(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("golambda: no go.mod above %s", dir)
		}
		d = parent
	}
}
