package aslrun

import (
	"github.com/resilientpay/paymentapi/workflows/asllint"
	"regexp"

	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewRejectsInvalidDefinitions(t *testing.T) {
	tests := []struct{ name, def, wantIn string }{
		{"text that is not JSON", `{`, "not a JSON object"},
		{"a missing StartAt", `{"States":{"S":{"Type":"Succeed"}}}`, "StartAt"},
		{"a StartAt naming no state", `{"StartAt":"X","States":{"S":{"Type":"Succeed"}}}`, "StartAt"},
		{"an unknown state type", oneState(`{"Type":"Sleep","End":true}`), "unknown state Type"},
		{"a Next naming no state", oneState(`{"Type":"Pass","Next":"Nowhere"}`), "Nowhere"},
		{"both Next and End", `{"StartAt":"S","States":{"S":{"Type":"Pass","Next":"S","End":true}}}`, "both Next and End"},
		{"neither Next nor End", oneState(`{"Type":"Pass"}`), "neither Next nor End"},
		{"a misspelt field", oneState(`{"Type":"Pass","Resutl":1,"End":true}`), "Resutl"},
		{"a field of another state type", oneState(`{"Type":"Pass","Retry":[],"End":true}`), "Retry"},
		{"States.ALL not alone", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL","E"]}],"End":true}`), "States.ALL"},
		{"States.ALL not in the last retrier", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["E"]}],"End":true}`), "States.ALL"},
		{"a BackoffRate below 1", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"BackoffRate":0.5}],"End":true}`), "BackoffRate"},
		{"a negative MaxAttempts", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"MaxAttempts":-1}],"End":true}`), "MaxAttempts"},
		{"a fractional IntervalSeconds", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":0.5}],"End":true}`), "IntervalSeconds"},
		{"an unknown JitterStrategy", oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"JitterStrategy":"HALF"}],"End":true}`), "JitterStrategy"},
		{"an empty ErrorEquals", oneState(`{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":[],"Next":"S"}],"End":true}`), "ErrorEquals"},
		{"a catcher naming no state", oneState(`{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["E"],"Next":"Nowhere"}],"End":true}`), "Nowhere"},
		{"a ResultPath that is not a reference path", oneState(`{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), "reference path"},
		{"a ResultPath into the context object", oneState(`{"Type":"Pass","ResultPath":"$$.Execution","End":true}`), "Context Object"},
		{"an invalid JSONPath", oneState(`{"Type":"Pass","InputPath":"$.a[?(","End":true}`), "not a valid path"},
		{"a path without $", oneState(`{"Type":"Pass","InputPath":"a.b","End":true}`), "must begin with"},
		{"a .$ field that is not a path", oneState(`{"Type":"Pass","Parameters":{"a.$":"hello"},"End":true}`), "neither a path"},
		{"a Choice rule without Next", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true}]}}}`, "needs a Next state"},
		{"a Choice rule with two operators", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"IsString":true,"Next":"C"}]}}}`, "it needs exactly one"},
		{"a comparison with the wrong literal type", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","NumericEquals":"1","Next":"C"}]}}}`, "takes a number"},
		{"an invalid timestamp literal", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","TimestampEquals":"yesterday","Next":"C"}]}}}`, "timestamp"},
		{"a bad StringMatches escape", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","StringMatches":"a\\b","Next":"C"}]}}}`, "escapes"},
		{"a Wait with two durations", oneState(`{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), "exactly one"},
		{"a Fail with Error and ErrorPath", oneState(`{"Type":"Fail","Error":"E","ErrorPath":"$.e"}`), "must not have both"},
		{"a HeartbeatSeconds not below TimeoutSeconds", oneState(`{"Type":"Task","Resource":"r","TimeoutSeconds":5,"HeartbeatSeconds":5,"End":true}`), "HeartbeatSeconds"},
		{"a branch with an error", oneState(`{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass"}}}],"End":true}`), "Branches[0].States.X"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New([]byte(tt.def), Options{Invoker: &scriptedInvoker{}})
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("New = %v, want a *DefinitionError", err)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not mention %q", err, tt.wantIn)
			}
		})
	}
}

func TestNewReportsUnsupportedFeatures(t *testing.T) {
	tests := []struct{ name, def string }{
		{"a distributed Map", oneState(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}`)},
		{"a Map ItemReader", oneState(`{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject"},"ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Succeed"}}},"End":true}`)},
		{"the callback pattern", oneState(`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New([]byte(tt.def), Options{Invoker: &scriptedInvoker{}})
			var ue *UnsupportedError
			if !errors.As(err, &ue) {
				t.Fatalf("New = %v, want an *UnsupportedError", err)
			}
		})
	}
}

func TestNewNeedsAnInvokerForTasks(t *testing.T) {
	if _, err := New([]byte(oneState(`{"Type":"Task","Resource":"r","End":true}`)), Options{}); err == nil {
		t.Error("New accepted a Task without an Invoker")
	}
}

func TestRunRejectsInputThatIsNotJSON(t *testing.T) {
	m := mustNew(t, oneState(`{"Type":"Succeed"}`), Options{})
	_, err := m.Run(context.Background(), "", json.RawMessage(`{"a":`))
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Errorf("Run = %v, want an *InputError", err)
	}
}

func TestExecutionTimeout(t *testing.T) {
	clock := newFakeClock()
	tests := []struct {
		name    string
		def     string
		opts    Options
		invoker Invoker
	}{
		{
			name: "the definition's TimeoutSeconds stops a long Wait",
			def:  `{"TimeoutSeconds":5,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}`,
		},
		{
			name: "the EXPRESS limit of five minutes stops a longer Wait",
			def:  `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":301,"End":true}}}`,
		},
		{
			name: "retries that would outlast the limit time out",
			def: `{"TimeoutSeconds":10,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
			  "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":4,"MaxAttempts":5}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Succeed"}}}`,
			invoker: alwaysFail("E"),
		},
		{
			name:    "a task still running at the limit times out, and Catch does not apply",
			def:     `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Succeed"}}}`,
			opts:    Options{ExecutionTimeout: 20 * time.Second, Clock: clock},
			invoker: hang(clock, 21*time.Second),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Invoker = tt.invoker
			exec := mustRun(t, mustNew(t, tt.def, tt.opts), `{}`)
			if exec.Status != TimedOut || exec.Error != ErrTimeout {
				t.Fatalf("got %s %s (%s), want TIMED_OUT States.Timeout", exec.Status, exec.Error, exec.Cause)
			}
			if last := exec.History[len(exec.History)-1]; last.Type != ExecutionTimedOut {
				t.Errorf("last event %s, want ExecutionTimedOut", last.Type)
			}
		})
	}
}

func TestCancellingTheContextAbortsTheExecution(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	inv := InvokerFunc(func(ctx context.Context, r string, in json.RawMessage) (json.RawMessage, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	m := mustNew(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Succeed"}}}`,
		Options{Invoker: inv, Clock: SystemClock{}})
	go func() {
		<-started
		cancel()
	}()
	exec, err := m.Run(ctx, "", json.RawMessage(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if exec.Status != Aborted {
		t.Errorf("status %s (%s), want ABORTED", exec.Status, exec.Error)
	}
	if last := exec.History[len(exec.History)-1]; last.Type != ExecutionAborted {
		t.Errorf("last event %s, want ExecutionAborted", last.Type)
	}
}

func TestSystemClockWaitsForReal(t *testing.T) {
	m := mustNew(t, oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":1}],"End":true}`),
		Options{Invoker: alwaysFail("E"), Clock: SystemClock{}})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	exec, _ := m.Run(ctx, "", nil)
	if exec.Status != Aborted {
		t.Errorf("status %s: the one-second backoff did not wait on the real clock", exec.Status)
	}
}

func TestExecutionIdentity(t *testing.T) {
	m := mustNew(t, oneState(`{"Type":"Pass","Parameters":{"id.$":"$$.Execution.Id","sm.$":"$$.StateMachine.Id","start.$":"$$.Execution.StartTime"},"End":true}`),
		Options{StateMachineARN: "arn:aws:states:eu-west-1:111122223333:stateMachine:Payments", NewUUID: func() string { return "u-1" }})
	exec := mustRun(t, m, `{}`)
	want := `{"id":"arn:aws:states:eu-west-1:111122223333:express:Payments:test-exec:u-1","sm":"arn:aws:states:eu-west-1:111122223333:stateMachine:Payments","start":"2026-11-25T12:00:00.000Z"}`
	if !jsonEq(t, exec.Output, want) {
		t.Errorf("output %s, want %s", exec.Output, want)
	}
	if exec.ExecutionARN != "arn:aws:states:eu-west-1:111122223333:express:Payments:test-exec:u-1" {
		t.Errorf("ExecutionARN %s", exec.ExecutionARN)
	}
	body, err := exec.SyncResponse()
	if err != nil {
		t.Fatal(err)
	}
	var resp map[string]any
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatal(err)
	}
	if resp["status"] != "SUCCEEDED" || resp["output"] != string(exec.Output) || resp["input"] != "{}" {
		t.Errorf("SyncResponse = %s", body)
	}
}

func TestFormatHistory(t *testing.T) {
	inv := &scriptedInvoker{script: map[string][]step2{"r": {{err: &TaskError{Name: "E", Cause: "c"}}, {out: `1`}}}}
	exec := mustRun(t, mustNew(t, oneState(`{"Type":"Task","Resource":"r","Retry":[{"ErrorEquals":["E"]}],"End":true}`), Options{Invoker: inv}), `{}`)
	var b strings.Builder
	if err := FormatHistory(&b, exec.History); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"TaskFailed", "error=E cause=c -> retry 1/3 (retrier 0) in 1s", "ExecutionSucceeded", "output=1"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if got := strings.Count(out, "\n"); got != len(exec.History) {
		t.Errorf("%d lines for %d events", got, len(exec.History))
	}
}

func TestRunRejectsInvalidExecutionNames(t *testing.T) {
	m := mustNew(t, oneState(`{"Type":"Succeed"}`), Options{})
	for _, name := range []string{"has space", "star*", "colon:", strings.Repeat("x", 81), "tab\t", "quote\""} {
		t.Run(name, func(t *testing.T) {
			_, err := m.Run(context.Background(), name, json.RawMessage(`{}`))
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Errorf("Run(%q) = %v, want an *InputError", name, err)
			}
		})
	}
	if _, err := m.Run(context.Background(), "req-123_ok.Name", json.RawMessage(`{}`)); err != nil {
		t.Errorf("a valid name was rejected: %v", err)
	}
}

// The rules New does not enforce must exist: a renamed linter rule would
// otherwise become enforced silently.
func TestLintOnlyNamesRegisteredLinterRules(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range asllint.Rules() {
		ids[r.ID] = true
	}
	for _, id := range lintOnly {
		if !ids[id] {
			t.Errorf("lintOnly names %q, which is not a linter rule", id)
		}
	}
}

// Every printable ASCII character is allowed in an execution name except
// the ones StartExecution rejects; control characters and DEL are not.
func TestExecutionNameASCII(t *testing.T) {
	for c := rune(0); c < 0x80; c++ {
		err := checkExecutionName("a" + string(c) + "b")
		bad := c <= ' ' || c == 0x7f || strings.ContainsRune("?*<>{}[]:;,\\|^~$#%&`\"", c)
		if (err != nil) != bad {
			t.Errorf("%q: error %v, want rejected=%v", c, err, bad)
		}
	}
	if err := checkExecutionName("payé-\u00a0x"); err == nil {
		t.Error("a no-break space was accepted")
	}
	if err := checkExecutionName("payé"); err != nil {
		t.Errorf("a non-ASCII letter was rejected: %v", err)
	}
}

// newUUID gives distinct version 4 UUIDs, across the refills of its
// random bytes.
func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 200 {
		u := newUUID()
		if !re.MatchString(u) || seen[u] {
			t.Fatalf("newUUID() = %q (seen before: %v)", u, seen[u])
		}
		seen[u] = true
	}
}
