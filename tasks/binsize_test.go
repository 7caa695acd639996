// Package tasks_test builds every Lambda bootstrap of the module the way the
// CDK app bundles it (internal/gobuild) and reports the sizes.
package tasks_test

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/gobuild"
)

// maxBootstrapBytes is the budget of a bootstrap (stripped, linux/arm64,
// X-Ray included): 21 MiB. The functions measure 6-11 MiB; a bootstrap
// above the budget has grown by accident (a heavy dependency such as the
// X-Ray SDK for Go, which alone added 12-14 MiB).
const maxBootstrapBytes = 21 << 20

// bootstraps builds every Lambda main of the module as the CDK app bundles
// it (internal/gobuild, through its cache: an unchanged function is not
// linked again) and returns each binary's path by directory.
func bootstraps(tb testing.TB) map[string]string {
	tb.Helper()
	dirs := lambdaDirs(tb)
	entries := make([]string, len(dirs))
	for i, d := range dirs {
		entries[i] = "./" + d
	}
	cache, err := gobuild.DefaultCache()
	if err != nil {
		tb.Fatal(err)
	}
	results, err := cache.Bootstraps("..", entries, runtime.NumCPU())
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string]string, len(dirs))
	for i, d := range dirs {
		out[d] = results[entries[i]].Path
	}
	return out
}

func size(tb testing.TB, path string) int64 {
	tb.Helper()
	st, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

// lambdaDirs finds every Lambda main of the module: a main package that
// starts the Lambda runtime through internal/runtime/lambdamain or
// awslambda (or imports aws-lambda-go's lambda itself). Its directories are
// relative to the module root.
func lambdaDirs(tb testing.TB) []string {
	tb.Helper()
	cmd := exec.Command("go", "list", "-f", `{{if eq .Name "main"}}{{.Dir}}|{{join .Imports " "}}{{end}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("go list: %v", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		tb.Fatal(err)
	}
	var dirs []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		dir, imports, ok := strings.Cut(line, "|")
		if !ok || !slices.ContainsFunc(strings.Fields(imports), startsLambda) {
			continue
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			tb.Fatal(err)
		}
		dirs = append(dirs, filepath.ToSlash(rel))
	}
	if len(dirs) == 0 {
		tb.Fatal("no Lambda mains found")
	}
	return dirs
}

// startsLambda reports whether an import starts the Lambda runtime.
func startsLambda(importPath string) bool {
	switch importPath {
	case "github.com/aws/aws-lambda-go/lambda",
		"github.com/resilientpay/paymentapi/internal/runtime/lambdamain",
		"github.com/resilientpay/paymentapi/internal/runtime/awslambda":
		return true
	}
	return false
}

func TestEveryBootstrapBuildsForArm64WithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Lambda bootstrap")
	}
	bins := bootstraps(t)
	for _, dir := range slices.Sorted(maps.Keys(bins)) {
		t.Run(dir, func(t *testing.T) {
			size := size(t, bins[dir])
			t.Logf("%-12s %6.1f MiB (%d bytes)", dir, float64(size)/(1<<20), size)
			if size > maxBootstrapBytes {
				t.Errorf("bootstrap is %d bytes, over the %d budget", size, maxBootstrapBytes)
			}
		})
	}
}

// BenchmarkBootstrapSize reports each bootstrap's size as a metric, so
// benchstat can compare sizes between commits.
func BenchmarkBootstrapSize(b *testing.B) {
	bins := bootstraps(b)
	for _, dir := range slices.Sorted(maps.Keys(bins)) {
		b.Run(dir, func(b *testing.B) {
			var n int64
			for b.Loop() {
				n = size(b, bins[dir])
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}
