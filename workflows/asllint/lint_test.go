package asllint_test

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

func mustParse(t testing.TB, s string) *asl.Definition {
	t.Helper()
	d, err := asl.Parse([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

const noCatch = `{"StartAt": "A", %s "States": {"A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 5, %s "End": true}}}`

func TestOptOutCommentsAndDisableSilenceARule(t *testing.T) {
	strict := asllint.Options{Profile: asllint.ProfileStrict}
	tests := []struct {
		name     string
		def      string
		opts     asllint.Options
		findings int
	}{
		{"a Task without a catch-all is reported", strings.Replace(strings.Replace(noCatch, "%s", "", 1), "%s", "", 1), strict, 1},
		{"a state Comment opts the state out", strings.Replace(strings.Replace(noCatch, "%s", "", 1), "%s", `"Comment": "asllint:ignore catch-all: failures are the caller's",`, 1), strict, 0},
		{"the machine Comment opts the whole machine out", strings.Replace(strings.Replace(noCatch, "%s", `"Comment": "asllint:ignore task-timeout,catch-all because",`, 1), "%s", "", 1), strict, 0},
		{"an opt-out of another rule does not count", strings.Replace(strings.Replace(noCatch, "%s", "", 1), "%s", `"Comment": "asllint:ignore task-timeout",`, 1), strict, 1},
		{"Options.Disable skips the rule", strings.Replace(strings.Replace(noCatch, "%s", "", 1), "%s", "", 1), asllint.Options{Profile: asllint.ProfileStrict, Disable: []string{"catch-all"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := asllint.Lint("m", mustParse(t, tt.def), tt.opts)
			if len(fs) != tt.findings {
				t.Errorf("got %d findings, want %d:\n%s", len(fs), tt.findings, dump(fs))
			}
		})
	}
}

func TestBoundFollowsTheWorstPathWithRetriesAndBackoff(t *testing.T) {
	raw, err := os.ReadFile("testdata/good/payments.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	b := asllint.Bound(mustParse(t, string(raw)))
	// Validate 3 + (3+1) = 7; Persist 3 + (3+1) + (3+1) = 11 then its
	// catch-all to EnqueueOnFailure 3 + (3+1) = 7: 25 s.
	if !b.Bounded || b.Seconds != 25 {
		t.Fatalf("Bound = %+v, want 25s", b)
	}
	if got := strings.Join(b.Path, ">"); !strings.HasPrefix(got, "Validate>Persist>EnqueueOnFailure>") {
		t.Errorf("worst path = %s", got)
	}
	tests := []struct {
		name    string
		def     string
		bounded bool
		seconds float64
	}{
		{"backoff is capped by MaxDelaySeconds", `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"x","TimeoutSeconds":1,"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"MaxAttempts":3,"BackoffRate":10,"MaxDelaySeconds":5}],"End":true}}}`, true, 1 + 3 + 2 + 5 + 5},
		{"a Wait adds its seconds", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":4,"Next":"S"},"S":{"Type":"Succeed"}}}`, true, 4},
		{"a loop is unbounded", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice","Choices":[{"Variable":"$.x","BooleanEquals":true,"Next":"A"}],"Default":"S"},"S":{"Type":"Succeed"}}}`, false, 0},
		{"the machine TimeoutSeconds caps an unbounded flow", `{"StartAt":"A","TimeoutSeconds":20,"States":{"A":{"Type":"Task","Resource":"x","End":true}}}`, true, 20},
		{"a Parallel costs its slowest branch", `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","States":{"X":{"Type":"Wait","Seconds":2,"End":true}}},{"StartAt":"Y","States":{"Y":{"Type":"Wait","Seconds":7,"End":true}}}]}}}`, true, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := asllint.Bound(mustParse(t, tt.def))
			if b.Bounded != tt.bounded || tt.bounded && b.Seconds != tt.seconds {
				t.Errorf("Bound = %+v, want bounded=%v %gs", b, tt.bounded, tt.seconds)
			}
		})
	}
}

// The specification's retry example ("Retrying after error") counts
// retries per retrier: ErrorA and ErrorB share the first retrier's two
// retries, so the worst case is the first attempt, two retries of the
// first retrier (waits 1 and 2 s) and three of the second (waits 5, 10 and
// 20 s), each attempt taking the Task's TimeoutSeconds.
func TestBoundCountsRetriesPerRetrier(t *testing.T) {
	def := `{"StartAt":"X","States":{"X":{"Type":"Task","Resource":"r","TimeoutSeconds":1,"End":true,
	  "Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
	           {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}]}}}`
	b := asllint.Bound(mustParse(t, def))
	if want := 1 + (1 + 1) + (1 + 2) + (1 + 5) + (1 + 10) + (1 + 20.0); !b.Bounded || b.Seconds != want {
		t.Errorf("Bound = %+v, want %gs", b, want)
	}
}

// Each JSONata and variable rule reports its broken definition and is
// silent once the definition is fixed.
func TestVariableAndStatesRulesPassOnceFixed(t *testing.T) {
	machine := func(states string) string {
		return `{"QueryLanguage":"JSONata","StartAt":"A","States":{` + states + `}}`
	}
	tests := []struct {
		rule, bad, fixed string
	}{
		{"states-reference",
			machine(`"A":{"Type":"Pass","Output":"{% $states.result %}","End":true}`),
			machine(`"A":{"Type":"Pass","Output":"{% $states.input %}","End":true}`)},
		{"variable-undefined",
			machine(`"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Output":"{% $x %}","End":true}`),
			machine(`"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},"B":{"Type":"Pass","Output":"{% $x %}","End":true}`)},
		{"variable-scope",
			machine(`"A":{"Type":"Map","Items":[1],"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"v":1},"Next":"J"},"J":{"Type":"Pass","Output":"{% $v %}","End":true}}},"Next":"B"},"B":{"Type":"Pass","Output":"{% $v %}","End":true}`),
			machine(`"A":{"Type":"Map","Items":[1],"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"v":1},"Next":"J"},"J":{"Type":"Pass","Output":"{% $v %}","End":true}}},"Assign":{"v2":"{% $states.result %}"},"Next":"B"},"B":{"Type":"Pass","Output":"{% $v2 %}","End":true}`)},
		{"variable-unused",
			machine(`"A":{"Type":"Pass","Assign":{"x":1},"End":true}`),
			machine(`"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},"B":{"Type":"Pass","Output":"{% $x %}","End":true}`)},
		{"variable-name",
			machine(`"A":{"Type":"Pass","Assign":{"states":1},"End":true}`),
			machine(`"A":{"Type":"Pass","Assign":{"state":1},"Output":"{% $exists($state) %}","End":true}`)},
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			strict := asllint.Options{Profile: asllint.ProfileStrict}
			if got := ruleSet(asllint.Lint("bad", mustParse(t, tt.bad), strict)); !slices.Contains(got, tt.rule) {
				t.Errorf("the broken definition yields %v, want %s", got, tt.rule)
			}
			if fs := asllint.Lint("fixed", mustParse(t, tt.fixed), strict); len(fs) > 0 {
				t.Errorf("the fixed definition yields:\n%s", dump(fs))
			}
		})
	}
}

// A JSONata built-in named without a call, as in [($type = "tool_use")],
// is the function and no variable (issue #23).
func TestBuiltInFunctionNamesAreNotVariables(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.content[($type = 'tool_use')] %}","End":true}}}`
	got := ruleSet(asllint.Lint("type", mustParse(t, def), asllint.Options{Profile: asllint.ProfileStrict}))
	if slices.Contains(got, "variable-undefined") {
		t.Errorf("$type reported as an unassigned variable: %v", got)
	}
	bad := `{"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.content[($typo = 'tool_use')] %}","End":true}}}`
	if got := ruleSet(asllint.Lint("typo", mustParse(t, bad), asllint.Options{Profile: asllint.ProfileStrict})); !slices.Contains(got, "variable-undefined") {
		t.Errorf("$typo not reported: %v", got)
	}
}

func TestLintAssemblyLintsEveryMachineWithItsOwnType(t *testing.T) {
	opts := asllint.Options{Profile: asllint.ProfileStrict, DeclaredErrors: errorname.Strings(errorname.Declared()), Synchronous: true}
	fs, err := asllint.LintAssembly("../asl/testdata/cdk.out", opts)
	if err != nil {
		t.Fatal(err)
	}
	// The fixture is clean except the recovery workflow's Notify Task,
	// which is not a Lambda and has a catch-all: nothing to report.
	if len(fs) != 0 {
		t.Errorf("want a clean assembly, got:\n%s", dump(fs))
	}
	opts.BudgetSeconds = 10
	fs, err = asllint.LintAssembly("../asl/testdata/cdk.out", opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 || fs[0].Rule != "sync-budget" || fs[0].Machine != "PaymentsStack/PaymentsSM" {
		t.Errorf("want one sync-budget finding on the EXPRESS machine only, got:\n%s", dump(fs))
	}
	if _, err := asllint.LintAssembly("testdata/none", opts); err == nil {
		t.Error("a missing assembly must be an error")
	}
}

func TestMermaidDrawsTransitionsCatchesAndRetries(t *testing.T) {
	raw, err := os.ReadFile("testdata/good/payments.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	out := asllint.Mermaid(mustParse(t, string(raw)))
	for _, want := range []string{
		"flowchart TD",
		`s0["Validate (Task)"]`,
		`s3(["Done (Succeed)"])`,
		"start_ --> s0",
		"s0 --> s1",
		`s1 -.->|"States.ALL"| s2`,
		`s0 -.->|"Payment.Invalid"| s4`,
		`s1 -->|"retry Payment.StoreUnavailable x1"| s1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("Mermaid output lacks %q:\n%s", want, out)
		}
	}
	nested := asllint.Mermaid(mustParse(t, `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}]}}}`))
	for _, want := range []string{"subgraph", `s0 -.-> s1`, "((End))"} {
		if !strings.Contains(nested, want) {
			t.Errorf("nested Mermaid lacks %q:\n%s", want, nested)
		}
	}
	if asllint.Mermaid(mustParse(t, string(raw))) != out {
		t.Error("Mermaid output must be deterministic")
	}
}

func TestRulesHaveUniqueIDsAndAreDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/linter.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range asllint.Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		seen[r.ID] = true
		if r.Summary == "" || r.Help == "" || r.Severity == "" || r.Statelint == "" || r.ASLValidator == "" || r.Self == "" {
			t.Errorf("rule %s is missing metadata: %+v", r.ID, r)
		}
		if r.Category != asllint.Spec && r.Category != asllint.Policy {
			t.Errorf("rule %s has category %q, want %s or %s", r.ID, r.Category, asllint.Spec, asllint.Policy)
		}
		if !strings.Contains(string(doc), "`"+r.ID+"`") {
			t.Errorf("docs/linter.md does not document rule %s", r.ID)
		}
		row := fmt.Sprintf("| `%s` | %s | %s | %s | %s | %s |", r.ID, r.Category, r.Severity, r.Self, r.Statelint, r.ASLValidator)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/linter.md comparison table lacks the row %s", row)
		}
	}
}

func TestHasErrorsIgnoresWarnings(t *testing.T) {
	if asllint.HasErrors([]asllint.Finding{{Severity: asllint.Warning}}) {
		t.Error("warnings alone are not errors")
	}
	if !asllint.HasErrors([]asllint.Finding{{Severity: asllint.Warning}, {Severity: asllint.Error}}) {
		t.Error("an error finding must count")
	}
}

func FuzzLintJSON(f *testing.F) {
	for _, p := range []string{"testdata/good/payments.asl.json", "testdata/bad/no-terminal-path.json", "testdata/bad/intrinsic-function.json"} {
		raw, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fs := asllint.LintJSON("fuzz", data, asllint.Options{Profile: asllint.ProfileStrict, MachineType: asllint.Express, Synchronous: true, DeclaredErrors: []string{"A"}})
		if d, err := asl.Parse(data); err == nil {
			_ = asllint.Mermaid(d)
		}
		for _, f := range fs {
			if f.Rule == "" || f.Severity == "" {
				t.Fatalf("finding without rule or severity: %+v", f)
			}
		}
	})
}

func BenchmarkLintJSONPayments(b *testing.B) {
	raw, err := os.ReadFile("testdata/good/payments.asl.json")
	if err != nil {
		b.Fatal(err)
	}
	opts := asllint.Options{Profile: asllint.ProfileStrict, DeclaredErrors: errorname.Strings(errorname.Declared()), MachineType: asllint.Express, Synchronous: true}
	b.ReportAllocs()
	for b.Loop() {
		if fs := asllint.LintJSON("payments", raw, opts); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}

func TestLintAssemblyOnARealCDKSynthFindsCDKsDefaultRetryGaps(t *testing.T) {
	// GIVEN a real `cdk synth` output whose Persist task keeps CDK's default
	// LambdaInvoke retry and whose Enqueue task has no timeout or catcher
	fs, err := asllint.LintAssembly("../asl/testdata/cdk-synth", asllint.Options{Profile: asllint.ProfileStrict,
		DeclaredErrors: errorname.Strings(errorname.Declared()), Synchronous: true})
	if err != nil {
		t.Fatal(err)
	}
	// THEN the policy rules name each gap (CDK's default retry names
	// Lambda.ClientExecutionTimeoutException, which the app declares too)
	want := []string{
		"-:sync-budget", "Enqueue:catch-all", "Enqueue:task-timeout", "Persist:catch-all",
		"Persist:lambda-retry", "Validate:lambda-retry",
	}
	var got []string
	for _, f := range fs {
		st := f.State
		if st == "" {
			st = "-"
		}
		got = append(got, st+":"+f.Rule)
	}
	sort.Strings(got)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("findings = %v, want %v\n%s", got, want, dump(fs))
	}
}
