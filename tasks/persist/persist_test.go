package persist_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/persist"
)

// fakeStore answers Persist with res and err.
type fakeStore struct {
	res payment.Result
	err error
	got payment.Payment
}

func (f *fakeStore) Persist(_ context.Context, p payment.Payment) (payment.Result, error) {
	f.got = p
	return f.res, f.err
}

const token = "tok_live_SECRET1234567"

func event() persist.Event {
	return persist.Event{RequestID: "req-1", Payment: payment.Payment{
		ID: "pay_abcdefghijklmnopqrstuvwxyz", Amount: 100, Currency: "EUR", Source: token,
		MerchantID: "m1", IdempotencyKeyHash: "kh", RequestHash: "rh",
	}}
}

func TestHandleReturnsTheStoreResultAClientOutcomeOrANamedLambdaError(t *testing.T) {
	tests := []struct {
		name  string
		store *fakeStore
		// wantErr is the Lambda error's type; wantOutcome the error of a
		// client outcome, answered as a result (neither: the store's
		// result as is).
		wantErr, wantOutcome errorname.Name
		wantCode             int
	}{
		{"a stored payment is 201", &fakeStore{res: payment.Result{StatusCode: 201, Body: "{}"}}, "", "", 201},
		{"a replay is passed through", &fakeStore{res: payment.Result{StatusCode: 201, Replayed: true, Body: "{}"}}, "", "", 201},
		{"key reuse is a 422 Payment.IdempotencyKeyReused result, not a function error",
			&fakeStore{err: payment.NewError(errorname.KeyReused, "reused")}, "", errorname.KeyReused, 422},
		{"a busy key is a 409 Payment.InProgress result, not a function error",
			&fakeStore{err: payment.NewError(errorname.InProgress, "busy").Wrap(errors.New("sdk: secret"))}, "", errorname.InProgress, 409},
		{"an unavailable store is a Payment.StoreUnavailable error", &fakeStore{err: payment.NewError(errorname.StoreUnavailable, "down").Wrap(errors.New("sdk: secret"))}, errorname.StoreUnavailable, "", 0},
		{"an unexpected error is a Payment.Internal error", &fakeStore{err: errors.New("sdk: secret")}, errorname.Internal, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := &persist.Handler{Store: tt.store, Log: slog.New(slog.NewJSONHandler(&logs, nil))}
			res, err := h.Handle(context.Background(), event())
			switch {
			case tt.wantOutcome != "":
				if err != nil {
					t.Fatalf("Handle error = %v, want the %s outcome as a result", err, tt.wantOutcome)
				}
				var problem payment.Problem
				if res.Error != tt.wantOutcome || res.StatusCode != tt.wantCode || json.Unmarshal([]byte(res.Body), &problem) != nil ||
					problem.Status != tt.wantCode || problem.Type != payment.ProblemTypeBase+string(tt.wantOutcome) {
					t.Fatalf("Handle = %+v, want a %d %s result with its problem document", res, tt.wantCode, tt.wantOutcome)
				}
				if strings.Contains(res.Body, "secret") {
					t.Errorf("the problem leaks the cause: %s", res.Body)
				}
			case tt.wantErr == "":
				if err != nil || res != tt.store.res {
					t.Fatalf("Handle = %+v, %v; want %+v", res, err, tt.store.res)
				}
			default:
				var le messages.InvokeResponse_Error
				if !errors.As(err, &le) || le.Type != string(tt.wantErr) {
					t.Fatalf("error = %#v, want a Lambda error of type %s", err, tt.wantErr)
				}
				if strings.Contains(le.Message, "secret") {
					t.Errorf("error message leaks the cause: %s", le.Message)
				}
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("logs contain the source token: %s", logs.String())
			}
			if !strings.Contains(logs.String(), `"request_id":"req-1"`) || !strings.Contains(logs.String(), `"payment_id":"pay_`) {
				t.Errorf("logs lack request_id or payment_id: %s", logs.String())
			}
		})
	}
}

func TestHandleThroughTheLambdaRuntimeDecodesTheWorkflowEvent(t *testing.T) {
	f := &fakeStore{res: payment.Result{StatusCode: 201, Body: `{"id":"x"}`}}
	h := &persist.Handler{Store: f, Log: slog.New(slog.DiscardHandler)}
	in, _ := json.Marshal(event())
	out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `{"statusCode":201,"replayed":false,"body":"{\"id\":\"x\"}"}` {
		t.Errorf("output = %s", out)
	}
	if f.got.RequestHash != "rh" || f.got.ID != event().Payment.ID {
		t.Errorf("store got %+v", f.got)
	}
}
