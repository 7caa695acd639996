package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

func lintOptions() asllint.Options {
	// The payments workflow is the only EXPRESS machine and API Gateway
	// runs it synchronously: it must fit in 29 s.
	return asllint.Options{Profile: asllint.ProfileStrict, DeclaredErrors: errorname.Strings(errorname.Declared()), Synchronous: true}
}

func TestEverySynthesizedStateMachinePassesTheWorkflowLinter(t *testing.T) {
	s := synth(t, suffix)
	machines, err := asl.LoadAssembly(s.AssemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(machines) != 2 {
		t.Fatalf("linted %d state machines, want the payments and recovery workflows", len(machines))
	}
	findings, err := asllint.LintAssembly(s.AssemblyDir, lintOptions())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range findings {
		if f.Severity == asllint.Error {
			t.Errorf("%s:%s: %s: %s (%s)", f.Machine, f.State, f.Rule, f.Message, f.Hint)
		} else {
			t.Logf("warning %s:%s: %s: %s", f.Machine, f.State, f.Rule, f.Message)
		}
	}
	for _, m := range machines {
		if m.Type == "EXPRESS" {
			b := asllint.Bound(m.Definition)
			t.Logf("%s worst case: %.0f s along %s", m.Name, b.Seconds, strings.Join(b.Path, " -> "))
			if !b.Bounded || b.Seconds > 29 {
				t.Errorf("%s worst case %.0f s (bounded %v) exceeds API Gateway's 29 s", m.Name, b.Seconds, b.Bounded)
			}
		}
	}
}

// TestHandlersWorkflowAndAPIAgreeOnErrorNames: every client outcome of
// the shared list is routed by a Choice rule on $.result.error to a
// Succeed state that outputs the result (the API maps its name, see the
// api tests), and no Fail state uses it, so a client's mistake is never a
// failed execution; every terminal error ends the workflow in a Fail state
// of that name; every name the workflow uses is on the shared list (the
// linter's error-name rule).
func TestHandlersWorkflowAndAPIAgreeOnErrorNames(t *testing.T) {
	def := paymentsDefinition(t)
	failErrors := map[string]bool{}
	for _, st := range def.States {
		if st.Type == "Fail" {
			failErrors[st.Error] = true
		}
	}
	answered := map[string]string{} // outcome name -> Succeed state
	for _, st := range def.States {
		if st.Type != "Choice" {
			continue
		}
		for _, rule := range st.Choices {
			for _, cond := range append([]choiceRule{rule}, rule.And...) {
				if cond.Variable == "$.result.error" && cond.StringEquals != "" {
					answered[cond.StringEquals] = rule.Next
				}
			}
		}
	}
	for _, spec := range errorname.All() {
		if spec.Terminal && !failErrors[string(spec.Name)] {
			t.Errorf("terminal error %s has no Fail state in the payments workflow", spec.Name)
		}
		next, ok := answered[string(spec.Name)]
		switch {
		case spec.Outcome && !ok:
			t.Errorf("client outcome %s has no Choice rule in the payments workflow", spec.Name)
		case spec.Outcome && (def.States[next].Type != "Succeed" || def.States[next].OutputPath != "$.result"):
			t.Errorf("client outcome %s goes to %s (%s, OutputPath %q), want a Succeed state that outputs $.result",
				spec.Name, next, def.States[next].Type, def.States[next].OutputPath)
		case !spec.Outcome && ok:
			t.Errorf("%s is routed as a client outcome but is not one on the shared list", spec.Name)
		}
	}
	for name := range failErrors {
		if spec, ok := errorname.Lookup(errorname.Name(name)); !ok || !spec.Terminal {
			t.Errorf("Fail state error %s is not a terminal error of the shared list", name)
		}
	}
	for name := range answered {
		if _, ok := errorname.Lookup(errorname.Name(name)); !ok {
			t.Errorf("the workflow routes %s, which is not on the shared list", name)
		}
	}
}

// choiceRule is the part of a Choice rule these tests read.
type choiceRule struct {
	Variable     string
	StringEquals string
	And          []choiceRule
	Next         string
}

// paymentsState is the part of a state these tests read.
type paymentsState struct {
	Type       string
	Error      string
	OutputPath string
	Choices    []choiceRule
}

// paymentsDefinition is the synthesized payments workflow's definition.
func paymentsDefinition(t *testing.T) struct{ States map[string]paymentsState } {
	t.Helper()
	s := synth(t, suffix)
	machines, err := asl.LoadAssembly(s.AssemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	var def struct{ States map[string]paymentsState }
	for _, m := range machines {
		if m.Name == "payments-workflow-"+suffix {
			if err := json.Unmarshal(m.JSON, &def); err != nil {
				t.Fatal(err)
			}
			return def
		}
	}
	t.Fatal("no payments workflow in the assembly")
	return def
}

// TestWorkflowDiagramsAreCurrent keeps docs/workflows/*.md equal to the
// Mermaid diagrams generated from the synthesized definitions. Run with
// UPDATE_DOCS=1 to rewrite them.
func TestWorkflowDiagramsAreCurrent(t *testing.T) {
	s := synth(t, suffix)
	machines, err := asl.LoadAssembly(s.AssemblyDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("..", "docs", "workflows")
	for _, m := range machines {
		name := strings.TrimSuffix(m.Name, "-"+suffix)
		doc := "# " + name + "\n\n" +
			"Generated from the synthesized definition by `go test ./test -run Diagrams` (UPDATE_DOCS=1 rewrites it).\n" +
			"Type: " + m.Type + ". Solid arrows: Next, Choice and Default; dashed arrows: Catch; self-loops: Retry.\n\n" +
			"```mermaid\n" + asllint.Mermaid(m.Definition) + "```\n"
		path := filepath.Join(dir, name+".md")
		if os.Getenv("UPDATE_DOCS") == "1" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != doc {
			t.Errorf("%s is not current (err %v): run UPDATE_DOCS=1 go test ./test -run Diagrams", path, err)
		}
	}
}
