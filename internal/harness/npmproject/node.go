package npmproject

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// MinNodeMajor is the oldest Node.js major version the CDK's jsii runtime
// supports: jsii-runtime-go v1.142 prints an end-of-life banner on Node 20
// ("supported: ^22, ^24") and later releases refuse it.
const MinNodeMajor = 22

// NodeEnv is the variable jsii-runtime-go reads to choose the node binary
// that runs its kernel (internal/kernel/process/process.go); the Makefile
// exports it too, so that the CDK CLI's `go run ./app` gets the same Node.
const NodeEnv = "JSII_NODE"

var (
	supportedOnce sync.Once
	supportedPath string
	supportedErr  error
)

// SupportedNode returns the path of a Node.js of at least MinNodeMajor for
// the jsii kernel: $JSII_NODE when it is set, else the machine's `node`
// when it is new enough, else the one pinned in tools/node (Node's
// official binaries as npm platform packages), installed from its lock
// file on first use. The answer is computed once per process.
func SupportedNode(ctx context.Context) (string, error) {
	supportedOnce.Do(func() {
		supportedPath, supportedErr = supportedNode(ctx, os.Getenv(NodeEnv))
	})
	return supportedPath, supportedErr
}

func supportedNode(ctx context.Context, fromEnv string) (string, error) {
	if fromEnv != "" {
		return fromEnv, nil
	}
	if node, err := exec.LookPath("node"); err == nil {
		if major, err := NodeMajor(ctx, node); err == nil && major >= MinNodeMajor {
			return node, nil
		}
	}
	dir, err := Find("node", "package-lock.json", "PAYMENTAPI_NODE_DIR")
	if err != nil {
		return "", err
	}
	if err := Install(ctx, dir); err != nil {
		return "", err
	}
	node := filepath.Join(dir, "node_modules", ".bin", "node")
	major, err := NodeMajor(ctx, node)
	if err != nil {
		return "", fmt.Errorf("the Node.js pinned in %s does not run on this platform (tools/node/README.md): %w", dir, err)
	}
	if major < MinNodeMajor {
		return "", fmt.Errorf("%s is Node %d; the CDK needs %d or later", node, major, MinNodeMajor)
	}
	return node, nil
}

// NodeMajor runs `node --version` and returns its major version.
func NodeMajor(ctx context.Context, node string) (int, error) {
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return 0, err
	}
	return parseNodeMajor(string(bytes.TrimSpace(out)))
}

// parseNodeMajor reads the major version of `node --version` ("v22.23.5").
func parseNodeMajor(v string) (int, error) {
	s, ok := strings.CutPrefix(strings.TrimSpace(v), "v")
	if !ok {
		return 0, fmt.Errorf("unexpected node --version %q", v)
	}
	major, _, _ := strings.Cut(s, ".")
	n, err := strconv.Atoi(major)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("unexpected node --version %q", v)
	}
	return n, nil
}
