package asllint

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// Workflow variables (Assign) and the JSONata $states variable.

// statesMembers are the members of $states.
var statesMembers = []string{"input", "result", "errorOutput", "context"}

// checkStatesReference reports $states members read where Step Functions
// does not provide them: $states.result exists only in the Output and
// Assign of a Task, Parallel or Map state (its result, when it succeeded),
// $states.errorOutput only in a catcher's Output and Assign.
func checkStatesReference(l *linter) {
	l.states(func(s *asl.State) {
		if s.QueryLanguage != asl.JSONata {
			return
		}
		hasResult := s.Type == asl.TypeTask || s.Type == asl.TypeParallel || s.Type == asl.TypeMap
		check := func(path string, t *asl.Template, result, errorOutput bool) {
			t.Expressions(func(e *asl.Expression) {
				for _, m := range e.States {
					var problem string
					switch m {
					case "", "input", "context":
					case "result":
						if !result {
							problem = "$states.result exists only in the Output and Assign of a Task, Parallel or Map state"
						}
					case "errorOutput":
						if !errorOutput {
							problem = "$states.errorOutput exists only in a catcher's Output and Assign"
						}
					default:
						problem = fmt.Sprintf("$states has no member %q (it has %s)", m, strings.Join(statesMembers, ", "))
					}
					if problem != "" {
						l.report(s, path, fmt.Sprintf("%s: {%%%s%%} reads it", problem, e.Source), "read $states.input or $states.context here, or move the expression to a field that has the member")
					}
				}
			})
		}
		for _, k := range sortedKeys(s.Templates) {
			check(fieldPath(s, k), s.Templates[k], hasResult && (k == "Output" || k == "Assign"), false)
		}
		for i, c := range s.Catch {
			for k, t := range map[string]*asl.Template{"Output": c.Output, "Assign": c.Assign} {
				if t != nil {
					check(fieldPath(s, fmt.Sprintf("Catch[%d]", i), k), t, false, true)
				}
			}
		}
		for i, c := range s.Choices {
			for k, t := range map[string]*asl.Template{"Condition": c.Condition, "Output": c.Output, "Assign": c.Assign} {
				if t != nil {
					check(fieldPath(s, fmt.Sprintf("Choices[%d]", i), k), t, false, false)
				}
			}
		}
	})
}

// assignedNames returns the variable names an Assign field sets (".$"
// stripped in JSONPath states).
func assignedNames(raw any) []string {
	m, _ := raw.(map[string]any)
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, strings.TrimSuffix(k, ".$"))
	}
	sort.Strings(out)
	return out
}

// stateVars is what one state does with variables.
type stateVars struct {
	reads, guarded []string
	// assigns are the names the state's own Assign sets (on success);
	// byEdge the names set on the way to each transition target: a
	// catcher's or a Choice rule's Assign instead of the state's.
	assigns []string
	byEdge  map[string][][]string
}

func variablesOf(s *asl.State) stateVars {
	v := stateVars{byEdge: map[string][][]string{}}
	reads, guarded := map[string]bool{}, map[string]bool{}
	add := func(t *asl.Template) {
		if t == nil {
			return
		}
		for _, n := range t.Variables() {
			reads[n] = true
		}
		for _, n := range t.GuardedVariables() {
			guarded[n] = true
		}
	}
	for _, t := range s.Templates {
		add(t)
	}
	for _, p := range s.Paths {
		if p.Variable != "" {
			reads[p.Variable] = true
		}
	}
	for _, c := range s.Catch {
		add(c.Output)
		add(c.Assign)
		v.byEdge[c.Next] = append(v.byEdge[c.Next], assignedNames(c.Raw["Assign"]))
	}
	v.assigns = assignedNames(s.Raw["Assign"])
	for _, c := range s.Choices {
		add(c.Condition)
		add(c.Output)
		add(c.Assign)
		conditionVars(c.Rule, reads)
		names := v.assigns
		if _, ok := c.Raw["Assign"]; ok {
			names = assignedNames(c.Raw["Assign"])
		}
		v.byEdge[c.Next] = append(v.byEdge[c.Next], names)
	}
	if s.Default != "" {
		v.byEdge[s.Default] = append(v.byEdge[s.Default], v.assigns)
	}
	if s.Next != "" {
		v.byEdge[s.Next] = append(v.byEdge[s.Next], v.assigns)
	}
	for n := range reads {
		delete(guarded, n)
	}
	v.reads, v.guarded = sortedKeys(reads), sortedKeys(guarded)
	return v
}

// conditionVars adds the variables a JSONPath Choice rule reads.
func conditionVars(c *asl.Condition, into map[string]bool) {
	if c == nil {
		return
	}
	for _, p := range []*asl.Path{c.Variable, c.ValuePath} {
		if p != nil && p.Variable != "" {
			into[p.Variable] = true
		}
	}
	for _, r := range c.Rules {
		conditionVars(r, into)
	}
	conditionVars(c.Not, into)
}

// varFlow is the variable analysis of a whole machine.
type varFlow struct {
	vars map[*asl.State]stateVars
	// assignedIn maps a variable to the definitions (scopes) that assign
	// it.
	assignedIn map[string][]*asl.Definition
	read       map[string]bool
	// before holds, for each reachable state, the variables assigned on
	// every path from the machine's start to it.
	before map[*asl.State]map[string]bool
	// opaque is true when some Assign is one JSONata expression, whose
	// variable names cannot be known without running it; the variable
	// rules then stay silent.
	opaque bool
}

func analyseVariables(def *asl.Definition) *varFlow {
	f := &varFlow{vars: map[*asl.State]stateVars{}, assignedIn: map[string][]*asl.Definition{}, read: map[string]bool{}, before: map[*asl.State]map[string]bool{}}
	def.Walk(func(s *asl.State) {
		for _, a := range assignSites(s) {
			if _, isObject := a.raw.(map[string]any); !isObject {
				f.opaque = true
			}
		}
		v := variablesOf(s)
		f.vars[s] = v
		for _, n := range append(append([]string(nil), v.reads...), v.guarded...) {
			f.read[n] = true
		}
		seen := map[string]bool{}
		for _, n := range v.assigns {
			seen[n] = true
		}
		for _, edges := range v.byEdge {
			for _, names := range edges {
				for _, n := range names {
					seen[n] = true
				}
			}
		}
		for n := range seen {
			f.assignedIn[n] = append(f.assignedIn[n], s.Parent)
		}
	})
	f.flow(def, map[string]bool{})
	return f
}

// flow computes, for the states of d, the variables assigned on every
// path from d's StartAt, given those assigned on entering d.
func (f *varFlow) flow(d *asl.Definition, entry map[string]bool) {
	start, ok := d.States[d.StartAt]
	if !ok {
		return
	}
	seen := reachable(d)
	// Must-analysis: start from "everything" and intersect along edges
	// until nothing changes.
	in := map[*asl.State]map[string]bool{}
	for _, n := range d.Order {
		if seen[n] && d.States[n] != start {
			in[d.States[n]] = nil // nil means "every variable" (not yet reached)
		}
	}
	in[start] = copySet(entry)
	for changed := true; changed; {
		changed = false
		for _, n := range d.Order {
			s := d.States[n]
			cur, ok := in[s]
			if !ok || cur == nil && s != start {
				continue
			}
			for target, edges := range f.vars[s].byEdge {
				t, ok := d.States[target]
				if !ok {
					continue
				}
				for _, names := range edges {
					out := copySet(cur)
					for _, x := range names {
						out[x] = true
					}
					if prev := in[t]; prev == nil {
						in[t] = out
						changed = true
					} else if next := intersect(prev, out); len(next) != len(prev) {
						in[t] = next
						changed = true
					}
				}
			}
		}
	}
	for s, set := range in {
		if set == nil {
			continue
		}
		f.before[s] = set
		for _, b := range s.Branches {
			f.flow(b, set)
		}
		if s.ItemProcessor != nil {
			f.flow(s.ItemProcessor, set)
		}
	}
}

func copySet(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func intersect(a, b map[string]bool) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		if b[k] {
			out[k] = true
		}
	}
	return out
}

// within reports whether definition d is inner (or equal) to outer.
func within(d, outer *asl.Definition) bool {
	for ; d != nil; d = parentDefinition(d) {
		if d == outer {
			return true
		}
	}
	return false
}

func parentDefinition(d *asl.Definition) *asl.Definition {
	if d.Parent == nil {
		return nil
	}
	return d.Parent.Parent
}

// visibleAssignment reports whether a state in d can read a variable
// assigned in scope a: a is d or a scope around it.
func visibleAssignment(d, a *asl.Definition) bool { return within(d, a) }

// checkVariableUndefined reports variables read on some path before any
// state assigns them (or never assigned at all): Step Functions fails such
// a read with States.QueryEvaluationError (JSONata) or States.Runtime
// (JSONPath). Reads inside $exists(...) are how an expression tests for an
// unassigned variable and are not reported.
func checkVariableUndefined(l *linter) {
	f := l.variables()
	if f.opaque {
		return
	}
	l.states(func(s *asl.State) {
		before, reachable := f.before[s]
		if !reachable {
			return
		}
		for _, n := range f.vars[s].reads {
			if before[n] {
				continue
			}
			scopes := f.assignedIn[n]
			visible := false
			for _, a := range scopes {
				visible = visible || visibleAssignment(s.Parent, a)
			}
			switch {
			case len(scopes) == 0:
				l.report(s, s.Path, fmt.Sprintf("variable $%s is read but no state assigns it", n), "assign it with Assign in an earlier state, or test it with $exists")
			case visible:
				l.report(s, s.Path, fmt.Sprintf("variable $%s is read before any state assigns it on some path from the start", n), "assign it on every path to this state, or test it with $exists")
			}
		}
	})
}

// checkVariableScope reports variables that cross Parallel and Map
// scopes the way Step Functions forbids: a variable assigned only inside a
// branch or iteration and read outside it (it goes out of scope when the
// branch or iteration completes), and an inner scope assigning a variable
// of an outer scope (inner scopes may read outer variables, not assign
// them).
func checkVariableScope(l *linter) {
	f := l.variables()
	if f.opaque {
		return
	}
	l.states(func(s *asl.State) {
		for _, n := range f.vars[s].reads {
			scopes := f.assignedIn[n]
			visible := false
			for _, a := range scopes {
				visible = visible || visibleAssignment(s.Parent, a)
			}
			if len(scopes) > 0 && !visible {
				l.report(s, s.Path, fmt.Sprintf("variable $%s is assigned only inside %s and is out of scope here", n, scopeName(scopes[0])), "return the value in the branch's or iteration's Output and read it from $states.result")
			}
		}
		for _, site := range assignSites(s) {
			for _, n := range assignedNames(site.raw) {
				for _, a := range f.assignedIn[n] {
					if a != s.Parent && within(s.Parent, a) {
						l.report(s, site.path, fmt.Sprintf("variable $%s belongs to an outer scope (%s); a Parallel branch or Map iteration cannot assign it", n, scopeName(a)), "give the inner variable another name, or assign the outer one after the Parallel or Map state")
						break
					}
				}
			}
		}
	})
}

func scopeName(d *asl.Definition) string {
	switch {
	case d.Parent == nil:
		return "the top level"
	case d.Parent.Type == asl.TypeMap:
		return fmt.Sprintf("the iterations of Map state %q", d.Parent.Name)
	}
	return fmt.Sprintf("a branch of Parallel state %q", d.Parent.Name)
}

// checkVariableUnused reports variables assigned and never read.
func checkVariableUnused(l *linter) {
	f := l.variables()
	if f.opaque {
		return
	}
	l.states(func(s *asl.State) {
		for _, a := range assignSites(s) {
			for _, n := range assignedNames(a.raw) {
				if !f.read[n] && n != "states" && isIdentifier(n) { // variable-name reports the others
					l.report(s, a.path, fmt.Sprintf("variable $%s is assigned but never read", n), "remove the assignment, or read the variable where it is needed")
				}
			}
		}
	})
}

type assignSite struct {
	path string
	raw  any
}

// assignSites lists the Assign fields of a state, its catchers' and its
// Choice rules'.
func assignSites(s *asl.State) []assignSite {
	var out []assignSite
	if v, ok := s.Raw["Assign"]; ok {
		out = append(out, assignSite{fieldPath(s, "Assign"), v})
	}
	for i, c := range s.Catch {
		if v, ok := c.Raw["Assign"]; ok {
			out = append(out, assignSite{fieldPath(s, fmt.Sprintf("Catch[%d]", i), "Assign"), v})
		}
	}
	for i, c := range s.Choices {
		if v, ok := c.Raw["Assign"]; ok {
			out = append(out, assignSite{fieldPath(s, fmt.Sprintf("Choices[%d]", i), "Assign"), v})
		}
	}
	return out
}

// checkVariableName reports variable names Step Functions rejects: the
// reserved name states, and names that are not identifiers or are longer
// than 80 characters.
func checkVariableName(l *linter) {
	l.states(func(s *asl.State) {
		for _, a := range assignSites(s) {
			for _, n := range assignedNames(a.raw) {
				path := a.path
				switch {
				case n == "states":
					l.report(s, path, "$states is reserved by Step Functions and cannot be assigned", "rename the variable")
				case n == "" || !isIdentifier(n):
					l.report(s, path, fmt.Sprintf("variable name %q is not an identifier (a letter or _ then letters, digits or _)", n), "rename the variable")
				case utf8.RuneCountInString(n) > 80:
					l.report(s, path, fmt.Sprintf("variable name %q is longer than 80 characters", n), "shorten the name")
				}
			}
		}
	})
}

func isIdentifier(s string) bool {
	p, err := asl.ParsePath("$" + s)
	return err == nil && p.Variable == s
}
