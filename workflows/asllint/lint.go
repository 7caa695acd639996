// Package asllint lints Amazon States Language definitions: everything
// statelint and asl-validator check, plus graph reachability, Express
// workflow restrictions, a worst-case duration bound for synchronous
// workflows, and the resilience policy of this project (timeouts, bounded
// retries, Lambda service-exception retries, catch-alls, declared error
// names). It also draws definitions as Mermaid flowcharts.
//
// Rules have stable ids (see Rules and docs/linter.md) and a category: Spec
// rules find what Step Functions rejects at CreateStateMachine or what fails
// for certain when the state runs; Policy rules are this project's house
// rules, which AWS does not enforce. A Profile picks the categories to run
// (ProfileSpec by default, ProfileStrict for our own workflows); Options and
// a Config file enable, disable or re-grade single rules. A state opts out of
// a rule with a Comment containing "asllint:ignore <rule-id>[,<rule-id>...]"
// followed by the reason; the machine's top-level Comment does the same for
// the whole definition.
package asllint

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// Severity of a finding: errors fail the build, warnings are advice.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one problem found in a definition.
type Finding struct {
	// Rule is the stable rule id, e.g. "lambda-retry".
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	// Machine names the definition: a file path or "<stack>/<logical id>".
	Machine string `json:"machine"`
	// State is the state's name ("" for machine-level findings).
	State string `json:"state,omitempty"`
	// Path is the JSON path inside the definition, e.g.
	// "States.Persist.Retry[0]".
	Path    string `json:"path"`
	Message string `json:"message"`
	// Hint is a one-line fix.
	Hint string `json:"hint,omitempty"`
}

// String formats a finding as "machine:state: rule: message".
func (f Finding) String() string {
	st := f.State
	if st == "" {
		st = "-"
	}
	return fmt.Sprintf("%s:%s: %s: %s", f.Machine, st, f.Rule, f.Message)
}

// Machine types.
const (
	Standard = "STANDARD"
	Express  = "EXPRESS"
)

// Options choose the rules and tune the policy ones. The zero value runs the
// spec profile on a STANDARD machine with no declared error list and no
// duration budget.
type Options struct {
	// Profile selects the rules by category; "" means ProfileSpec.
	Profile Profile
	// Enable lists rule ids to run although the profile leaves them out.
	Enable []string
	// DeclaredErrors lists every error name the workflows may use in Retry,
	// Catch and Fail (the app passes errorname.Strings(errorname.Declared())).
	// When empty only States.* names are checked.
	DeclaredErrors []string
	// MachineType is EXPRESS or STANDARD. LintAssembly takes it from the
	// template when empty; Lint treats empty as STANDARD.
	MachineType string
	// Synchronous marks EXPRESS machines as started synchronously behind an
	// API (StartSyncExecution): their worst-case duration must fit
	// BudgetSeconds. It has no effect on STANDARD machines.
	Synchronous bool
	// BudgetSeconds is the synchronous budget; 0 means 29 (API Gateway's
	// integration timeout).
	BudgetSeconds float64
	// MaxRetryAttempts caps MaxAttempts of any retrier (rule retry-bounded);
	// 0 means 10.
	MaxRetryAttempts int
	// Disable lists rule ids to skip entirely; it wins over Enable.
	Disable []string
	// Severity re-grades every finding of a rule (rule id -> Error or
	// Warning).
	Severity map[string]Severity
}

// Validate reports unknown rule ids, profiles, severities and machine types,
// so a typo in a flag or config file fails loudly instead of checking less.
func (o Options) Validate() error {
	var errs []error
	if _, err := ParseProfile(string(o.Profile)); err != nil {
		errs = append(errs, err)
	}
	for _, id := range append(append([]string(nil), o.Enable...), o.Disable...) {
		if ruleByID(id) == nil {
			errs = append(errs, fmt.Errorf("unknown rule %q", id))
		}
	}
	for _, id := range sortedKeys(o.Severity) {
		if ruleByID(id) == nil {
			errs = append(errs, fmt.Errorf("unknown rule %q", id))
		}
		if sev := o.Severity[id]; sev != Error && sev != Warning {
			errs = append(errs, fmt.Errorf("rule %s: severity %q is neither %q nor %q", id, sev, Error, Warning))
		}
	}
	if t := o.MachineType; t != "" && t != Standard && t != Express {
		errs = append(errs, fmt.Errorf("machine type %q is neither %s nor %s", t, Standard, Express))
	}
	return errors.Join(errs...)
}

// Enabled reports whether Lint runs the rule under these options.
func (o Options) Enabled(id string) bool {
	r := ruleByID(id)
	if r == nil || slices.Contains(o.Disable, id) {
		return false
	}
	p, _ := ParseProfile(string(o.Profile))
	return p.Includes(r.Category) || slices.Contains(o.Enable, id)
}

// DefaultBudgetSeconds is API Gateway's maximum integration timeout.
const DefaultBudgetSeconds = 29

// DefaultMaxRetryAttempts is the default cap of retry-bounded.
const DefaultMaxRetryAttempts = 10

func (o Options) budget() float64 {
	if o.BudgetSeconds > 0 {
		return o.BudgetSeconds
	}
	return DefaultBudgetSeconds
}

func (o Options) maxAttempts() int {
	if o.MaxRetryAttempts > 0 {
		return o.MaxRetryAttempts
	}
	return DefaultMaxRetryAttempts
}

// Lint checks a parsed definition with the rules opts enables. name labels
// the findings. Unknown rule ids in opts are ignored (Options.Validate
// reports them).
func Lint(name string, def *asl.Definition, opts Options) []Finding {
	l := &linter{name: name, def: def, opts: opts}
	if l.opts.MachineType == "" {
		l.opts.MachineType = Standard
	}
	for _, r := range registry {
		if !opts.Enabled(r.ID) {
			continue
		}
		l.rule = r
		r.check(l)
	}
	l.sort()
	return l.out
}

// LintJSON parses and checks a definition; a definition that is not a JSON
// object yields a single definition-json finding.
func LintJSON(name string, data []byte, opts Options) []Finding {
	def, err := asl.Parse(data)
	if err != nil {
		return parseFinding(name, err, opts)
	}
	return Lint(name, def, opts)
}

func parseFinding(name string, err error, opts Options) []Finding {
	const id = "definition-json"
	if !opts.Enabled(id) {
		return nil
	}
	sev := Error
	if s, ok := opts.Severity[id]; ok {
		sev = s
	}
	return []Finding{{Rule: id, Severity: sev, Machine: name, Message: err.Error(),
		Hint: "make the definition a single valid JSON object"}}
}

// LintMachine checks a state machine loaded from a template; opts.MachineType
// defaults to the machine's StateMachineType.
func LintMachine(m *asl.Machine, opts Options) []Finding {
	if opts.MachineType == "" {
		opts.MachineType = m.Type
	}
	if m.ParseError != nil {
		return parseFinding(m.ID(), m.ParseError, opts)
	}
	return Lint(m.ID(), m.Definition, opts)
}

// LintAssembly loads every state machine of a CDK cloud assembly directory
// (cdk.out) and checks each one; each machine's type comes from its template
// unless opts.MachineType is set.
func LintAssembly(dir string, opts Options) ([]Finding, error) {
	ms, err := asl.LoadAssembly(dir)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, m := range ms {
		out = append(out, LintMachine(m, opts)...)
	}
	return out, nil
}

// HasErrors reports whether any finding has error severity.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == Error {
			return true
		}
	}
	return false
}

type linter struct {
	name string
	def  *asl.Definition
	opts Options
	rule *Rule
	out  []Finding
	vars *varFlow // computed on first use
}

// variables returns the variable analysis of the machine.
func (l *linter) variables() *varFlow {
	if l.vars == nil {
		l.vars = analyseVariables(l.def)
	}
	return l.vars
}

var ignoreRe = regexp.MustCompile(`asllint:ignore\s+([a-z0-9,\- ]+)`)

// ignored reports whether a Comment opts out of rule id.
func ignored(comment, id string) bool {
	for _, m := range ignoreRe.FindAllStringSubmatch(comment, -1) {
		for _, f := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ',' || r == ' ' }) {
			if f == id {
				return true
			}
		}
	}
	return false
}

// report records a finding of the current rule at its default severity.
func (l *linter) report(s *asl.State, path, msg, hint string) {
	l.reportSev(l.rule.Severity, s, path, msg, hint)
}

func (l *linter) reportSev(sev Severity, s *asl.State, path, msg, hint string) {
	if ignored(l.def.Comment, l.rule.ID) {
		return
	}
	if o, ok := l.opts.Severity[l.rule.ID]; ok {
		sev = o
	}
	f := Finding{Rule: l.rule.ID, Severity: sev, Machine: l.name, Path: path, Message: msg, Hint: hint}
	if s != nil {
		if ignored(s.Comment, l.rule.ID) {
			return
		}
		f.State = s.Name
		if f.Path == "" {
			f.Path = s.Path
		}
	}
	l.out = append(l.out, f)
}

func (l *linter) sort() {
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Rule < b.Rule
	})
}

// states visits every state of the machine, nested ones included.
func (l *linter) states(fn func(*asl.State)) { l.def.Walk(fn) }

// reportProblems reports the problems asl.Parse recorded under the current
// rule.
func (l *linter) reportProblems() {
	l.states(func(s *asl.State) {
		for _, p := range s.Problems {
			if p.Rule == l.rule.ID {
				l.report(s, p.Path, p.Message, p.Hint)
			}
		}
	})
}

// templates calls fn for every parsed template of a state, its catchers'
// and its choice rules' included, with the template's JSON path.
func (l *linter) templates(s *asl.State, fn func(path string, t *asl.Template)) {
	for _, k := range sortedKeys(s.Templates) {
		fn(fieldPath(s, k), s.Templates[k])
	}
	for i, c := range s.Catch {
		for k, t := range map[string]*asl.Template{"Assign": c.Assign, "Output": c.Output} {
			if t != nil {
				fn(fieldPath(s, fmt.Sprintf("Catch[%d]", i), k), t)
			}
		}
	}
	for i, c := range s.Choices {
		for k, t := range map[string]*asl.Template{"Condition": c.Condition, "Assign": c.Assign, "Output": c.Output} {
			if t != nil {
				fn(fieldPath(s, fmt.Sprintf("Choices[%d]", i), k), t)
			}
		}
	}
}
