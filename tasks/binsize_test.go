// Package tasks_test builds every Lambda bootstrap of the module the way the
// CDK app bundles it and reports the sizes.
package tasks_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxBootstrapBytes is a budget well inside Lambda's 50 MB zipped and
// 250 MB unzipped limits; a bootstrap above it has grown by accident.
const maxBootstrapBytes = 40 << 20

// buildBootstrap builds ./<dir> for linux/arm64 as the CDK bundling does
// and returns the binary's size.
func buildBootstrap(tb testing.TB, dir string) int64 {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, "./"+dir)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build ./%s: %v\n%s", dir, err, msg)
	}
	st, err := os.Stat(out)
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
	for _, dir := range lambdaDirs(t) {
		t.Run(dir, func(t *testing.T) {
			size := buildBootstrap(t, dir)
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
	for _, dir := range lambdaDirs(b) {
		b.Run(dir, func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			for b.Loop() {
				size = buildBootstrap(b, dir)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
