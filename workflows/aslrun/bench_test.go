package aslrun

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The executor's own cost, without Lambda handlers: the Invoker answers
// at once with a fixed result, waits and backoff are instant (the clock
// localrun uses: real time, no sleeping), and each benchmark operation is
// one execution. BenchmarkPaymentsExecution runs the happy path of the
// synthesized payments workflow (testdata/payments-synth.asl.json, a copy
// of what `cdk synth` produces, which twin_test.go and payments_test.go
// also run): Validate -> Persist -> Processed. test/cost_test.go has a
// benchmark of the same name with the real handlers over an in-memory
// table.

// instantWaits is the real clock without sleeping, as localrun's
// recordedWaits.
type instantWaits struct{}

func (instantWaits) Now() time.Time                                   { return time.Now() }
func (instantWaits) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }
func (instantWaits) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// stubResults answers each resource whose name contains a key with its
// value.
func stubResults(results map[string]string) InvokerFunc {
	return func(_ context.Context, resource string, _ json.RawMessage) (json.RawMessage, error) {
		for k, v := range results {
			if strings.Contains(resource, k) {
				return json.RawMessage(v), nil
			}
		}
		return nil, &TaskError{Name: "States.Runtime", Cause: "no stub for " + resource}
	}
}

func benchRun(b *testing.B, def string, opts Options, input string, check func(*Execution) bool) {
	b.Helper()
	if opts.Clock == nil {
		opts.Clock = instantWaits{}
	}
	m, err := New([]byte(def), opts)
	if err != nil {
		b.Fatal(err)
	}
	in := json.RawMessage(input)
	ctx := context.Background()
	exec, err := m.Run(ctx, "bench", in)
	if err != nil || exec.Status != Succeeded || (check != nil && !check(exec)) {
		b.Fatalf("the benchmark's execution does not succeed as expected: %v %+v", err, exec)
	}
	b.ReportAllocs()
	cpu := processCPU()
	for b.Loop() {
		exec, err := m.Run(ctx, "bench", in)
		if err != nil || exec.Status != Succeeded {
			b.Fatalf("%v %v %s %s", err, exec.Status, exec.Error, exec.Cause)
		}
	}
	reportCPU(b, cpu)
}

// reportCPU reports the process's CPU time (user and system, every thread:
// the garbage collector's included) per operation since since, as
// cpu-ns/op, where the platform can read it.
func reportCPU(b *testing.B, since time.Duration) {
	if since >= 0 {
		b.ReportMetric(float64(processCPU()-since)/float64(b.N), "cpu-ns/op")
	}
}

func BenchmarkPaymentsExecution(b *testing.B) { benchPayments(b, false) }

// BenchmarkPaymentsExecutionInline is BenchmarkPaymentsExecution with
// Options.InvokeInline: no goroutine per Task.
func BenchmarkPaymentsExecutionInline(b *testing.B) { benchPayments(b, true) }

// paymentsResults are the stubbed Lambda results of the payments
// workflow's happy path, and paymentsInput its input.
var paymentsResults = map[string]string{
	"validate-function": `{"requestId":"req-1","idempotencyKey":"k-1","payment":{"id":"pay_1","amount":1250,"currency":"EUR","reference":"inv-1"},"requestHash":"3b1c"}`,
	"persist-function":  `{"statusCode":201,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"accepted\"}"}`,
}

const paymentsInput = `{"requestId":"req-1","idempotencyKey":"k-1","body":"eyJhbW91bnQiOjEyNTB9"}`

func benchPayments(b *testing.B, inline bool) {
	def, err := os.ReadFile("testdata/payments-synth.asl.json")
	if err != nil {
		b.Fatal(err)
	}
	benchRun(b, string(def), Options{Invoker: stubResults(paymentsResults), InvokeInline: inline}, paymentsInput,
		func(e *Execution) bool {
			return len(e.History) == 14 && string(e.Output) == `{"statusCode":201,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"accepted\"}"}`
		})
}

func BenchmarkPassState(b *testing.B) {
	benchRun(b, `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.a","Parameters":{"x.$":"$.b","y":1},"ResultPath":"$.r","OutputPath":"$.r","End":true}}}`,
		Options{}, `{"a":{"b":"hello","c":[1,2,3]}}`, func(e *Execution) bool { return string(e.Output) == `{"x":"hello","y":1}` })
}

func BenchmarkTaskState(b *testing.B) {
	benchRun(b, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":3,"ResultPath":"$.result","End":true}}}`,
		Options{Invoker: stubResults(map[string]string{"function:f": `{"ok":true}`})}, `{"a":1}`,
		func(e *Execution) bool { return string(e.Output) == `{"a":1,"result":{"ok":true}}` })
}

func BenchmarkChoiceState(b *testing.B) {
	benchRun(b, `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
		{"Variable":"$.n","NumericGreaterThan":10,"Next":"Big"},
		{"And":[{"Variable":"$.s","StringEquals":"x"},{"Variable":"$.n","NumericLessThan":0}],"Next":"Neg"},
		{"Variable":"$.s","StringMatches":"he*","Next":"Yes"}],"Default":"No"},
		"Big":{"Type":"Succeed"},"Neg":{"Type":"Succeed"},"Yes":{"Type":"Succeed"},"No":{"Type":"Fail","Error":"No"}}}`,
		Options{}, `{"n":5,"s":"hello"}`, func(e *Execution) bool { return e.History[len(e.History)-2].StateName == "Yes" })
}

func BenchmarkWaitState(b *testing.B) {
	benchRun(b, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}`, Options{}, `{"a":1}`, nil)
}

func BenchmarkMapState(b *testing.B) {
	benchRun(b, `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":0,
		"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"End":true}}}`,
		Options{}, `{"items":[1,2,3,4,5,6,7,8,9,10]}`, func(e *Execution) bool { return strings.HasPrefix(string(e.Output), `[{"v":1},`) })
}

func BenchmarkParallelState(b *testing.B) {
	branch := func(name string) string {
		return `{"StartAt":"` + name + `","States":{"` + name + `":{"Type":"Pass","InputPath":"$.a","End":true}}}`
	}
	benchRun(b, `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[`+branch("A")+`,`+branch("B")+`,`+branch("C")+`],"End":true}}}`,
		Options{}, `{"a":{"b":1}}`, func(e *Execution) bool { return string(e.Output) == `[{"b":1},{"b":1},{"b":1}]` })
}

// BenchmarkRetry runs a Task whose first attempt fails with an error its
// retrier matches and whose second succeeds.
func BenchmarkRetry(b *testing.B) {
	var calls atomic.Int64
	inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		if calls.Add(1)%2 == 1 {
			return nil, &TaskError{Name: "Payment.StoreUnavailable", Cause: "down"}
		}
		return json.RawMessage(`{"ok":true}`), nil
	})
	benchRun(b, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","TimeoutSeconds":3,
		"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":1},{"ErrorEquals":["Payment.StoreUnavailable"],"IntervalSeconds":1,"MaxAttempts":2,"BackoffRate":2,"JitterStrategy":"FULL"}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"F"}],"End":true},"F":{"Type":"Fail","Error":"Caught"}}}`,
		Options{Invoker: inv}, `{"a":1}`, func(e *Execution) bool { return string(e.Output) == `{"ok":true}` })
}
