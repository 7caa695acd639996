package aslrun

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

// paymentEvent is the shape the fake handlers read: the execution input
// plus what earlier states added.
type paymentEvent struct {
	RequestID string         `json:"requestId"`
	Payment   map[string]any `json:"payment"`
	Failure   map[string]any `json:"failure"`
}

type paymentResult struct {
	StatusCode int    `json:"statusCode"`
	Replayed   bool   `json:"replayed"`
	Body       string `json:"body"`
}

// fakePayments holds scripted outcomes for the three payment handlers and
// records the events they received. Errors are returned the way
// tasks/lambdaerr returns them: messages.InvokeResponse_Error values whose
// Type is the workflow error name.
type fakePayments struct {
	mu                  sync.Mutex
	validateErr         error
	validateErrs        []error // one per attempt, before validateErr; nil succeeds
	validations         int
	persistErrs         []error    // one per attempt; nil succeeds
	persistHangs        *fakeClock // when set, Persist takes 6 s (past its TimeoutSeconds) on this clock
	hangOn              []int      // with persistHangs: the attempts (from 1) that hang; empty: all
	enqueueErr          error
	persisted, enqueued []paymentEvent
}

// invoker serves the three functions under the names of both fixtures:
// testdata/payments.asl.json and the synthesized payments-synth.asl.json.
func (f *fakePayments) invoker() *LambdaInvoker {
	inv := f.handlers()
	for name, alias := range map[string]string{"payments-validate": "validate-function-dev", "payments-persist": "persist-function-dev", "payments-enqueue": "enqueue-function-dev"} {
		inv.Functions[alias] = inv.Functions[name]
	}
	return inv
}

func (f *fakePayments) handlers() *LambdaInvoker {
	return &LambdaInvoker{Functions: map[string]LambdaHandler{
		"payments-validate": lambda.NewHandler(func(_ context.Context, in map[string]any) (paymentEvent, error) {
			f.mu.Lock()
			f.validations++
			n := f.validations
			f.mu.Unlock()
			if n <= len(f.validateErrs) && f.validateErrs[n-1] != nil {
				return paymentEvent{}, f.validateErrs[n-1]
			}
			if f.validateErr != nil {
				return paymentEvent{}, f.validateErr
			}
			return paymentEvent{RequestID: in["requestId"].(string), Payment: map[string]any{"id": "pay_1", "amount": 1250, "currency": "EUR"}}, nil
		}),
		"payments-persist": lambda.NewHandler(func(ctx context.Context, ev paymentEvent) (paymentResult, error) {
			f.mu.Lock()
			f.persisted = append(f.persisted, ev)
			var err error
			n := len(f.persisted)
			if n <= len(f.persistErrs) {
				err = f.persistErrs[n-1]
			}
			f.mu.Unlock()
			if f.persistHangs != nil && (len(f.hangOn) == 0 || slices.Contains(f.hangOn, n)) {
				f.persistHangs.Advance(6 * time.Second)
				<-ctx.Done()
				return paymentResult{}, ctx.Err()
			}
			if err != nil {
				return paymentResult{}, err
			}
			return paymentResult{StatusCode: 201, Body: `{"id":"pay_1","status":"accepted"}`}, nil
		}),
		"payments-enqueue": lambda.NewHandler(func(_ context.Context, ev paymentEvent) (paymentResult, error) {
			f.mu.Lock()
			f.enqueued = append(f.enqueued, ev)
			f.mu.Unlock()
			if f.enqueueErr != nil {
				return paymentResult{}, f.enqueueErr
			}
			return paymentResult{StatusCode: 202, Body: `{"id":"pay_1","status":"queued"}`}, nil
		}),
	}}
}

func lambdaErr(name, problem string) error {
	return messages.InvokeResponse_Error{Type: name, Message: problem}
}

func paymentsDefinition(t testing.TB) []byte {
	t.Helper()
	def, err := os.ReadFile("testdata/payments.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	return def
}

func TestPaymentsWorkflow(t *testing.T) {
	hangingClock := newFakeClock()
	storeDown := lambdaErr("Payment.StoreUnavailable", `{"title":"Transaction store unavailable","status":503}`)
	tests := []struct {
		name         string
		fake         *fakePayments
		wantStatus   Status
		wantOutput   string
		wantError    string
		wantCause    string
		wantPersists int
		wantEnqueues int
		wantSleeps   []time.Duration
	}{
		{
			name:         "the happy path persists and answers 201",
			fake:         &fakePayments{},
			wantStatus:   Succeeded,
			wantOutput:   `{"statusCode":201,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"accepted\"}"}`,
			wantPersists: 1,
		},
		{
			name:         "a transient store failure is retried and then succeeds",
			fake:         &fakePayments{persistErrs: []error{storeDown}},
			wantStatus:   Succeeded,
			wantOutput:   `{"statusCode":201,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"accepted\"}"}`,
			wantPersists: 2,
			wantSleeps:   seconds(1),
		},
		{
			name:         "when retries are exhausted the payment is caught and enqueued with 202",
			fake:         &fakePayments{persistErrs: []error{storeDown, storeDown, storeDown}},
			wantStatus:   Succeeded,
			wantOutput:   `{"statusCode":202,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"queued\"}"}`,
			wantPersists: 3,
			wantEnqueues: 1,
			wantSleeps:   seconds(1, 2),
		},
		{
			name:         "a store that hangs past TimeoutSeconds is caught and enqueued",
			fake:         &fakePayments{persistHangs: hangingClock},
			wantStatus:   Succeeded,
			wantOutput:   `{"statusCode":202,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"queued\"}"}`,
			wantPersists: 1,
			wantEnqueues: 1,
		},
		{
			name:       "an invalid request ends in the Payment.Invalid Fail state",
			fake:       &fakePayments{validateErr: lambdaErr("Payment.Invalid", `{"title":"Invalid payment request","status":400}`)},
			wantStatus: Failed,
			wantError:  "Payment.Invalid",
			wantCause:  `{"errorMessage":"{\"title\":\"Invalid payment request\",\"status\":400}","errorType":"Payment.Invalid"}`,
		},
		{
			name:         "a reused idempotency key ends in its Fail state without retries",
			fake:         &fakePayments{persistErrs: []error{lambdaErr("Payment.IdempotencyKeyReused", `{"status":422}`)}},
			wantStatus:   Failed,
			wantError:    "Payment.IdempotencyKeyReused",
			wantCause:    `{"errorMessage":"{\"status\":422}","errorType":"Payment.IdempotencyKeyReused"}`,
			wantPersists: 1,
		},
		{
			name:         "a queue failure after exhausted retries ends in Payment.QueueUnavailable",
			fake:         &fakePayments{persistErrs: []error{storeDown, storeDown, storeDown}, enqueueErr: lambdaErr("Payment.QueueUnavailable", `{"status":503}`)},
			wantStatus:   Failed,
			wantError:    "Payment.QueueUnavailable",
			wantCause:    `{"errorMessage":"{\"status\":503}","errorType":"Payment.QueueUnavailable"}`,
			wantPersists: 3,
			wantEnqueues: 1,
			wantSleeps:   seconds(1, 2),
		},
		{
			name:       "an unexpected handler error ends in Payment.Internal with a cause that leaks nothing",
			fake:       &fakePayments{validateErr: errPlain},
			wantStatus: Failed,
			wantError:  "Payment.Internal",
			wantCause:  "Internal error",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			if tt.fake.persistHangs != nil {
				clock = tt.fake.persistHangs
			}
			m, err := New(paymentsDefinition(t), Options{Invoker: tt.fake.invoker(), Clock: clock, Name: "Payments"})
			if err != nil {
				t.Fatal(err)
			}
			exec, err := m.Run(context.Background(), "", json.RawMessage(`{"requestId":"req-1","idempotencyKey":"k-1","body":"e30="}`))
			if err != nil {
				t.Fatal(err)
			}
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError || exec.Cause != tt.wantCause {
				t.Fatalf("got %s %q %q, want %s %q %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError, tt.wantCause)
			}
			if tt.wantOutput != "" && !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output %s, want %s", exec.Output, tt.wantOutput)
			}
			if len(tt.fake.persisted) != tt.wantPersists || len(tt.fake.enqueued) != tt.wantEnqueues {
				t.Errorf("%d persists and %d enqueues, want %d and %d", len(tt.fake.persisted), len(tt.fake.enqueued), tt.wantPersists, tt.wantEnqueues)
			}
			for _, ev := range tt.fake.persisted {
				if ev.RequestID != "req-1" || ev.Payment["id"] != "pay_1" {
					t.Errorf("Persist got %+v", ev)
				}
			}
			for _, ev := range tt.fake.enqueued {
				if ev.Failure["Error"] == nil || ev.Failure["Cause"] == nil || ev.Payment["id"] != "pay_1" {
					t.Errorf("EnqueueOnFailure got %+v, want the payment and the caught failure", ev)
				}
			}
			if got := clock.slept(); !slices.Equal(got, tt.wantSleeps) {
				t.Errorf("sleeps %v, want %v", got, tt.wantSleeps)
			}
		})
	}
}

// The synthesized payments workflow (testdata/payments-synth.asl.json,
// from cdk synth) has one retrier on Persist for the Lambda service
// errors, States.Timeout and Payment.StoreUnavailable, MaxAttempts 2. The
// retrier counts its retries whatever the error (see
// TestRetriersMatchInOrderWithIndependentCounters for the specification's
// words), so a store failure, a timeout and a second store failure exhaust
// it: the payment is queued (202) within the time budget the linter
// proves, not persisted by a fourth attempt.
func TestSynthesizedPaymentsWorkflowRetriesPersistTwiceWhateverTheErrors(t *testing.T) {
	def, err := os.ReadFile("testdata/payments-synth.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	storeDown := lambdaErr("Payment.StoreUnavailable", `{"status":503}`)
	clock := newFakeClock()
	fake := &fakePayments{persistErrs: []error{storeDown, nil, storeDown}, persistHangs: clock, hangOn: []int{2}}
	m, err := New(def, Options{Invoker: fake.invoker(), Clock: clock, Random: func() float64 { return 1 }})
	if err != nil {
		t.Fatal(err)
	}
	exec, err := m.Run(context.Background(), "", json.RawMessage(`{"requestId":"req-1","idempotencyKey":"k-1","body":"e30="}`))
	if err != nil {
		t.Fatal(err)
	}
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `{"statusCode":202,"replayed":false,"body":"{\"id\":\"pay_1\",\"status\":\"queued\"}"}`) {
		t.Fatalf("got %s %s %s, want the 202 of EnqueueOnFailure", exec.Status, exec.Error, exec.Output)
	}
	if len(fake.persisted) != 3 || len(fake.enqueued) != 1 {
		t.Errorf("%d persists and %d enqueues, want 3 and 1", len(fake.persisted), len(fake.enqueued))
	}
	if f := fake.enqueued[0].Failure; f["Error"] != "Payment.StoreUnavailable" {
		t.Errorf("EnqueueOnFailure got failure %v", f)
	}
}

func BenchmarkPaymentsWorkflow(b *testing.B) {
	noop := LambdaHandlerFunc(func(_ context.Context, payload []byte) ([]byte, error) {
		return []byte(`{"requestId":"req-1","payment":{"id":"pay_1","amount":1250,"currency":"EUR"},"statusCode":201}`), nil
	})
	inv := &LambdaInvoker{Functions: map[string]LambdaHandler{
		"payments-validate": noop, "payments-persist": noop, "payments-enqueue": noop,
	}}
	m, err := New(paymentsDefinition(b), Options{Invoker: inv})
	if err != nil {
		b.Fatal(err)
	}
	input := json.RawMessage(`{"requestId":"req-1","idempotencyKey":"k-1","body":"eyJhbW91bnQiOjEyNTB9"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		exec, err := m.Run(ctx, "bench", input)
		if err != nil || exec.Status != Succeeded {
			b.Fatalf("%v %v", err, exec.Status)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	def := paymentsDefinition(b)
	inv := &LambdaInvoker{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(def, Options{Invoker: inv}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPaymentsWorkflowExecutorOnly measures the executor alone: the
// invoker returns a fixed result without going through LambdaInvoker.
func BenchmarkPaymentsWorkflowExecutorOnly(b *testing.B) {
	result := json.RawMessage(`{"requestId":"req-1","payment":{"id":"pay_1","amount":1250,"currency":"EUR"},"statusCode":201}`)
	inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) { return result, nil })
	m, err := New(paymentsDefinition(b), Options{Invoker: inv})
	if err != nil {
		b.Fatal(err)
	}
	input := json.RawMessage(`{"requestId":"req-1","idempotencyKey":"k-1","body":"eyJhbW91bnQiOjEyNTB9"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		exec, err := m.Run(ctx, "bench", input)
		if err != nil || exec.Status != Succeeded {
			b.Fatalf("%v %v", err, exec.Status)
		}
	}
}
