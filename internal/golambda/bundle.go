package golambda

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// goBundler builds a Go main package into <outputDir>/bootstrap for the
// provided.al2023 arm64 runtime. It implements awscdk.ILocalBundling, so CDK
// never needs Docker.
type goBundler struct {
	moduleDir string
	entry     string
}

var _ awscdk.ILocalBundling = (*goBundler)(nil)

// TryBundle runs go build; a failed build is a synth error, never a silent
// fallback to Docker.
func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	if err := Build(b.moduleDir, b.entry, filepath.Join(*outputDir, "bootstrap")); err != nil {
		panic(err)
	}
	return jsii.Bool(true)
}

// Build compiles the main package entry (relative to moduleDir, e.g.
// "./tasks/validate/lambda") into out as a stripped, reproducible
// linux/arm64 binary without the RPC shim (-tags lambda.norpc).
func Build(moduleDir, entry, out string) error {
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
		"-ldflags=-s -w -buildid=", "-o", out, entry)
	cmd.Dir = moduleDir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("golambda: building %s: %v\n%s", entry, err, strings.TrimSpace(string(output)))
	}
	return nil
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
