package reprocess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
)

// fakeStore answers Persist from a function of the payment id.
type fakeStore func(p payment.Payment) (payment.Result, error)

func (f fakeStore) Persist(_ context.Context, p payment.Payment) (payment.Result, error) { return f(p) }

const token = "tok_live_SECRET1234567"

func message(id string) events.SQSMessage {
	body, _ := json.Marshal(payment.Payment{ID: id, Amount: 100, Currency: "EUR", Source: token, MerchantID: "m1",
		Owner: "arn:aws:iam::111122223333:user/m1", IdempotencyKeyHash: "kh-" + id, RequestHash: "rh"})
	return events.SQSMessage{MessageId: "msg-" + id, Body: string(body)}
}

func TestHandleReportsOnlyTheMessagesToRetry(t *testing.T) {
	tests := []struct {
		name       string
		outcome    error
		replayed   bool
		msg        events.SQSMessage
		wantRetry  bool
		wantLogged string
	}{
		{"a persisted payment is acknowledged", nil, false, message("p1"), false, "queued payment persisted"},
		{"an already persisted payment is acknowledged", nil, true, message("p1"), false, "queued payment persisted"},
		{"a busy key is retried", payment.NewError(errorname.InProgress, "busy"), false, message("p1"), true, "not persisted yet"},
		{"an unavailable store is retried", payment.NewError(errorname.StoreUnavailable, "down"), false, message("p1"), true, "not persisted yet"},
		{"an unexpected error is retried", errors.New("boom"), false, message("p1"), true, "not persisted yet"},
		{"a key owned by another payment is logged and acknowledged", payment.NewError(errorname.KeyReused, "reused"), false, message("p1"), false, "belongs to a different payment"},
		{"a malformed message is retried until it reaches the DLQ", nil, false, events.SQSMessage{MessageId: "msg-bad", Body: `{"card":"4111"}`}, true, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			calls := 0
			h := &reprocess.Handler{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Store: fakeStore(func(payment.Payment) (payment.Result, error) {
				calls++
				if tt.outcome != nil {
					return payment.Result{}, tt.outcome
				}
				return payment.Result{StatusCode: 201, Replayed: tt.replayed}, nil
			})}
			resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{tt.msg}})
			if err != nil {
				t.Fatal(err)
			}
			retried := len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier == tt.msg.MessageId
			if retried != tt.wantRetry || len(resp.BatchItemFailures) > 1 {
				t.Errorf("batch item failures = %+v, want retry %v", resp.BatchItemFailures, tt.wantRetry)
			}
			if !strings.Contains(logs.String(), tt.wantLogged) {
				t.Errorf("logs lack %q: %s", tt.wantLogged, logs.String())
			}
			if strings.Contains(logs.String(), token) || strings.Contains(logs.String(), "4111") {
				t.Errorf("logs contain payment data: %s", logs.String())
			}
		})
	}
}

func TestHandleKeepsGoingAfterAFailedMessage(t *testing.T) {
	persisted := map[string]bool{}
	h := &reprocess.Handler{Log: slog.New(slog.DiscardHandler), Store: fakeStore(func(p payment.Payment) (payment.Result, error) {
		if p.ID == "p2" {
			return payment.Result{}, payment.NewError(errorname.StoreUnavailable, "down")
		}
		persisted[p.ID] = true
		return payment.Result{StatusCode: 201}, nil
	})}
	resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{message("p1"), message("p2"), message("p3")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "msg-p2" {
		t.Errorf("failures = %+v, want only msg-p2", resp.BatchItemFailures)
	}
	if !persisted["p1"] || !persisted["p3"] {
		t.Errorf("persisted %v, want p1 and p3", persisted)
	}
}
