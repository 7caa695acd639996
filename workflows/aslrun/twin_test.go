package aslrun

import (
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/asllint"

	"context"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"testing"
)

// The JSONata twin of the payments workflow (testdata/payments-jsonata.asl.json)
// has the states, retries and catchers of the synthesized JSONPath workflow
// (testdata/payments-synth.asl.json) and carries the payment, the result
// and the caught error in variables instead of ResultPath and OutputPath.
// Driven by the same handler fakes, both must reach the same outcome on
// every path: status, error, cause, output, what each handler received,
// and the backoff they waited.
func TestJSONataTwinOfThePaymentsWorkflowBehavesTheSame(t *testing.T) {
	storeDown := lambdaErr("Payment.StoreUnavailable", `{"status":503}`)
	serviceErr := lambdaErr("Lambda.ServiceException", "rate exceeded")
	scenarios := []struct {
		name       string
		fake       func(*fakeClock) *fakePayments
		wantStatus Status
		wantError  string // or the statusCode of the output
		wantCode   float64
	}{
		{"the happy path answers 201", func(*fakeClock) *fakePayments { return &fakePayments{} }, Succeeded, "", 201},
		{"a Lambda service error on Validate is retried", func(*fakeClock) *fakePayments { return &fakePayments{validateErrs: []error{serviceErr}} }, Succeeded, "", 201},
		{"a transient store failure is retried", func(*fakeClock) *fakePayments { return &fakePayments{persistErrs: []error{storeDown}} }, Succeeded, "", 201},
		{"a store that stays down queues the payment", func(*fakeClock) *fakePayments {
			return &fakePayments{persistErrs: []error{storeDown, storeDown, storeDown}}
		}, Succeeded, "", 202},
		{"a store failure, a timeout and a store failure queue the payment", func(c *fakeClock) *fakePayments {
			return &fakePayments{persistErrs: []error{storeDown, nil, storeDown}, persistHangs: c, hangOn: []int{2}}
		}, Succeeded, "", 202},
		{"a store that hangs queues the payment", func(c *fakeClock) *fakePayments { return &fakePayments{persistHangs: c} }, Succeeded, "", 202},
		{"an invalid request fails with Payment.Invalid", func(*fakeClock) *fakePayments {
			return &fakePayments{validateErr: lambdaErr("Payment.Invalid", `{"status":400}`)}
		}, Failed, "Payment.Invalid", 0},
		{"card data fails with Payment.CardDataRejected", func(*fakeClock) *fakePayments {
			return &fakePayments{validateErr: lambdaErr("Payment.CardDataRejected", `{"status":422}`)}
		}, Failed, "Payment.CardDataRejected", 0},
		{"an unexpected validation error fails with Payment.Internal", func(*fakeClock) *fakePayments { return &fakePayments{validateErr: errPlain} }, Failed, "Payment.Internal", 0},
		{"a reused key fails with Payment.IdempotencyKeyReused", func(*fakeClock) *fakePayments {
			return &fakePayments{persistErrs: []error{lambdaErr("Payment.IdempotencyKeyReused", `{"status":422}`)}}
		}, Failed, "Payment.IdempotencyKeyReused", 0},
		{"a key in progress fails with Payment.InProgress", func(*fakeClock) *fakePayments {
			return &fakePayments{persistErrs: []error{lambdaErr("Payment.InProgress", `{"status":409}`)}}
		}, Failed, "Payment.InProgress", 0},
		{"a store and a queue both down fail with Payment.QueueUnavailable", func(*fakeClock) *fakePayments {
			return &fakePayments{persistErrs: []error{storeDown, storeDown, storeDown}, enqueueErr: lambdaErr("Payment.QueueUnavailable", `{"status":503}`)}
		}, Failed, "Payment.QueueUnavailable", 0},
	}
	type outcome struct {
		exec     *Execution
		fake     *fakePayments
		sleeps   []any
		calls    int
		response map[string]any
	}
	run := func(t *testing.T, file string, newFake func(*fakeClock) *fakePayments) outcome {
		t.Helper()
		def, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		clock := newFakeClock()
		fake := newFake(clock)
		m, err := New(def, Options{Invoker: fake.invoker(), Clock: clock, Random: func() float64 { return 0.5 }, Name: "payments-workflow-dev"})
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		exec, err := m.Run(context.Background(), "exec-1", json.RawMessage(`{"requestId":"req-1","idempotencyKey":"k-1","body":"e30="}`))
		if err != nil {
			t.Fatal(err)
		}
		o := outcome{exec: exec, fake: fake, calls: fake.validations + len(fake.persisted) + len(fake.enqueued)}
		for _, d := range clock.slept() {
			o.sleeps = append(o.sleeps, d)
		}
		if exec.Output != nil {
			_ = json.Unmarshal(exec.Output, &o.response)
		}
		return o
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			jp := run(t, "testdata/payments-synth.asl.json", sc.fake)
			ja := run(t, "testdata/payments-jsonata.asl.json", sc.fake)
			if jp.exec.Status != sc.wantStatus || jp.exec.Error != sc.wantError || sc.wantCode != 0 && jp.response["statusCode"] != sc.wantCode {
				t.Fatalf("the JSONPath workflow gave %s %q %s, want %s %q %v", jp.exec.Status, jp.exec.Error, jp.exec.Output, sc.wantStatus, sc.wantError, sc.wantCode)
			}
			if ja.exec.Status != jp.exec.Status || ja.exec.Error != jp.exec.Error || ja.exec.Cause != jp.exec.Cause {
				t.Errorf("JSONata twin: %s %q %q; JSONPath: %s %q %q", ja.exec.Status, ja.exec.Error, ja.exec.Cause, jp.exec.Status, jp.exec.Error, jp.exec.Cause)
			}
			if !reflect.DeepEqual(ja.response, jp.response) {
				t.Errorf("JSONata twin output %s, JSONPath %s", ja.exec.Output, jp.exec.Output)
			}
			if ja.calls != jp.calls || !reflect.DeepEqual(ja.fake.persisted, jp.fake.persisted) || !reflect.DeepEqual(ja.fake.enqueued, jp.fake.enqueued) {
				t.Errorf("handlers got different events:\n twin    %d calls, persisted %+v, enqueued %+v\n JSONPath %d calls, persisted %+v, enqueued %+v",
					ja.calls, ja.fake.persisted, ja.fake.enqueued, jp.calls, jp.fake.persisted, jp.fake.enqueued)
			}
			if !slices.Equal(ja.sleeps, jp.sleeps) {
				t.Errorf("backoff: twin %v, JSONPath %v", ja.sleeps, jp.sleeps)
			}
		})
	}
}

// Both payments workflows pass the linter under the app's policy, the
// twin's variables included (every read is assigned on every path to it).
func TestPaymentsFixturesLintClean(t *testing.T) {
	opts := asllint.Options{DeclaredErrors: errorname.Strings(errorname.Declared()), MachineType: asllint.Express, Synchronous: true}
	for _, f := range []string{"testdata/payments-synth.asl.json", "testdata/payments-jsonata.asl.json"} {
		def, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, finding := range asllint.LintJSON(f, def, opts) {
			t.Errorf("%s", finding)
		}
	}
}
