package npmproject

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

func TestParseNodeMajorReadsTheMajorOfNodeVersion(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"v22.23.5", 22, true},
		{"v20.20.2\n", 20, true},
		{"v24.0.0", 24, true},
		{"22.1.0", 0, false},
		{"v", 0, false},
		{"vX.1", 0, false},
		{"", 0, false},
	} {
		got, err := parseNodeMajor(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseNodeMajor(%q) = %d, %v; want %d (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestSupportedNodeHonoursJSIINode(t *testing.T) {
	got, err := supportedNode(context.Background(), "/opt/node22/bin/node")
	if err != nil || got != "/opt/node22/bin/node" {
		t.Fatalf("supportedNode with JSII_NODE set = %q, %v", got, err)
	}
}

// TestSupportedNodeIsAtLeastTheMinimum resolves the Node the CDK runs on
// here: on a machine whose node is older than MinNodeMajor, the one pinned
// in tools/node, installed from its lock file.
func TestSupportedNodeIsAtLeastTheMinimum(t *testing.T) {
	if _, err := exec.LookPath("npm"); err != nil {
		t.Skip("npm not on PATH")
	}
	node, err := supportedNode(context.Background(), os.Getenv(NodeEnv))
	if err != nil {
		t.Fatal(err)
	}
	major, err := NodeMajor(context.Background(), node)
	if err != nil {
		t.Fatal(err)
	}
	if major < MinNodeMajor {
		t.Fatalf("%s is Node %d, want >= %d", node, major, MinNodeMajor)
	}
}
