package test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module is the Go module path; layer patterns are relative to it.
const module = "github.com/resilientpay/paymentapi"

// layer is one layer of the architecture: its packages (path patterns
// relative to the module, "x/..." for x and everything below it, "x/*/y"
// for one path element) and what it is for.
type layer struct {
	name, role string
	packages   []string
}

// layers is the architecture, top to bottom. A package may import its own
// layer and the layers below it, never one above: wiring sits at the top,
// helpers at the bottom. docs/architecture.md draws this table.
var layers = []layer{
	{"tests", "tests across packages: template assertions, cdk-nag, lint of the synthesized workflows (test), end-to-end runs (test/e2e)",
		[]string{"test/..."}},
	{"mains", "composition roots: the CDK app, the local runner's and the cost model's commands, each Lambda main, the linter's CLI, the conformance suite's converter",
		[]string{"app", "cmd/...", "tasks/*/lambda", "workflows/cmd/...", "tools/sfnconformance"}},
	{"cost model", "prices a payment from the synthesized template and measured runs of it on the local executor",
		[]string{"cost"}},
	{"local runner", "the payment API on a laptop: emulators, the synthesized workflows on the executor, the real handlers",
		[]string{"localrun/..."}},
	{"stack", "wires the constructs into the stack; configuration, cdk-nag suppressions, the in-process synthesizer",
		[]string{"app/paymentstack"}},
	{"constructs", "one CDK construct per component",
		[]string{"api/restapi", "storage", "dashboards", "recovery", "workflows/payments"}},
	{"API contract", "what the REST API answers, without the CDK: the mapping templates and their Go twins, the gateway responses, the caller identity",
		[]string{"api"}},
	{"runtime", "what runs in Lambda: handlers, the payment domain, the store and queue adapters, shared error names",
		[]string{"tasks/..."}},
	{"ASL engine", "the workflow-definition model, linter and executor",
		[]string{"workflows/asl", "workflows/asllint", "workflows/aslrun"}},
	{"helpers", "synth-time CDK helpers (internal/cdk), Lambda runtime helpers (internal/runtime), the local and test harness (internal/harness), the template reader, the Lambda bootstrap builder and AWS environment shared by all",
		[]string{"internal/..."}},
}

// forbidden are imports that the layering alone allows but the design does
// not: runtime code never reaches synth-time or harness code, and the
// helpers of one audience do not import another's. A package matching
// from may not import, directly or through any dependency, a package
// matching to.
var forbidden = []struct{ from, to, why string }{
	{"tasks/...", "github.com/aws/aws-cdk-go/...", "runtime code never imports the CDK"},
	{"tasks/...", "github.com/aws/constructs-go/...", "runtime code never imports the CDK"},
	{"tasks/...", "github.com/aws/jsii-runtime-go/...", "runtime code never imports the CDK"},
	{"internal/runtime/...", "github.com/aws/aws-cdk-go/...", "runtime code never imports the CDK"},
	{"tasks/...", module + "/internal/cdk/...", "synth-time helpers are not runtime code"},
	{"tasks/...", module + "/internal/harness/...", "the harness serves tests and the local runner only"},
	{"internal/runtime/...", module + "/internal/cdk/...", "helpers of one audience do not import another's"},
	{"internal/runtime/...", module + "/internal/harness/...", "helpers of one audience do not import another's"},
	{"internal/cdk/...", module + "/internal/runtime/...", "helpers of one audience do not import another's"},
	{"internal/cdk/...", module + "/internal/harness/...", "helpers of one audience do not import another's"},
	{"internal/harness/...", module + "/internal/cdk/...", "helpers of one audience do not import another's"},
	{"workflows/asl...", module + "/tasks/...", "the ASL engine knows no payment"},
	// Packages with tests that do not synthesize link no CDK (so neither
	// the stack): each test binary that does is ~140 MB to link, the
	// largest part of the suite's build (docs/testing.md). The commands
	// that synthesize (cmd/localrun, cmd/cost) pass the template in.
	{"localrun/...", "github.com/aws/aws-cdk-go/...", "the local runner reads the synthesized template it is given and the platform's names (internal/platform); it links no CDK"},
	{"cost", "github.com/aws/aws-cdk-go/...", "the cost model reads the synthesized template it is given and the platform's names (internal/platform); it links no CDK"},
	{"api", "github.com/aws/aws-cdk-go/...", "the API contract links no CDK (the construct is api/restapi)"},
	{"cmd/parked", "github.com/aws/aws-cdk-go/...", "an operator command talks to AWS, not the CDK"},
	{"cmd/destroyguard", "github.com/aws/aws-cdk-go/...", "an operator command talks to AWS, not the CDK"},
	{"internal/platform", "github.com/aws/...", "the platform's names link nothing"},
}

// match reports whether a module-relative package path matches a pattern.
func match(pattern, pkg string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return pkg == base || strings.HasPrefix(pkg, base+"/")
	}
	if base, ok := strings.CutSuffix(pattern, "..."); ok {
		return strings.HasPrefix(pkg, base)
	}
	ok, _ := path.Match(pattern, pkg)
	return ok
}

// layerOf returns the index of the first layer with a pattern matching
// pkg, or -1.
func layerOf(pkg string) int {
	for i, l := range layers {
		for _, p := range l.packages {
			if match(p, pkg) {
				return i
			}
		}
	}
	return -1
}

// goPackage is what `go list` says of one package of the module.
type goPackage struct {
	path          string   // relative to the module
	imports, deps []string // full import paths (non-test files)
}

func listPackages(t *testing.T) []goPackage {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports ","}}|{{join .Deps ","}}`, "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []goPackage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.SplitN(line, "|", 3)
		rel, ok := strings.CutPrefix(parts[0], module+"/")
		if !ok {
			continue
		}
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, ",")
		}
		pkgs = append(pkgs, goPackage{path: rel, imports: split(parts[1]), deps: split(parts[2])})
	}
	if len(pkgs) < 20 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

// violations checks the packages against the layers and the forbidden
// imports and describes every offending import.
func violations(pkgs []goPackage) []string {
	var out []string
	for _, p := range pkgs {
		from := layerOf(p.path)
		if from < 0 {
			out = append(out, fmt.Sprintf("%s belongs to no layer: add it to the architecture", p.path))
			continue
		}
		for _, imp := range p.imports {
			rel, ok := strings.CutPrefix(imp, module+"/")
			if !ok {
				continue
			}
			if to := layerOf(rel); to >= 0 && to < from {
				out = append(out, fmt.Sprintf("%s (%s) imports %s (%s), a layer above it", p.path, layers[from].name, rel, layers[to].name))
			}
		}
		for _, f := range forbidden {
			if !match(f.from, p.path) {
				continue
			}
			for _, dep := range p.deps {
				if match(f.to, dep) {
					out = append(out, fmt.Sprintf("%s depends on %s: %s", p.path, dep, f.why))
				}
			}
		}
	}
	return out
}

func TestEveryImportFollowsTheLayers(t *testing.T) {
	for _, v := range violations(listPackages(t)) {
		t.Error(v)
	}
}

// TestTheLayerRulesCatchUpwardImports proves the checker fails on the
// imports the architecture forbids, so that its passing means something.
func TestTheLayerRulesCatchUpwardImports(t *testing.T) {
	for _, c := range []struct {
		name string
		pkg  goPackage
		want string
	}{
		{"a runtime package importing the local runner", goPackage{path: "tasks/persist", imports: []string{module + "/localrun"}}, "a layer above it"},
		{"a helper importing the stack", goPackage{path: "internal/harness/emulator", imports: []string{module + "/app/paymentstack"}}, "a layer above it"},
		{"a construct importing the stack", goPackage{path: "storage", imports: []string{module + "/app/paymentstack"}}, "a layer above it"},
		{"a handler reaching the CDK through a dependency", goPackage{path: "tasks/store", deps: []string{"github.com/aws/aws-cdk-go/awscdk/v2"}}, "never imports the CDK"},
		{"a handler using the test harness", goPackage{path: "tasks/reprocess", deps: []string{module + "/internal/harness/emulator"}}, "harness"},
		{"a package in no layer", goPackage{path: "utils"}, "no layer"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := violations([]goPackage{c.pkg})
			if len(got) != 1 || !strings.Contains(got[0], c.want) {
				t.Errorf("violations = %q, want one mentioning %q", got, c.want)
			}
		})
	}
}

// TestNoTwoLibraryPackagesShareAName keeps package names unambiguous: a
// reader never needs an import alias to tell two packages apart.
func TestNoTwoLibraryPackagesShareAName(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", "{{.Name}} {{.ImportPath}}", "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, pkg, _ := strings.Cut(line, " ")
		if name == "main" || name == "test" {
			continue
		}
		if other, dup := seen[name]; dup {
			t.Errorf("package name %s is used by %s and %s", name, other, pkg)
		}
		seen[name] = pkg
	}
}

// architectureMermaid draws the layers, top to bottom, as
// docs/architecture.md shows them.
func architectureMermaid() string {
	var b strings.Builder
	b.WriteString("flowchart TB\n")
	for i, l := range layers {
		var pkgs []string
		for _, p := range l.packages {
			pkgs = append(pkgs, "<code>"+p+"</code>")
		}
		fmt.Fprintf(&b, "  L%d[\"<b>%s</b><br/>%s<br/>%s\"]\n", i, l.name, l.role, strings.Join(pkgs, " "))
		if i > 0 {
			fmt.Fprintf(&b, "  L%d --> L%d\n", i-1, i)
		}
	}
	return b.String()
}

// TestArchitectureDocDrawsTheLayers keeps docs/architecture.md's diagram
// equal to the layers the tests enforce. UPDATE_DOCS=1 rewrites it.
func TestArchitectureDocDrawsTheLayers(t *testing.T) {
	file := filepath.Join("..", "docs", "architecture.md")
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "```mermaid\n", "```\n"
	i := bytes.Index(doc, []byte(begin))
	j := -1
	if i >= 0 {
		j = bytes.Index(doc[i+len(begin):], []byte(end))
	}
	if i < 0 || j < 0 {
		t.Fatalf("%s has no mermaid block", file)
	}
	got := string(doc[i+len(begin) : i+len(begin)+j])
	want := architectureMermaid()
	if got == want {
		return
	}
	if os.Getenv("UPDATE_DOCS") == "1" {
		updated := slices.Concat(doc[:i+len(begin)], []byte(want), doc[i+len(begin)+j:])
		if err := os.WriteFile(file, updated, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s does not draw the layers of architecture_test.go: run UPDATE_DOCS=1 go test ./test -run ArchitectureDoc", file)
}
