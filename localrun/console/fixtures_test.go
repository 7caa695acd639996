package console

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Definitions in the shape of the synthesized workflows (the real ones are
// drawn by the browser test against the local runner).
const (
	paymentsDef = `{
  "StartAt": "Validate",
  "States": {
    "Validate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:validate-function-dev",
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 1}],
      "Catch": [
        {"ErrorEquals": ["Payment.Invalid"], "ResultPath": "$.error", "Next": "InvalidRequest"},
        {"ErrorEquals": ["Payment.CardDataRejected"], "ResultPath": "$.error", "Next": "CardDataRejected"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ValidationFailed"}],
      "Next": "Persist"},
    "Persist": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:persist-function-dev",
      "Retry": [{"ErrorEquals": ["Payment.StoreUnavailable"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 2}],
      "Catch": [
        {"ErrorEquals": ["Payment.IdempotencyKeyReused"], "ResultPath": "$.error", "Next": "IdempotencyKeyReused"},
        {"ErrorEquals": ["Payment.InProgress"], "ResultPath": "$.error", "Next": "RequestInProgress"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "EnqueueOnFailure"}],
      "Next": "Processed"},
    "Processed": {"Type": "Succeed"},
    "IdempotencyKeyReused": {"Type": "Fail", "Error": "Payment.IdempotencyKeyReused"},
    "RequestInProgress": {"Type": "Fail", "Error": "Payment.InProgress"},
    "EnqueueOnFailure": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:000000000000:function:enqueue-function-dev",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "PaymentNotAccepted"}],
      "Next": "Queued"},
    "Queued": {"Type": "Succeed"},
    "PaymentNotAccepted": {"Type": "Fail", "Error": "Payment.NotAccepted"},
    "InvalidRequest": {"Type": "Fail", "Error": "Payment.Invalid"},
    "CardDataRejected": {"Type": "Fail", "Error": "Payment.CardDataRejected"},
    "ValidationFailed": {"Type": "Fail", "Error": "Payment.Internal"}
  }
}`

	// recoveryDef has what the recovery workflow has: a state named
	// Start, a Choice, a Map whose items loop (Wait, Task, Choice back to
	// the Wait) and a Parallel state.
	recoveryDef = `{
  "StartAt": "Start",
  "States": {
    "Start": {"Type": "Pass", "Result": {"items": [{"id": 1}, {"id": 2}]}, "Next": "CheckHealth"},
    "CheckHealth": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
      "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:000000000000:function:health-monitor-function-dev", "Payload.$": "$"},
      "ResultPath": null, "Next": "Evaluate health"},
    "Evaluate health": {"Type": "Choice",
      "Choices": [{"Variable": "$.items[0].id", "NumericEquals": 1, "Next": "Redrive"}],
      "Default": "NothingToDo"},
    "NothingToDo": {"Type": "Succeed"},
    "Redrive": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": null,
      "ItemProcessor": {"StartAt": "InitPolls", "States": {
        "InitPolls": {"Type": "Pass", "Result": 0, "ResultPath": "$.polls", "Next": "WaitForMove"},
        "WaitForMove": {"Type": "Wait", "Seconds": 1, "Next": "ListMoves"},
        "ListMoves": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sqs:listMessageMoveTasks",
          "Parameters": {"SourceArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}, "ResultPath": "$.moves", "Next": "MoveDone?"},
        "MoveDone?": {"Type": "Choice",
          "Choices": [{"Variable": "$.moves.done", "BooleanEquals": false, "Next": "CountPoll"}],
          "Default": "MoveFinished"},
        "CountPoll": {"Type": "Pass", "Result": {"done": true}, "ResultPath": "$.moves", "Next": "WaitForMove"},
        "MoveFinished": {"Type": "Pass", "End": true}}},
      "Next": "Notify"},
    "Notify": {"Type": "Parallel", "ResultPath": null, "Branches": [
        {"StartAt": "Publish", "States": {"Publish": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sns:publish", "End": true}}},
        {"StartAt": "PutMetric", "States": {"PutMetric": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudwatch:putMetricData", "End": true}}}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "RecoveryFailed"}],
      "Next": "Redriven"},
    "Redriven": {"Type": "Succeed"},
    "RecoveryFailed": {"Type": "Fail", "Error": "Recovery.Failed"}
  }
}`
)

// testClock is a clock whose time moves 3 ms per reading and whose
// sleeps pass at once, so that histories have distinct, steady times.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(3 * time.Millisecond)
	return c.now
}

func (c *testClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (c *testClock) WithTimeout(ctx context.Context, _ time.Duration) (context.Context, context.CancelFunc) {
	return context.WithCancel(ctx)
}

// invokeFunc answers a task by its resource (function name or
// integration) and the call number for that resource.
type invokeFunc func(resource string, call int) (json.RawMessage, error)

// execute runs a definition on aslrun with fake tasks and returns the
// execution as the console gets it.
func execute(t testing.TB, id, workflow, def string, httpStatus int, tasks invokeFunc) Execution {
	t.Helper()
	var mu sync.Mutex
	calls := map[string]int{}
	inv := aslrun.InvokerFunc(func(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
		var p struct{ FunctionName string }
		_ = json.Unmarshal(input, &p)
		if p.FunctionName != "" {
			resource = p.FunctionName
		}
		mu.Lock()
		calls[resource]++
		n := calls[resource]
		mu.Unlock()
		out, err := tasks(resource, n)
		if out == nil && err == nil {
			out = input
		}
		return out, err
	})
	clock := &testClock{now: time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)}
	m, err := aslrun.New([]byte(def), aslrun.Options{Invoker: inv, Clock: clock, Random: func() float64 { return 1 }})
	if err != nil {
		t.Fatalf("compiling %s: %v", workflow, err)
	}
	x, err := m.Run(context.Background(), id, json.RawMessage(`{"requestId":"`+id+`","idempotencyKey":"[redacted]","amount":1250}`))
	if err != nil {
		t.Fatalf("running %s: %v", workflow, err)
	}
	return Execution{ID: id, Workflow: workflow, Status: string(x.Status), Error: x.Error, HTTPStatus: httpStatus,
		StartDate: x.StartDate, StopDate: x.StopDate, History: x.History}
}

// The executions the tests look at.

func processed(t testing.TB) Execution {
	return execute(t, "req-201", "payments-workflow-dev", paymentsDef, 201, func(string, int) (json.RawMessage, error) { return nil, nil })
}

// queued is a 202: Persist fails with the store unavailable, is retried
// twice, and its Catch sends the payment to the queue.
func queued(t testing.TB) Execution {
	return execute(t, "req-202", "payments-workflow-dev", paymentsDef, 202, func(res string, _ int) (json.RawMessage, error) {
		if res == "arn:aws:lambda:us-east-1:000000000000:function:persist-function-dev" {
			return nil, aslrun.TaskError{Name: "Payment.StoreUnavailable", Cause: "the store did not answer"}
		}
		return nil, nil
	})
}

// invalid is a 400: Validate's Catch goes to the InvalidRequest Fail state.
func invalid(t testing.TB) Execution {
	return execute(t, "req-400", "payments-workflow-dev", paymentsDef, 400, func(res string, _ int) (json.RawMessage, error) {
		if res == "arn:aws:lambda:us-east-1:000000000000:function:validate-function-dev" {
			return nil, aslrun.TaskError{Name: "Payment.Invalid", Cause: "amount: must be positive"}
		}
		return nil, nil
	})
}

// redriven is a recovery run: two Map iterations, each looping once
// through CountPoll, then both Parallel branches.
func redriven(t testing.TB) Execution {
	return execute(t, "local-recovery-1", "recovery-workflow-dev", recoveryDef, 0, func(res string, n int) (json.RawMessage, error) {
		if res == "arn:aws:states:::aws-sdk:sqs:listMessageMoveTasks" {
			return json.RawMessage(fmt.Sprintf(`{"done":%v}`, n%2 == 0)), nil
		}
		return nil, nil
	})
}

// recoveryFailed is a recovery run whose notification fails in one
// Parallel branch, caught into RecoveryFailed.
func recoveryFailed(t testing.TB) Execution {
	return execute(t, "local-recovery-2", "recovery-workflow-dev", recoveryDef, 0, func(res string, n int) (json.RawMessage, error) {
		switch res {
		case "arn:aws:states:::aws-sdk:sqs:listMessageMoveTasks":
			return json.RawMessage(`{"done":true}`), nil
		case "arn:aws:states:::aws-sdk:sns:publish":
			return nil, aslrun.TaskError{Name: "SNS.InternalError", Cause: "publish failed"}
		}
		return nil, nil
	})
}

// fakeSource is a Source over fixed executions and definitions.
type fakeSource struct {
	execs []Execution
	defs  map[string]string
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Executions() []Execution { return append([]Execution(nil), f.execs...) }

func (f *fakeSource) Execution(id string) (Execution, bool) {
	for _, e := range f.execs {
		if e.ID == id {
			return e, true
		}
	}
	return Execution{}, false
}

func (f *fakeSource) Definition(workflow string) ([]byte, bool) {
	d, ok := f.defs[workflow]
	return []byte(d), ok
}

func newFakeSource(execs ...Execution) *fakeSource {
	return &fakeSource{execs: execs, defs: map[string]string{"payments-workflow-dev": paymentsDef, "recovery-workflow-dev": recoveryDef}}
}
