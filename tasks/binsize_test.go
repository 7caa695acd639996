// Package tasks_test builds every Lambda bootstrap in tasks/*/lambda the way
// the CDK app bundles it and reports the sizes.
package tasks_test

import (
	"os"
	"os/exec"
	"path/filepath"
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

func lambdaDirs(tb testing.TB) []string {
	tb.Helper()
	dirs, err := filepath.Glob(filepath.Join("*", "lambda"))
	if err != nil || len(dirs) == 0 {
		tb.Fatalf("no tasks/*/lambda packages found (%v)", err)
	}
	return dirs
}

func TestEveryBootstrapBuildsForArm64WithinBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Lambda bootstrap")
	}
	for _, dir := range lambdaDirs(t) {
		t.Run(filepath.Dir(dir), func(t *testing.T) {
			size := buildBootstrap(t, dir)
			t.Logf("%-12s %6.1f MiB (%d bytes)", filepath.Dir(dir), float64(size)/(1<<20), size)
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
		b.Run(filepath.Dir(dir), func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			for b.Loop() {
				size = buildBootstrap(b, dir)
			}
			b.ReportMetric(float64(size), "bytes")
		})
	}
}
