package aslrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
)

var _ LambdaHandler = lambda.NewHandler(func() error { return nil })

type amountError struct{}

func (*amountError) Error() string { return "amount too large" }

// The error name and cause a Task reports for what a Go handler returns,
// through aws-lambda-go's own handler wrapper as the local runner uses it.
func TestLambdaHandlerErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		plain     bool
		wantName  string
		wantCause string
	}{
		{
			name:      "an InvokeResponse_Error value is named by its Type and its cause is the Lambda error payload",
			err:       messages.InvokeResponse_Error{Type: "Payment.Invalid", Message: `{"title":"bad"}`},
			wantName:  "Payment.Invalid",
			wantCause: `{"errorMessage":"{\"title\":\"bad\"}","errorType":"Payment.Invalid"}`,
		},
		{
			name:      "an *InvokeResponse_Error is named by its Type",
			err:       &messages.InvokeResponse_Error{Type: "Payment.InProgress", Message: "later"},
			wantName:  "Payment.InProgress",
			wantCause: `{"errorMessage":"later","errorType":"Payment.InProgress"}`,
		},
		{
			name:      "with PlainLambdaCause the cause is the message alone",
			err:       messages.InvokeResponse_Error{Type: "Payment.Invalid", Message: `{"title":"bad"}`},
			plain:     true,
			wantName:  "Payment.Invalid",
			wantCause: `{"title":"bad"}`,
		},
		{
			name:      "errors.New is named errorString, as Lambda reports it",
			err:       errors.New("boom"),
			wantName:  "errorString",
			wantCause: `{"errorMessage":"boom","errorType":"errorString"}`,
		},
		{
			name:      "fmt.Errorf with %w is named wrapError",
			err:       fmt.Errorf("store: %w", errors.New("down")),
			wantName:  "wrapError",
			wantCause: `{"errorMessage":"store: down","errorType":"wrapError"}`,
		},
		{
			name:      "a custom pointer error is named by its type",
			err:       &amountError{},
			wantName:  "amountError",
			wantCause: `{"errorMessage":"amount too large","errorType":"amountError"}`,
		},
		{
			name:      "a TaskError passes name and cause through verbatim",
			err:       &TaskError{Name: "Payment.StoreUnavailable", Cause: "throttled"},
			wantName:  "Payment.StoreUnavailable",
			wantCause: "throttled",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := lambda.NewHandler(func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, tt.err })
			inv := &LambdaInvoker{Functions: map[string]LambdaHandler{"Validate": h}}
			def := oneState(`{"Type":"Task","Resource":"arn:aws:lambda:eu-west-1:111122223333:function:Validate","End":true}`)
			exec := mustRun(t, mustNew(t, def, Options{Invoker: inv, PlainLambdaCause: tt.plain}), `{}`)
			if exec.Status != Failed || exec.Error != tt.wantName || exec.Cause != tt.wantCause {
				t.Errorf("got %s %q %q, want FAILED %q %q", exec.Status, exec.Error, exec.Cause, tt.wantName, tt.wantCause)
			}
		})
	}
}

func TestLambdaInvoker(t *testing.T) {
	echo := lambda.NewHandler(func(_ context.Context, ev map[string]any) (map[string]any, error) {
		return map[string]any{"got": ev}, nil
	})
	inv := &LambdaInvoker{Functions: map[string]LambdaHandler{
		"Echo": echo,
		"arn:aws:lambda:us-east-1:123456789012:function:Exact": LambdaHandlerFunc(func(context.Context, []byte) ([]byte, error) {
			return []byte(`"exact"`), nil
		}),
		"Panics": LambdaHandlerFunc(func(context.Context, []byte) ([]byte, error) { panic("kaboom") }),
	}}
	tests := []struct {
		name, state, input string
		wantStatus         Status
		wantOutput         string
		wantError          string
	}{
		{"a function ARN resource finds the handler by name", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Echo","End":true}`, `{"a":1}`, Succeeded, `{"got":{"a":1}}`, ""},
		{"a qualified ARN finds the handler by name", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Echo:live","End":true}`, `{"a":1}`, Succeeded, `{"got":{"a":1}}`, ""},
		{"an exact ARN key wins", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Exact","End":true}`, `{}`, Succeeded, `"exact"`, ""},
		{"the lambda:invoke integration wraps the payload", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:Echo","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload","s.$":"$.StatusCode"},"End":true}`, `{"a":1}`, Succeeded, `{"p":{"got":{"a":1}},"s":200}`, ""},
		{"an unknown function fails with Lambda.ResourceNotFoundException", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Nope","End":true}`, `{}`, Failed, "", "Lambda.ResourceNotFoundException"},
		{"a panicking handler fails the task, named by the panic value's type", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Panics","End":true}`, `{}`, Failed, "", "string"},
		{"an event the handler cannot decode fails the task", `{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Echo","End":true}`, `[1]`, Failed, "", "UnmarshalTypeError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := mustRun(t, mustNew(t, oneState(tt.state), Options{Invoker: inv}), tt.input)
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError {
				t.Fatalf("got %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError)
			}
			if tt.wantOutput != "" && !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output %s, want %s", exec.Output, tt.wantOutput)
			}
		})
	}
}

// aws-lambda-go handlers return their response in a pooled buffer; a Map
// running the same function for many items must still see each item's
// own response.
func TestConcurrentCallsToOneLambdaHandlerKeepTheirResponses(t *testing.T) {
	h := lambda.NewHandler(func(_ context.Context, n int) (map[string]int, error) { return map[string]int{"n": n}, nil })
	inv := &LambdaInvoker{Functions: map[string]LambdaHandler{"Echo": h}}
	def := oneState(`{"Type":"Map","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:Echo","OutputPath":"$.n","End":true}}},"End":true}`)
	m := mustNew(t, def, Options{Invoker: inv})
	items := make([]int, 200)
	for i := range items {
		items[i] = i
	}
	in, _ := json.Marshal(items)
	exec := mustRun(t, m, string(in))
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, string(in)) {
		t.Fatalf("got %s %s", exec.Status, exec.Output)
	}
	for _, ev := range exec.History {
		if ev.Type == LambdaFunctionSucceeded && !json.Valid(ev.Output) {
			t.Errorf("history output %q was overwritten", ev.Output)
		}
	}
}
