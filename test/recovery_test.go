package test

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/recovery"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Tests of the recovery workflow on the executor: every service call it
// makes fails in turn, and the execution must end in a documented state.

// instantClock runs waits and retry backoff without sleeping.
type instantClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *instantClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *instantClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *instantClock) WithTimeout(ctx context.Context, _ time.Duration) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// recoveryDefinition is the synthesized recovery workflow, its references
// resolved as deployed.
func recoveryDefinition(t *testing.T) []byte {
	t.Helper()
	s := synth(t, suffix)
	sm, err := s.Parsed.ByName(cfn.StateMachine, recovery.ResourceType+"-"+suffix)
	if err != nil {
		t.Fatal(err)
	}
	def, err := s.Parsed.Evaluator(cfn.Env{}).Definition(sm)
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// recoveryTasks lists the Task states of a definition, nested ones (the
// Map's item processor) included, with their Resource.
func recoveryTasks(t *testing.T, def []byte) map[string]string {
	t.Helper()
	type states map[string]struct {
		Type          string
		Resource      string
		ItemProcessor *struct{ States json.RawMessage }
		Iterator      *struct{ States json.RawMessage }
	}
	out := map[string]string{}
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var sts states
		if err := json.Unmarshal(raw, &sts); err != nil {
			t.Fatal(err)
		}
		for name, st := range sts {
			if st.Type == "Task" {
				out[name] = st.Resource
			}
			if st.ItemProcessor != nil {
				walk(st.ItemProcessor.States)
			}
			if st.Iterator != nil {
				walk(st.Iterator.States)
			}
		}
	}
	var top struct{ States json.RawMessage }
	if err := json.Unmarshal(def, &top); err != nil {
		t.Fatal(err)
	}
	walk(top.States)
	return out
}

// recoveryWorld answers the recovery workflow's service calls the way a
// healthy (or unhealthy) platform does, and fails the calls of one state.
type recoveryWorld struct {
	healthy bool
	// relapse makes every health check after the first one unhealthy:
	// the platform fails again while a redrive runs.
	relapse bool
	mu      sync.Mutex
	checks  int
	// cancelled counts CancelMessageMoveTask calls; published the SNS
	// messages.
	cancelled int
	published []string
	// fail maps a Task state to the error all its calls fail with.
	fail map[string]string
	// listResults is what ListMessageMoveTasks answers as Results.
	listResults []map[string]any
}

// report is a health report (tasks/healthcheck) with one DLQ to redrive
// when healthy.
func (w *recoveryWorld) report() map[string]any {
	w.mu.Lock()
	w.checks++
	healthy := w.healthy && !(w.relapse && w.checks > 1)
	w.mu.Unlock()
	if !healthy {
		return map[string]any{"status": "unhealthy", "reasons": []string{"alarm persist-function-errors-alarm-dev is in ALARM"},
			"alarmsInAlarm": []string{"persist-function-errors-alarm-dev"}, "redrive": []any{}, "redriveNeeded": false}
	}
	return map[string]any{"status": "healthy", "reasons": []string{}, "alarmsInAlarm": []string{}, "redriveNeeded": true, "parkedPayments": 2,
		"redrive": []any{map[string]any{"dlqArn": "arn:aws:sqs:us-east-1:123456789012:failed-transactions-dlq-dev",
			"sourceArn": "arn:aws:sqs:us-east-1:123456789012:failed-transactions-queue-dev", "messages": 3, "maxNumberOfMessagesPerSecond": 10}}}
}

// invoker runs one execution; state names which Task calls, from the
// resource and the order of calls.
func (w *recoveryWorld) invoker(tasks map[string]string) aslrun.Invoker {
	byResource := map[string][]string{}
	for name, res := range tasks {
		byResource[res] = append(byResource[res], name)
	}
	return aslrun.InvokerFunc(func(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
		if fault, ok := w.fail[calledBy(resource, input, byResource[resource])]; ok {
			return nil, &aslrun.TaskError{Name: fault, Cause: "fault injected by the test"}
		}
		switch {
		case strings.HasSuffix(resource, ":sfn:listExecutions"):
			return json.Marshal(map[string]any{"Executions": []any{map[string]string{"Status": "RUNNING"}}})
		case strings.Contains(resource, ":lambda:") && strings.Contains(resource, ":function:"):
			return json.Marshal(w.report())
		case strings.HasSuffix(resource, ":sqs:startMessageMoveTask"):
			return json.Marshal(map[string]string{"TaskHandle": "handle-1"})
		case strings.HasSuffix(resource, ":sqs:listMessageMoveTasks"):
			return json.Marshal(map[string]any{"Results": w.listResults})
		case strings.HasSuffix(resource, ":sqs:cancelMessageMoveTask"):
			w.mu.Lock()
			w.cancelled++
			w.mu.Unlock()
			return json.RawMessage(`{"ApproximateNumberOfMessagesMoved":1}`), nil
		case strings.HasSuffix(resource, ":cloudwatch:putMetricData"):
			return json.RawMessage(`{}`), nil
		case strings.HasSuffix(resource, ":sns:publish"):
			w.mu.Lock()
			w.published = append(w.published, string(input))
			w.mu.Unlock()
			return json.RawMessage(`{"MessageId":"m-1"}`), nil
		}
		return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "the test does not serve " + resource}
	})
}

// calledBy tells which of the states sharing a resource made a call, by
// what each one sends (the subjects of the notifications, the names of
// the metrics).
func calledBy(resource string, input json.RawMessage, candidates []string) string {
	if len(candidates) == 1 {
		return candidates[0]
	}
	var in struct {
		Subject    string
		MetricData []struct{ MetricName string }
	}
	_ = json.Unmarshal(input, &in)
	if strings.Contains(resource, ":lambda:") {
		// The health monitor: rechecked inside the redrive, whose items
		// carry the DLQ's ARN.
		if strings.Contains(string(input), `"dlqArn"`) {
			return "RecheckHealth"
		}
		return "CheckHealth"
	}
	for _, c := range candidates {
		switch {
		case strings.Contains(resource, "sns:publish") && strings.Contains(in.Subject, notifySubjects[c]) && notifySubjects[c] != "":
			return c
		case len(in.MetricData) == 1 && metricStates[in.MetricData[0].MetricName] == c:
			return c
		}
	}
	return ""
}

var notifySubjects = map[string]string{
	"NotifyRedriveDeferred": "redrive deferred",
	"NotifyRedriven":        "redriven",
	"NotifyRecoveryFailed":  "could not",
}

var metricStates = map[string]string{"RedriveDeferred": "RecordRedriveDeferred", "MessagesRedriven": "RecordMessagesRedriven",
	"PaymentsParked": "RecordParkedPayments"}

// endState names the Succeed or Fail state an execution ended in.
func endState(exec *aslrun.Execution) string {
	for i := len(exec.History) - 1; i >= 0; i-- {
		if ev := exec.History[i]; ev.Type == aslrun.SucceedStateEntered || ev.Type == aslrun.FailStateEntered {
			return ev.StateName
		}
	}
	return ""
}

// visited tells whether an execution entered a state.
func visited(exec *aslrun.Execution, state string) bool {
	for _, ev := range exec.History {
		if ev.StateName == state {
			return true
		}
	}
	return false
}

func runRecovery(t *testing.T, def []byte, w *recoveryWorld) *aslrun.Execution {
	t.Helper()
	m, err := aslrun.New(def, aslrun.Options{Invoker: w.invoker(recoveryTasks(t, def)), Type: aslrun.Standard,
		Clock: &instantClock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, ExecutionTimeout: -1, Random: func() float64 { return 0.5 }})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := m.Run(context.Background(), "", json.RawMessage(`{"trigger":"schedule"}`))
	if err != nil {
		t.Fatal(err)
	}
	return exec
}

// The documented end of a recovery execution when each Task fails on
// every attempt (docs/runbook.md, "How recovery works"): a failure to
// read health fails the execution with Recovery.Failed (alarmed); a
// failed notification or metric never changes the outcome; a failed move
// or list is reported in the redrive results and the execution succeeds.
var recoveryFaults = map[string]struct {
	healthy bool
	end     string
	relapse bool
}{
	"RecordParkedPayments":   {true, "Redriven", false},
	"RecheckHealth":          {true, "Redriven", false}, // health unknown: the move is followed
	"CancelMessageMoveTask":  {true, "Redriven", true},  // the item ends cancel-failed-platform-unhealthy
	"CountRunningRecoveries": {true, "RecoveryFailed", false},
	"CheckHealth":            {true, "RecoveryFailed", false},
	"NotifyRecoveryFailed":   {true, "RecoveryFailed", false}, // reached through CheckHealth failing too
	"NotifyRedriveDeferred":  {false, "RedriveDeferred", false},
	"RecordRedriveDeferred":  {false, "RedriveDeferred", false},
	"StartMessageMoveTask":   {true, "Redriven", false},
	"ListMessageMoveTasks":   {true, "Redriven", false},
	"RecordMessagesRedriven": {true, "Redriven", false},
	"NotifyRedriven":         {true, "Redriven", false},
}

func TestEveryRecoveryServiceCallThatFailsEndsInADocumentedState(t *testing.T) {
	def := recoveryDefinition(t)
	tasks := recoveryTasks(t, def)
	var names []string
	for name := range tasks {
		names = append(names, name)
		if _, ok := recoveryFaults[name]; !ok {
			t.Errorf("Task %s has no documented outcome when it fails: add it to recoveryFaults and docs/runbook.md", name)
		}
	}
	sort.Strings(names)
	finished := []map[string]any{{"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3, "ApproximateNumberOfMessagesToMove": 3}}
	for _, name := range names {
		want, ok := recoveryFaults[name]
		if !ok {
			continue
		}
		// A service error (States.TaskFailed matches it) and a timeout.
		for _, fault := range []string{"Service.InternalServerError", string(errorname.StatesTimeout)} {
			t.Run(fmt.Sprintf("%s failing with %s ends in %s", name, fault, want.end), func(t *testing.T) {
				w := &recoveryWorld{healthy: want.healthy, relapse: want.relapse, fail: map[string]string{name: fault}, listResults: finished}
				if name == "NotifyRecoveryFailed" {
					// It is only reached when reading health fails.
					w.fail["CheckHealth"] = fault
				}
				exec := runRecovery(t, def, w)
				if !visited(exec, name) {
					t.Fatalf("the execution never reached %s", name)
				}
				checkRecoveryEnd(t, exec, want.end, name)
			})
		}
	}
}

func checkRecoveryEnd(t *testing.T, exec *aslrun.Execution, wantEnd, failed string) {
	t.Helper()
	if got := endState(exec); got != wantEnd {
		t.Errorf("with %s failing the execution ended in %q (%s %s: %s), want %s", failed, got, exec.Status, exec.Error, exec.Cause, wantEnd)
	}
	switch {
	case exec.Error == aslrun.ErrRuntime:
		t.Errorf("States.Runtime, which nothing catches: %s", exec.Cause)
	case exec.Status == aslrun.Failed && exec.Error != string(errorname.RecoveryFailed):
		t.Errorf("failed with %s, want the alarmed %s", exec.Error, errorname.RecoveryFailed)
	case exec.Status != aslrun.Failed && exec.Status != aslrun.Succeeded:
		t.Errorf("status %s", exec.Status)
	}
}

// A move task SQS no longer lists, or lists without its counts, is not a
// reason to fail: it is reported as such.
func TestRecoveryReportsAMoveTaskThatIsNotListedOrHasNoCounts(t *testing.T) {
	def := recoveryDefinition(t)
	for _, tc := range []struct {
		name    string
		results []map[string]any
	}{
		{"an empty list of move tasks", nil},
		{"a finished move task without counts", []map[string]any{{"Status": "FAILED", "FailureReason": "AccessDenied"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exec := runRecovery(t, def, &recoveryWorld{healthy: true, listResults: tc.results})
			checkRecoveryEnd(t, exec, "Redriven", "nothing")
		})
	}
}

// A relapse stops a running redrive: the platform turns unhealthy after
// the move task started, and the next poll cancels it and says so in the
// notification, instead of moving the rest of the DLQ into a failing
// store.
func TestARelapseCancelsTheRunningRedriveAndSaysSo(t *testing.T) {
	def := recoveryDefinition(t)
	running := []map[string]any{{"Status": "RUNNING", "ApproximateNumberOfMessagesMoved": 1, "ApproximateNumberOfMessagesToMove": 3}}
	w := &recoveryWorld{healthy: true, relapse: true, listResults: running}
	exec := runRecovery(t, def, w)
	checkRecoveryEnd(t, exec, "Redriven", "nothing")
	if w.cancelled != 1 || !visited(exec, "MoveCancelled") {
		t.Errorf("CancelMessageMoveTask called %d times (MoveCancelled visited: %v), want once", w.cancelled, visited(exec, "MoveCancelled"))
	}
	said := strings.Join(w.published, "\n")
	if !strings.Contains(said, "cancelled-platform-unhealthy") || !strings.Contains(said, "persist-function-errors-alarm-dev is in ALARM") {
		t.Errorf("the notification does not say the redrive was cancelled and why: %s", said)
	}
	// Without a relapse the same move is followed to its end, uncancelled.
	steady := &recoveryWorld{healthy: true, listResults: []map[string]any{{"Status": "COMPLETED", "ApproximateNumberOfMessagesMoved": 3}}}
	if exec := runRecovery(t, def, steady); steady.cancelled != 0 || !visited(exec, "MoveFinished") {
		t.Errorf("a healthy redrive was cancelled (%d) or not finished", steady.cancelled)
	}
}
