package asllint

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

var stateTypes = []string{asl.TypePass, asl.TypeTask, asl.TypeChoice, asl.TypeWait, asl.TypeSucceed, asl.TypeFail, asl.TypeParallel, asl.TypeMap}

func isInt(f float64) bool { return f == math.Trunc(f) && !math.IsInf(f, 0) }

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func fieldPath(s *asl.State, parts ...string) string {
	p := s.Path
	for _, x := range parts {
		if strings.HasPrefix(x, "[") {
			p += x
		} else {
			p += "." + x
		}
	}
	return p
}

func defPath(d *asl.Definition, field string) string {
	if d.Path == "" {
		return field
	}
	return d.Path + "." + field
}

func checkDefinitionJSON(l *linter) {
	for _, p := range l.def.DuplicateKeys {
		l.report(nil, p, "duplicate key "+p+": JSON parsers keep only one of the values", "remove or rename the duplicate key")
	}
}

func checkMachineFields(l *linter) {
	for _, d := range l.def.Definitions() {
		allowed := map[string]bool{"Comment": true, "StartAt": true, "States": true}
		what := "a branch"
		if d.Parent == nil {
			what = "the state machine"
			for _, k := range []string{"Version", "TimeoutSeconds", "QueryLanguage"} {
				allowed[k] = true
			}
		} else if d.Parent.Type == asl.TypeMap {
			what = "an ItemProcessor"
			allowed["ProcessorConfig"] = true
		}
		raw := d.Raw
		owner := d.Parent
		keys := sortedKeys(raw)
		for _, k := range keys {
			if !allowed[k] {
				l.report(owner, defPath(d, k), fmt.Sprintf("unknown field %q in %s", k, what), "remove it; allowed: "+strings.Join(sortedKeys(boolKeys(allowed)), ", "))
			}
		}
		if v, ok := raw["StartAt"]; !ok {
			l.report(owner, defPath(d, "StartAt"), what+" has no StartAt", `add "StartAt": "<first state>"`)
		} else if _, ok := v.(string); !ok {
			l.report(owner, defPath(d, "StartAt"), "StartAt must be a string", "name the first state")
		}
		if v, ok := raw["States"]; !ok {
			l.report(owner, defPath(d, "States"), what+" has no States", `add a "States" object`)
		} else if m, ok := v.(map[string]any); !ok {
			l.report(owner, defPath(d, "States"), "States must be an object of named states", `make "States" an object`)
		} else {
			if len(m) == 0 {
				l.report(owner, defPath(d, "States"), "States is empty", "add at least one state")
			}
			for _, name := range sortedKeys(m) {
				if _, ok := m[name].(map[string]any); !ok {
					l.report(owner, defPath(d, "States."+name), fmt.Sprintf("state %q is not a JSON object", name), "make each state an object with a Type")
				}
			}
		}
		if d.Parent == nil {
			if v, ok := raw["Version"]; ok {
				if _, ok := v.(string); !ok {
					l.report(nil, "Version", "Version must be a string", `use "Version": "1.0"`)
				}
			}
			if v, ok := raw["TimeoutSeconds"]; ok {
				f, ok := v.(float64)
				if !ok || !isInt(f) || f < 1 || f > 99999999 {
					l.report(nil, "TimeoutSeconds", "TimeoutSeconds must be a positive integer below 99999999", "set a whole number of seconds")
				}
			}
		}
	}
}

func checkStartAt(l *linter) {
	for _, d := range l.def.Definitions() {
		if d.StartAt == "" {
			continue
		}
		if _, ok := d.States[d.StartAt]; !ok {
			l.report(d.Parent, defPath(d, "StartAt"), fmt.Sprintf("StartAt %q is not a state of this States object", d.StartAt), "point StartAt at one of: "+strings.Join(d.Order, ", "))
		}
	}
}

func checkStateType(l *linter) {
	l.states(func(s *asl.State) {
		if len(s.Raw) == 0 {
			return // not an object; machine-fields reports it
		}
		v, ok := s.Raw["Type"]
		if !ok {
			l.report(s, fieldPath(s, "Type"), "state has no Type", "add a Type: "+strings.Join(stateTypes, ", "))
			return
		}
		t, _ := v.(string)
		for _, x := range stateTypes {
			if t == x {
				return
			}
		}
		l.report(s, fieldPath(s, "Type"), fmt.Sprintf("unknown state Type %v", quoteAny(v)), "use one of: "+strings.Join(stateTypes, ", "))
	})
}

func checkStateName(l *linter) {
	seen := map[string]string{}
	l.states(func(s *asl.State) {
		if n := utf8.RuneCountInString(s.Name); n > 80 {
			l.report(s, s.Path, fmt.Sprintf("state name is %d characters long; the limit is 80", n), "shorten the name")
		}
		if first, ok := seen[s.Name]; ok {
			l.report(s, s.Path, fmt.Sprintf("state name %q is also used at %s; names must be unique across the whole machine", s.Name, first), "rename one of the states")
			return
		}
		seen[s.Name] = s.Path
	})
}

func checkNextTarget(l *linter) {
	all := map[string]bool{}
	l.states(func(s *asl.State) { all[s.Name] = true })
	check := func(s *asl.State, target, path string) {
		if target == "" {
			return
		}
		if _, ok := s.Parent.States[target]; ok {
			return
		}
		msg := fmt.Sprintf("transition to %q, which is not a state of this States object", target)
		if all[target] {
			msg = fmt.Sprintf("transition to %q crosses a Parallel branch or Map ItemProcessor boundary", target)
		}
		l.report(s, path, msg, "target a state in the same States object")
	}
	l.states(func(s *asl.State) {
		check(s, s.Next, fieldPath(s, "Next"))
		check(s, s.Default, fieldPath(s, "Default"))
		for i, c := range s.Choices {
			check(s, c.Next, fieldPath(s, fmt.Sprintf("Choices[%d]", i), "Next"))
		}
		for i, c := range s.Catch {
			check(s, c.Next, fieldPath(s, fmt.Sprintf("Catch[%d]", i), "Next"))
		}
	})
}

func checkNextEnd(l *linter) {
	l.states(func(s *asl.State) {
		hasNext := has(s.Raw, "Next")
		end := s.Raw["End"] == true
		switch s.Type {
		case asl.TypePass, asl.TypeTask, asl.TypeWait, asl.TypeParallel, asl.TypeMap:
			if hasNext && end {
				l.report(s, s.Path, "state has both Next and End: true", `keep either "Next" or "End": true`)
			} else if !hasNext && !end {
				l.report(s, s.Path, "state has neither Next nor End: true", `add "Next": "<state>" or "End": true`)
			}
		case asl.TypeChoice, asl.TypeSucceed, asl.TypeFail:
			for _, k := range []string{"Next", "End"} {
				if has(s.Raw, k) {
					l.report(s, fieldPath(s, k), fmt.Sprintf("a %s state must not have %s", s.Type, k), "remove "+k)
				}
			}
		}
	})
}

func checkTerminalState(l *linter) {
	for _, d := range l.def.Definitions() {
		if len(d.Order) == 0 {
			continue
		}
		found := false
		for _, n := range d.Order {
			found = found || d.States[n].IsTerminal()
		}
		if !found {
			l.report(d.Parent, defPath(d, "States"), "no terminal state (Succeed, Fail or End: true) in this States object", "end the flow with a Succeed or Fail state or End: true")
		}
	}
}

func checkChoiceRules(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeChoice {
			return
		}
		arr, ok := s.Raw["Choices"].([]any)
		if !ok || len(arr) == 0 {
			l.report(s, fieldPath(s, "Choices"), "a Choice state needs a non-empty Choices array", "add at least one choice rule")
			return
		}
		for i, x := range arr {
			if _, ok := x.(map[string]any); !ok {
				l.report(s, fieldPath(s, fmt.Sprintf("Choices[%d]", i)), "a choice rule must be an object", "write the rule as an object")
			}
		}
	})
	l.reportProblems()
}

// validTimestamp checks the RFC 3339 profile the spec requires: uppercase T
// and an uppercase Z or a numeric offset.
func validTimestamp(t string) bool {
	_, ok := asl.ParseTimestamp(t)
	return ok
}

func checkChoiceDefault(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeChoice || has(s.Raw, "Default") || len(s.Choices) == 0 || exhaustive(s) {
			return
		}
		l.report(s, s.Path, "Choice state has no Default: an input no rule matches fails the execution with States.NoChoiceMatched", `add "Default": "<state>" (or a final catch-all rule)`)
	})
}

// exhaustive recognises rule sets that visibly match every input: a JSONata
// Condition of true, or a test and its negation on the same Variable.
func exhaustive(s *asl.State) bool {
	seen := map[string]bool{}
	for _, c := range s.Choices {
		switch cond := c.Raw["Condition"].(type) {
		case bool:
			if cond {
				return true
			}
		case string:
			if strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(cond, "{%"), "%}")) == "true" {
				return true
			}
		}
		for _, op := range []string{"IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp", "BooleanEquals"} {
			if b, ok := c.Raw[op].(bool); ok {
				v, _ := c.Raw["Variable"].(string)
				key := v + "|" + op
				if seen[fmt.Sprintf("%s|%v", key, !b)] {
					return true
				}
				seen[fmt.Sprintf("%s|%v", key, b)] = true
			}
		}
	}
	return false
}

func checkFailFields(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeFail {
			return
		}
		for _, pair := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
			if has(s.Raw, pair[0]) && has(s.Raw, pair[1]) {
				l.report(s, fieldPath(s, pair[1]), fmt.Sprintf("a Fail state must not have both %s and %s", pair[0], pair[1]), "keep the static or the dynamic one")
			}
		}
	})
}

var retrierFields = map[string]bool{"ErrorEquals": true, "IntervalSeconds": true, "MaxAttempts": true, "BackoffRate": true,
	"MaxDelaySeconds": true, "JitterStrategy": true, "Comment": true}

func errorEqualsProblem(v any, ok bool) string {
	if !ok {
		return "ErrorEquals is required"
	}
	arr, isArr := v.([]any)
	if !isArr || len(arr) == 0 {
		return "ErrorEquals must be a non-empty array of error names"
	}
	for _, x := range arr {
		if s, ok := x.(string); !ok || s == "" {
			return "ErrorEquals must hold only non-empty strings"
		}
	}
	return ""
}

func checkRetryFields(l *linter) {
	l.states(func(s *asl.State) {
		arr, ok := s.Raw["Retry"].([]any)
		if !ok {
			return
		}
		for i, x := range arr {
			p := fieldPath(s, fmt.Sprintf("Retry[%d]", i))
			o, ok := x.(map[string]any)
			if !ok {
				l.report(s, p, "a retrier must be an object", "write the retrier as an object")
				continue
			}
			for _, k := range sortedKeys(o) {
				if !retrierFields[k] {
					l.report(s, p+"."+k, fmt.Sprintf("unknown retrier field %q", k), "allowed: ErrorEquals, IntervalSeconds, MaxAttempts, BackoffRate, MaxDelaySeconds, JitterStrategy, Comment")
				}
			}
			ee, ok := o["ErrorEquals"]
			if msg := errorEqualsProblem(ee, ok); msg != "" {
				l.report(s, p+".ErrorEquals", msg, `list error names, e.g. ["States.Timeout"]`)
			}
			intRange := func(k string, min, max float64, desc string) {
				v, ok := o[k]
				if !ok {
					return
				}
				f, isNum := v.(float64)
				if !isNum || !isInt(f) || f < min || f > max {
					l.report(s, p+"."+k, fmt.Sprintf("%s must be %s, got %s", k, desc, quoteAny(v)), "use a whole number in range")
				}
			}
			intRange("IntervalSeconds", 1, 99999999, "an integer >= 1")
			intRange("MaxAttempts", 0, 99999998, "an integer from 0 to 99999998")
			intRange("MaxDelaySeconds", 1, 31622400, "an integer from 1 to 31622400")
			if v, ok := o["BackoffRate"]; ok {
				if f, isNum := v.(float64); !isNum || f < 1 {
					l.report(s, p+".BackoffRate", fmt.Sprintf("BackoffRate must be a number >= 1.0, got %s", quoteAny(v)), "use 1.0 for a constant interval, 2.0 to double")
				}
			}
			if v, ok := o["JitterStrategy"]; ok && v != "FULL" && v != "NONE" {
				l.report(s, p+".JitterStrategy", fmt.Sprintf("JitterStrategy must be FULL or NONE, got %s", quoteAny(v)), `use "FULL" to spread retries`)
			}
		}
	})
}

func checkCatchFields(l *linter) {
	l.states(func(s *asl.State) {
		arr, ok := s.Raw["Catch"].([]any)
		if !ok {
			return
		}
		for i, x := range arr {
			p := fieldPath(s, fmt.Sprintf("Catch[%d]", i))
			o, ok := x.(map[string]any)
			if !ok {
				l.report(s, p, "a catcher must be an object", "write the catcher as an object")
				continue
			}
			allowed := map[string]bool{"ErrorEquals": true, "Next": true, "Comment": true, "Assign": true}
			if s.QueryLanguage == asl.JSONata {
				allowed["Output"] = true
			} else {
				allowed["ResultPath"] = true
			}
			for _, k := range sortedKeys(o) {
				if !allowed[k] {
					l.report(s, p+"."+k, fmt.Sprintf("field %q is not allowed in a %s catcher", k, s.QueryLanguage), "allowed: "+strings.Join(sortedKeys(boolKeys(allowed)), ", "))
				}
			}
			ee, ok := o["ErrorEquals"]
			if msg := errorEqualsProblem(ee, ok); msg != "" {
				l.report(s, p+".ErrorEquals", msg, `list error names, e.g. ["States.ALL"]`)
			}
			if n, ok := o["Next"].(string); !ok || n == "" {
				l.report(s, p+".Next", "a catcher needs a Next state", `add "Next": "<fallback state>"`)
			}
		}
	})
}

func checkStatesAllLast(l *linter) {
	l.states(func(s *asl.State) {
		for _, field := range []string{"Retry", "Catch"} {
			arr, _ := s.Raw[field].([]any)
			for i, x := range arr {
				o, _ := x.(map[string]any)
				names := strArr(o["ErrorEquals"])
				for _, n := range names {
					if n != "States.ALL" {
						continue
					}
					if len(names) != 1 || i != len(arr)-1 {
						l.report(s, fieldPath(s, fmt.Sprintf("%s[%d]", field, i), "ErrorEquals"), "States.ALL must appear alone, in the last "+map[string]string{"Retry": "retrier", "Catch": "catcher"}[field], "move States.ALL into its own last element")
					}
				}
			}
		}
	})
}

func strArr(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func boolKeys(m map[string]bool) map[string]bool { return m }

func quoteAny(v any) string { return asl.Describe(v) }
