package asllint

import (
	"fmt"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// LambdaServiceErrors are the Lambda service exceptions AWS recommends every
// Lambda Task retries.
var LambdaServiceErrors = []string{"Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"}

// PredefinedErrors are the States.* error names Step Functions defines.
var PredefinedErrors = []string{"States.ALL", "States.HeartbeatTimeout", "States.Timeout", "States.TaskFailed", "States.Permissions",
	"States.ResultPathMatchFailure", "States.ParameterPathFailure", "States.QueryEvaluationError", "States.BranchFailed",
	"States.NoChoiceMatched", "States.IntrinsicFailure", "States.ExceedToleratedFailureThreshold", "States.ItemReaderFailed",
	"States.ResultWriterFailed", "States.Runtime", "States.DataLimitExceeded"}

func checkExpressIntegration(l *linter) {
	if l.opts.MachineType != Express {
		return
	}
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeTask {
			return
		}
		r := s.Resource
		switch {
		case strings.HasSuffix(r, ".sync") || strings.Contains(r, ".sync:"):
			l.report(s, fieldPath(s, "Resource"), fmt.Sprintf("EXPRESS workflows do not support the Run a Job (.sync) pattern: %s", r), "call the request-response form, or make the workflow STANDARD")
		case strings.HasSuffix(r, ".waitForTaskToken"):
			l.report(s, fieldPath(s, "Resource"), fmt.Sprintf("EXPRESS workflows do not support the Wait for Callback (.waitForTaskToken) pattern: %s", r), "use the request-response form, or make the workflow STANDARD")
		case strings.Contains(r, ":activity:"):
			l.report(s, fieldPath(s, "Resource"), fmt.Sprintf("EXPRESS workflows do not support activities: %s", r), "invoke a Lambda function or service integration instead")
		}
	})
}

func checkSyncBudget(l *linter) {
	if l.opts.MachineType != Express || !l.opts.Synchronous {
		return
	}
	b := Bound(l.def)
	budget := l.opts.budget()
	if !b.Bounded {
		l.report(nil, "", fmt.Sprintf("the worst-case duration of this synchronous workflow is unbounded: %s (budget %gs)", b.Reason, budget), "give every Task a TimeoutSeconds, bound loops and Waits, or set a top-level TimeoutSeconds <= the budget")
		return
	}
	if b.Seconds > budget {
		l.report(nil, "", fmt.Sprintf("worst-case duration %gs exceeds the %gs budget of a synchronous workflow (worst path: %s)", round(b.Seconds), budget, strings.Join(b.Path, " -> ")), "lower TimeoutSeconds, MaxAttempts or IntervalSeconds on that path, or set MaxDelaySeconds")
	}
}

func checkTaskTimeout(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type == asl.TypeTask && !has(s.Raw, "TimeoutSeconds") && !has(s.Raw, "TimeoutSecondsPath") {
			l.report(s, s.Path, "Task has no TimeoutSeconds: a hung call waits for the execution timeout", `add "TimeoutSeconds" a little above the function's own timeout`)
		}
	})
}

func checkRetryBounded(l *linter) {
	limit := l.opts.maxAttempts()
	l.states(func(s *asl.State) {
		for i, r := range s.Retry {
			p := fieldPath(s, fmt.Sprintf("Retry[%d]", i))
			if r.MaxAttempts == nil {
				l.reportSev(Warning, s, p, "retrier leaves MaxAttempts to the default (3)", `state "MaxAttempts" explicitly`)
				continue
			}
			if *r.MaxAttempts > float64(limit) {
				l.report(s, p+".MaxAttempts", fmt.Sprintf("MaxAttempts %g is above the cap of %d retries", *r.MaxAttempts, limit), "lower MaxAttempts; retrying longer rarely helps a caller")
			}
		}
	})
}

func retries(s *asl.State, name string) bool {
	for _, r := range s.Retry {
		if r.Attempts() <= 0 {
			continue
		}
		for _, e := range r.ErrorEquals {
			if e == name || e == "States.ALL" || e == "States.TaskFailed" {
				return true
			}
		}
	}
	return false
}

func checkLambdaRetry(l *linter) {
	l.states(func(s *asl.State) {
		if !s.IsLambda() {
			return
		}
		var missing []string
		for _, e := range LambdaServiceErrors {
			if !retries(s, e) {
				missing = append(missing, e)
			}
		}
		if len(missing) > 0 {
			l.report(s, fieldPath(s, "Retry"), "Lambda Task does not retry "+strings.Join(missing, ", "), "add a retrier for the four Lambda service exceptions (MaxAttempts >= 1)")
		}
	})
}

func hasCatchAll(s *asl.State) bool {
	for _, c := range s.Catch {
		for _, e := range c.ErrorEquals {
			if e == "States.ALL" {
				return true
			}
		}
	}
	return false
}

func checkCatchAll(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeTask || hasCatchAll(s) {
			return
		}
		for p := s.Parent.Parent; p != nil; p = p.Parent.Parent {
			if hasCatchAll(p) {
				return
			}
		}
		l.report(s, fieldPath(s, "Catch"), "Task can fail with an error no catcher handles (no States.ALL catcher here or on an enclosing Parallel/Map)", `add a last catcher {"ErrorEquals": ["States.ALL"], "Next": "<fallback>"} or opt out with "asllint:ignore catch-all <reason>" in the Comment`)
	})
}

func checkErrorName(l *linter) {
	declared := map[string]bool{}
	for _, e := range l.opts.DeclaredErrors {
		declared[e] = true
	}
	check := func(s *asl.State, path, name string) {
		if strings.HasPrefix(name, "States.") && !contains(PredefinedErrors, name) {
			l.report(s, path, fmt.Sprintf("%q is not a Step Functions error name", name), suggest(name, PredefinedErrors))
			return
		}
		if len(declared) > 0 && !declared[name] {
			l.report(s, path, fmt.Sprintf("error name %q is not declared", name), suggest(name, l.opts.DeclaredErrors))
		}
	}
	l.states(func(s *asl.State) {
		for i, r := range s.Retry {
			for j, e := range r.ErrorEquals {
				check(s, fieldPath(s, fmt.Sprintf("Retry[%d]", i), fmt.Sprintf("ErrorEquals[%d]", j)), e)
			}
		}
		for i, c := range s.Catch {
			for j, e := range c.ErrorEquals {
				check(s, fieldPath(s, fmt.Sprintf("Catch[%d]", i), fmt.Sprintf("ErrorEquals[%d]", j)), e)
			}
		}
		if s.Type == asl.TypeFail && s.Error != "" && !asl.IsJSONataString(s.Error) {
			check(s, fieldPath(s, "Error"), s.Error)
		}
	})
}

// suggest names the closest known name, for typos like Payment.Invlid.
func suggest(name string, known []string) string {
	best, bestD := "", 1<<30
	for _, k := range known {
		if d := levenshtein(name, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" && bestD <= 3 {
		return fmt.Sprintf("did you mean %q?", best)
	}
	return "use a declared error name (tasks/errorname) or declare the new one there"
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// matchedBy reports whether an earlier handler's names already catch name.
func matchedBy(earlier map[string]bool, name string) bool {
	if earlier[name] || earlier["States.ALL"] {
		return true
	}
	timeout := name == "States.Timeout" || name == "States.HeartbeatTimeout" || name == "States.ALL"
	return earlier["States.TaskFailed"] && !timeout
}

func checkHandlerShadowed(l *linter) {
	l.states(func(s *asl.State) {
		check := func(field string, lists [][]string) {
			earlier := map[string]bool{}
			for i, names := range lists {
				if len(names) > 0 {
					all := true
					for _, n := range names {
						all = all && matchedBy(earlier, n)
					}
					if all {
						l.report(s, fieldPath(s, fmt.Sprintf("%s[%d]", field, i)), fmt.Sprintf("%s[%d] never runs: earlier elements already match %s", field, i, strings.Join(names, ", ")), "remove it or move it before the broader element")
					}
				}
				for _, n := range names {
					earlier[n] = true
				}
			}
		}
		var r, c [][]string
		for _, x := range s.Retry {
			r = append(r, x.ErrorEquals)
		}
		for _, x := range s.Catch {
			c = append(c, x.ErrorEquals)
		}
		check("Retry", r)
		check("Catch", c)
	})
}
