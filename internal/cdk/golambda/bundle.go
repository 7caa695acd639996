package golambda

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

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

// TryBundle copies the function's binary, built by the shared builder, to
// outputDir. A failed build is a synth error, never a silent fallback to
// Docker.
func (b *goBundler) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	bin, err := builds.get(b.moduleDir, b.entry)
	if err == nil {
		err = copyFile(bin, filepath.Join(*outputDir, "bootstrap"))
	}
	// The staged copy is CDK's; the builder's copy goes (tens of MB each).
	os.RemoveAll(filepath.Dir(bin))
	if err != nil {
		panic(err)
	}
	return jsii.Bool(true)
}

// builder links every function of an app in parallel. CDK asks for the
// bundles one at a time; linking a Go binary is most of a warm build, so the
// first request starts the builds of every registered function, as many at
// a time as there are CPUs, and later requests find theirs done.
type builder struct {
	mu      sync.Mutex
	dir     string
	seq     int
	pending []*build
	all     map[string]*build
}

type build struct {
	moduleDir, entry, out string
	done                  chan struct{}
	err                   error
}

var builds = &builder{all: map[string]*build{}}

// register records a function to build; New calls it for every function.
func (b *builder) register(moduleDir, entry string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	key := moduleDir + "\x00" + entry
	if _, ok := b.all[key]; ok {
		return
	}
	bl := &build{moduleDir: moduleDir, entry: entry, done: make(chan struct{})}
	b.all[key] = bl
	b.pending = append(b.pending, bl)
}

// get starts every pending build and waits for the one asked for.
func (b *builder) get(moduleDir, entry string) (string, error) {
	b.register(moduleDir, entry)
	b.mu.Lock()
	if b.dir == "" {
		dir, err := os.MkdirTemp("", "golambda-")
		if err != nil {
			b.mu.Unlock()
			return "", err
		}
		b.dir = dir
	}
	pending := b.pending
	b.pending = nil
	for _, bl := range pending {
		b.seq++
		bl.out = filepath.Join(b.dir, strconv.Itoa(b.seq), "bootstrap")
	}
	want := b.all[moduleDir+"\x00"+entry]
	b.mu.Unlock()

	slots := make(chan struct{}, runtime.NumCPU())
	for _, bl := range pending {
		go func(bl *build) {
			slots <- struct{}{}
			defer func() { <-slots }()
			bl.err = Build(bl.moduleDir, bl.entry, bl.out)
			close(bl.done)
		}(bl)
	}
	<-want.done
	// A build is handed out once; another app in the same process that
	// bundles the same function registers and builds it again.
	b.mu.Lock()
	delete(b.all, moduleDir+"\x00"+entry)
	b.mu.Unlock()
	return want.out, want.err
}

func copyFile(src, dst string) error {
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
