package aslrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func seconds(s ...float64) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, v := range s {
		out[i] = time.Duration(v * float64(time.Second))
	}
	return out
}

// alwaysFail is an invoker whose every call fails with name.
func alwaysFail(name string) InvokerFunc {
	return func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return nil, &TaskError{Name: name, Cause: "boom"}
	}
}

func TestRetryBackoffSchedule(t *testing.T) {
	tests := []struct {
		name       string
		retrier    string
		random     float64
		wantSleeps []time.Duration
	}{
		{"interval 1 backoff 2 max 3 sleeps 1, 2 and 4 seconds", `{"ErrorEquals":["E"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":3}`, 0, seconds(1, 2, 4)},
		{"the defaults are interval 1, backoff 2, three attempts", `{"ErrorEquals":["E"]}`, 0, seconds(1, 2, 4)},
		{"backoff 1.5 from 3 seconds gives 3 and 4.5", `{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":1.5}`, 0, seconds(3, 4.5)},
		{"MaxDelaySeconds caps the growth", `{"ErrorEquals":["E"],"IntervalSeconds":2,"BackoffRate":3,"MaxAttempts":4,"MaxDelaySeconds":10}`, 0, seconds(2, 6, 10, 10)},
		{"MaxAttempts 0 never retries", `{"ErrorEquals":["E"],"MaxAttempts":0}`, 0, nil},
		{"BackoffRate 1 keeps a constant interval", `{"ErrorEquals":["E"],"IntervalSeconds":5,"BackoffRate":1,"MaxAttempts":3}`, 0, seconds(5, 5, 5)},
		{"JitterStrategy FULL draws from zero to the computed delay", `{"ErrorEquals":["E"],"IntervalSeconds":4,"BackoffRate":2,"MaxAttempts":3,"JitterStrategy":"FULL"}`, 0.25, seconds(1, 2, 4)},
		{"jitter applies after the MaxDelaySeconds cap", `{"ErrorEquals":["E"],"IntervalSeconds":8,"BackoffRate":2,"MaxAttempts":2,"MaxDelaySeconds":10,"JitterStrategy":"FULL"}`, 0.5, seconds(4, 5)},
		{"JitterStrategy NONE does not randomise", `{"ErrorEquals":["E"],"IntervalSeconds":1,"MaxAttempts":2,"JitterStrategy":"NONE"}`, 0.25, seconds(1, 2)},
		{"a retrier for another error does not retry", `{"ErrorEquals":["Other"]}`, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			m := mustNew(t, oneState(`{"Type":"Task","Resource":"r","Retry":[`+tt.retrier+`],"End":true}`),
				Options{Invoker: alwaysFail("E"), Clock: clock, Random: func() float64 { return tt.random }})
			exec := mustRun(t, m, `{}`)
			if exec.Status != Failed || exec.Error != "E" {
				t.Fatalf("got %s %s, want FAILED E", exec.Status, exec.Error)
			}
			if got := clock.slept(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("sleeps = %v, want %v", got, tt.wantSleeps)
			}
			attempts := 0
			for _, ev := range exec.History {
				if ev.Type == TaskFailed {
					attempts++
				}
			}
			if attempts != len(tt.wantSleeps)+1 {
				t.Errorf("%d attempts, want %d", attempts, len(tt.wantSleeps)+1)
			}
		})
	}
}

// The example of the States Language specification, section "Retrying
// after error": "Suppose that this task fails four successive times,
// throwing Error Names "ErrorA", "ErrorB", "ErrorC", and "ErrorB". The
// first two errors match the first retrier and cause waits of one and two
// seconds. The third error matches the second retrier and causes a wait of
// five seconds. The fourth error would match the first retrier but its
// "MaxAttempts" ceiling of two retries has already been reached, so that
// Retrier fails, and execution is redirected to the "Z" state via the
// "Catch" field." AWS's guide agrees: "Retriers are evaluated in order.
// Each retrier tracks its own attempt count independently."
func TestRetriersMatchInOrderWithIndependentCounters(t *testing.T) {
	def := `{"StartAt":"X","States":{
	  "X":{"Type":"Task","Resource":"r","Next":"Y",
	    "Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
	             {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
	    "Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]},
	  "Y":{"Type":"Succeed"},
	  "Z":{"Type":"Pass","End":true}}}`
	inv := &scriptedInvoker{script: map[string][]step2{"r": {
		{err: &TaskError{Name: "ErrorA"}}, {err: &TaskError{Name: "ErrorB"}}, {err: &TaskError{Name: "ErrorC"}},
		{err: &TaskError{Name: "ErrorB"}}, {out: `"unreachable"`},
	}}}
	clock := newFakeClock()
	m := mustNew(t, def, Options{Invoker: inv, Clock: clock})
	exec := mustRun(t, m, `{}`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `{"Error":"ErrorB","Cause":""}`) {
		t.Fatalf("got %s %s, want SUCCEEDED through Z with the ErrorB error output", exec.Status, exec.Output)
	}
	if got, want := clock.slept(), seconds(1, 2, 5); !slices.Equal(got, want) {
		t.Errorf("sleeps = %v, want %v", got, want)
	}
	if n := inv.callsTo("r"); n != 4 {
		t.Errorf("%d invocations, want 4", n)
	}
}

func TestRetryCountIsVisibleInTheContextObject(t *testing.T) {
	var seen []string
	inv := InvokerFunc(func(_ context.Context, _ string, in json.RawMessage) (json.RawMessage, error) {
		seen = append(seen, string(in))
		if len(seen) < 3 {
			return nil, &TaskError{Name: "E"}
		}
		return in, nil
	})
	m := mustNew(t, oneState(`{"Type":"Task","Resource":"r","Parameters":{"n.$":"$$.State.RetryCount"},"Retry":[{"ErrorEquals":["E"]}],"End":true}`), Options{Invoker: inv})
	exec := mustRun(t, m, `{}`)
	if want := []string{`{"n":0}`, `{"n":1}`, `{"n":2}`}; !slices.Equal(seen, want) {
		t.Errorf("task inputs = %v, want %v", seen, want)
	}
	if exec.Status != Succeeded {
		t.Errorf("status %s", exec.Status)
	}
}

func TestCatch(t *testing.T) {
	tests := []struct {
		name       string
		taskErr    error
		catch      string
		wantStatus Status
		wantOutput string
		wantError  string
	}{
		{
			name:       "a caught error with ResultPath keeps the input and adds the error output",
			taskErr:    &TaskError{Name: "Payment.StoreUnavailable", Cause: "throttled"},
			catch:      `[{"ErrorEquals":["Payment.StoreUnavailable"],"ResultPath":"$.error","Next":"Recover"}]`,
			wantStatus: Succeeded,
			wantOutput: `{"in":1,"error":{"Error":"Payment.StoreUnavailable","Cause":"throttled"}}`,
		},
		{
			name:       "without ResultPath the error output replaces the input",
			taskErr:    &TaskError{Name: "E", Cause: "c"},
			catch:      `[{"ErrorEquals":["E"],"Next":"Recover"}]`,
			wantStatus: Succeeded,
			wantOutput: `{"Error":"E","Cause":"c"}`,
		},
		{
			name:       "ResultPath null passes the input on unchanged",
			taskErr:    &TaskError{Name: "E", Cause: "c"},
			catch:      `[{"ErrorEquals":["E"],"ResultPath":null,"Next":"Recover"}]`,
			wantStatus: Succeeded,
			wantOutput: `{"in":1}`,
		},
		{
			name:       "catchers are tried in order",
			taskErr:    &TaskError{Name: "B"},
			catch:      `[{"ErrorEquals":["A"],"ResultPath":"$.first","Next":"Recover"},{"ErrorEquals":["B"],"ResultPath":"$.second","Next":"Recover"},{"ErrorEquals":["States.ALL"],"ResultPath":"$.third","Next":"Recover"}]`,
			wantStatus: Succeeded,
			wantOutput: `{"in":1,"second":{"Error":"B","Cause":""}}`,
		},
		{
			name:       "States.TaskFailed catches a handler error",
			taskErr:    &TaskError{Name: "Anything"},
			catch:      `[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.e","Next":"Recover"}]`,
			wantStatus: Succeeded,
			wantOutput: `{"in":1,"e":{"Error":"Anything","Cause":""}}`,
		},
		{
			name:       "an error no catcher names fails the execution",
			taskErr:    &TaskError{Name: "C", Cause: "why"},
			catch:      `[{"ErrorEquals":["A","B"],"Next":"Recover"}]`,
			wantStatus: Failed,
			wantError:  "C",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","Catch":` + tt.catch + `,"End":true},"Recover":{"Type":"Pass","End":true}}}`
			inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) { return nil, tt.taskErr })
			exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `{"in":1}`)
			if exec.Status != tt.wantStatus {
				t.Fatalf("status %s (%s %s), want %s", exec.Status, exec.Error, exec.Cause, tt.wantStatus)
			}
			if tt.wantOutput != "" && !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output %s, want %s", exec.Output, tt.wantOutput)
			}
			if exec.Error != tt.wantError {
				t.Errorf("error %q, want %q", exec.Error, tt.wantError)
			}
		})
	}
}

func TestCatchAfterRetriesAreExhausted(t *testing.T) {
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"r","End":true,
	    "Retry":[{"ErrorEquals":["E"],"MaxAttempts":2,"IntervalSeconds":1}],
	    "Catch":[{"ErrorEquals":["E"],"ResultPath":"$.failure","Next":"Fallback"}]},
	  "Fallback":{"Type":"Pass","End":true}}}`
	inv := &scriptedInvoker{script: map[string][]step2{"r": {{err: &TaskError{Name: "E", Cause: "c"}}}}}
	clock := newFakeClock()
	exec := mustRun(t, mustNew(t, def, Options{Invoker: inv, Clock: clock}), `{"x":1}`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `{"x":1,"failure":{"Error":"E","Cause":"c"}}`) {
		t.Fatalf("got %s %s", exec.Status, exec.Output)
	}
	if n := inv.callsTo("r"); n != 3 {
		t.Errorf("%d attempts, want 3 (1 + 2 retries)", n)
	}
	if got, want := clock.slept(), seconds(1, 2); !slices.Equal(got, want) {
		t.Errorf("sleeps %v, want %v", got, want)
	}
}

// Which reserved names match which errors, in Retry and in Catch alike.
func TestReservedErrorNameMatching(t *testing.T) {
	tests := []struct {
		pattern, err string
		want         bool
	}{
		{"States.ALL", "Payment.Invalid", true},
		{"States.ALL", "States.Timeout", true},
		{"States.ALL", "States.TaskFailed", true},
		{"States.TaskFailed", "Payment.Invalid", true},
		{"States.TaskFailed", "Lambda.Unknown", true},
		{"States.TaskFailed", "States.Timeout", false},
		{"States.Timeout", "States.Timeout", true},
		{"States.Timeout", "Payment.Invalid", false},
		{"Payment.Invalid", "Payment.Invalid", true},
		{"Payment.Invalid", "payment.invalid", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s matching %s is %v", tt.pattern, tt.err, tt.want), func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
			  "Catch":[{"ErrorEquals":["` + tt.pattern + `"],"Next":"Caught"}]},"Caught":{"Type":"Succeed"}}}`
			exec := mustRun(t, mustNew(t, def, Options{Invoker: alwaysFail(tt.err)}), `{}`)
			if got := exec.Status == Succeeded; got != tt.want {
				t.Errorf("caught = %v, want %v (%s %s)", got, tt.want, exec.Status, exec.Error)
			}
		})
	}
}

func TestTaskTimeout(t *testing.T) {
	tests := []struct {
		name       string
		extra      string
		wantStatus Status
		wantError  string
		wantTries  int
	}{
		{"a task past its TimeoutSeconds fails with States.Timeout", ``, Failed, ErrTimeout, 1},
		{"States.Timeout is retryable", `,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":2}]`, Failed, ErrTimeout, 3},
		{"States.Timeout is catchable", `,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Caught"}]`, Succeeded, "", 1},
		{"States.TaskFailed does not catch a timeout", `,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Caught"}]`, Failed, ErrTimeout, 1},
		{"States.ALL catches a timeout", `,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]`, Succeeded, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tries atomic.Int32
			clock := newFakeClock()
			slow := hang(clock, 3*time.Second)
			inv := InvokerFunc(func(ctx context.Context, r string, in json.RawMessage) (json.RawMessage, error) {
				tries.Add(1)
				return slow(ctx, r, in)
			})
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:slow","TimeoutSeconds":2` + tt.extra + `,"End":true},"Caught":{"Type":"Succeed"}}}`
			exec := mustRun(t, mustNew(t, def, Options{Invoker: inv, Clock: clock}), `{}`)
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError {
				t.Fatalf("got %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError)
			}
			if n := int(tries.Load()); n != tt.wantTries {
				t.Errorf("%d attempts, want %d", n, tt.wantTries)
			}
			timedOut := 0
			for _, ev := range exec.History {
				if ev.Type == LambdaFunctionTimedOut {
					timedOut++
				}
			}
			if timedOut != tt.wantTries {
				t.Errorf("%d LambdaFunctionTimedOut events, want %d", timedOut, tt.wantTries)
			}
		})
	}
}

func TestTaskTimeoutDoesNotWaitForAnInvokerThatIgnoresItsContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	clock := newFakeClock()
	inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		clock.Advance(2 * time.Second)
		<-release
		return json.RawMessage(`{}`), nil
	})
	exec := mustRun(t, mustNew(t, oneState(`{"Type":"Task","Resource":"r","TimeoutSeconds":1,"End":true}`), Options{Invoker: inv, Clock: clock}), `{}`)
	if exec.Status != Failed || exec.Error != ErrTimeout {
		t.Errorf("got %s %s, want FAILED States.Timeout", exec.Status, exec.Error)
	}
}

func TestTimeoutSecondsPath(t *testing.T) {
	clock := newFakeClock()
	exec := mustRun(t, mustNew(t, oneState(`{"Type":"Task","Resource":"r","TimeoutSecondsPath":"$.t","End":true}`),
		Options{Invoker: hang(clock, 2*time.Second), Clock: clock}), `{"t":1}`)
	if exec.Status != Failed || exec.Error != ErrTimeout {
		t.Errorf("got %s %s, want FAILED States.Timeout", exec.Status, exec.Error)
	}
}

func TestRuntimeErrorsAreNeitherRetriedNorCaught(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","ResultSelector":{"x.$":"$.missing"},
	  "Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true},"C":{"Type":"Succeed"}}}`
	inv := &scriptedInvoker{}
	exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `{}`)
	if exec.Status != Failed || exec.Error != ErrRuntime {
		t.Errorf("got %s %s, want FAILED States.Runtime", exec.Status, exec.Error)
	}
	if n := inv.callsTo("r"); n != 1 {
		t.Errorf("%d invocations, want 1", n)
	}
}

func TestRetriesAreVisibleInTheHistory(t *testing.T) {
	inv := &scriptedInvoker{script: map[string][]step2{"arn:aws:lambda:us-east-1:123456789012:function:f": {
		{err: &TaskError{Name: "E", Cause: "once"}}, {out: `{"ok":true}`},
	}}}
	def := oneState(`{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3}],"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `{}`)
	want := "ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed " +
		"LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited ExecutionSucceeded"
	if got := eventTypes(exec.History); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	failed := exec.History[4]
	if failed.Error != "E" || failed.Cause != "once" || failed.Retry == nil || failed.Retry.Delay != 3*time.Second || failed.Retry.Attempt != 1 {
		t.Errorf("failed event = %+v, retry %+v", failed, failed.Retry)
	}
	for i, ev := range exec.History {
		if ev.ID != int64(i+1) || ev.PreviousID != int64(i) {
			t.Errorf("event %d has id %d previous %d", i, ev.ID, ev.PreviousID)
		}
	}
	if _, err := json.Marshal(exec.History); err != nil {
		t.Errorf("history does not serialise: %v", err)
	}
}

var errPlain = errors.New("plain failure")

// With Options.InvokeInline, an Invoker that honours its context gives
// the same status, error and history as without: a result, a handler
// error that is retried and caught, a panic, a task that runs past its
// TimeoutSeconds and returns its own error or a late result, and an
// execution that runs past its time limit.
func TestInvokeInlineGivesTheSameExecutions(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":1,"ResultPath":"$.r",
	  "Retry":[{"ErrorEquals":["E"],"MaxAttempts":1}],"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.caught","Next":"C"}],"End":true},"C":{"Type":"Pass","End":true}}}`
	type answer func(ctx context.Context, clock *fakeClock) (json.RawMessage, error)
	ok := func(context.Context, *fakeClock) (json.RawMessage, error) { return json.RawMessage(`{"ok":1}`), nil }
	fail := func(context.Context, *fakeClock) (json.RawMessage, error) {
		return nil, &TaskError{Name: "E", Cause: "c"}
	}
	hangs := func(ctx context.Context, c *fakeClock) (json.RawMessage, error) {
		c.Advance(2 * time.Second)
		<-ctx.Done()
		return nil, &TaskError{Name: "Own", Cause: "its own error once cancelled"}
	}
	late := func(ctx context.Context, c *fakeClock) (json.RawMessage, error) {
		c.Advance(2 * time.Second)
		return json.RawMessage(`{"late":true}`), nil
	}
	tests := []struct {
		name    string
		limit   time.Duration
		answers []answer
	}{
		{"result", 0, []answer{ok}},
		{"retried then caught", 0, []answer{fail, fail}},
		{"retried then succeeds", 0, []answer{fail, ok}},
		{"panic", 0, []answer{func(context.Context, *fakeClock) (json.RawMessage, error) { panic("boom") }}},
		{"timeout with own error", 0, []answer{hangs, hangs}},
		{"late result", 0, []answer{late, ok}},
		{"execution time limit", 1500 * time.Millisecond, []answer{hangs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [2]string
			for i, inline := range []bool{false, true} {
				clock := newFakeClock()
				n := 0
				inv := InvokerFunc(func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
					n++
					return tt.answers[min(n, len(tt.answers))-1](ctx, clock)
				})
				m := mustNew(t, def, Options{Invoker: inv, Clock: clock, InvokeInline: inline, ExecutionTimeout: tt.limit, NewUUID: func() string { return "u" }})
				exec := mustRun(t, m, `{"a":1}`)
				var b strings.Builder
				fmt.Fprintf(&b, "%s %s %s %s\n", exec.Status, exec.Error, exec.Cause, exec.Output)
				if err := FormatHistory(&b, exec.History); err != nil {
					t.Fatal(err)
				}
				got[i] = b.String()
			}
			if got[0] != got[1] {
				t.Errorf("with a goroutine per task:\n%s\ninline:\n%s", got[0], got[1])
			}
		})
	}
}
