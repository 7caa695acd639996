package enqueue_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/tasks/enqueue"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// fakeQueue records what was queued, or fails with err.
type fakeQueue struct {
	err     error
	got     payment.Payment
	reason  errorname.Name
	attempt int
	calls   int
}

func (f *fakeQueue) Enqueue(_ context.Context, p payment.Payment, reason errorname.Name, attempt int) error {
	f.calls++
	f.got, f.reason, f.attempt = p, reason, attempt
	return f.err
}

const token = "tok_live_SECRET1234567"

func event() enqueue.Event {
	return enqueue.Event{
		RequestID: "req-1",
		Payment: payment.Payment{ID: "pay_abcdefghijklmnopqrstuvwxyz", Amount: 100, Currency: "EUR", Source: token,
			MerchantID: "m1", IdempotencyKeyHash: "kh", RequestHash: "rh"},
		Failure: enqueue.Failure{Error: string(errorname.StoreUnavailable), Cause: `{"title":"x"}`},
	}
}

func TestHandleQueuesThePaymentAndAnswers202(t *testing.T) {
	tests := []struct {
		name        string
		change      func(*enqueue.Event)
		wantReason  errorname.Name
		wantAttempt int
	}{
		{"a store failure is queued with its name and attempt 1", func(*enqueue.Event) {}, errorname.StoreUnavailable, 1},
		{"a given attempt count is kept", func(e *enqueue.Event) { e.Attempt = 4 }, errorname.StoreUnavailable, 4},
		{"a timeout keeps its States name", func(e *enqueue.Event) { e.Failure.Error = string(errorname.StatesTimeout) }, errorname.StatesTimeout, 1},
		{"an undeclared error name is not forwarded", func(e *enqueue.Event) { e.Failure.Error = "free text <script>" }, errorname.StoreUnavailable, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			q := &fakeQueue{}
			ev := event()
			tt.change(&ev)
			res, err := (&enqueue.Handler{Queue: q, Log: slog.New(slog.NewJSONHandler(&logs, nil))}).Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != 202 || res.Replayed || res.Body != `{"id":"pay_abcdefghijklmnopqrstuvwxyz","status":"QUEUED"}` {
				t.Errorf("result = %+v", res)
			}
			if q.got.ID != ev.Payment.ID || q.reason != tt.wantReason || q.attempt != tt.wantAttempt {
				t.Errorf("queued %s reason %s attempt %d; want reason %s attempt %d", q.got.ID, q.reason, q.attempt, tt.wantReason, tt.wantAttempt)
			}
			if strings.Contains(logs.String(), token) {
				t.Errorf("logs contain the token: %s", logs.String())
			}
		})
	}
}

func TestHandleFailures(t *testing.T) {
	tests := []struct {
		name      string
		queue     *fakeQueue
		change    func(*enqueue.Event)
		want      errorname.Name
		wantCalls int
	}{
		{"an unavailable queue is Payment.QueueUnavailable",
			&fakeQueue{err: payment.NewError(errorname.QueueUnavailable, "down").Wrap(errors.New("sdk secret"))}, func(*enqueue.Event) {}, errorname.QueueUnavailable, 1},
		{"an event without a payment is internal and queues nothing",
			&fakeQueue{}, func(e *enqueue.Event) { e.Payment = payment.Payment{} }, errorname.Internal, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := event()
			tt.change(&ev)
			_, err := (&enqueue.Handler{Queue: tt.queue, Log: slog.New(slog.DiscardHandler)}).Handle(context.Background(), ev)
			var le messages.InvokeResponse_Error
			if !errors.As(err, &le) || le.Type != string(tt.want) {
				t.Fatalf("error = %#v, want type %s", err, tt.want)
			}
			if strings.Contains(le.Message, "secret") {
				t.Errorf("message leaks the cause: %s", le.Message)
			}
			if tt.queue.calls != tt.wantCalls {
				t.Errorf("%d enqueues, want %d", tt.queue.calls, tt.wantCalls)
			}
		})
	}
}

// slowQueue answers only when its context ends, as a send that never
// returns does, and reports how much time it was given.
type slowQueue struct{ given time.Duration }

func (s *slowQueue) Enqueue(ctx context.Context, _ payment.Payment, _ errorname.Name, _ int) error {
	if d, ok := ctx.Deadline(); ok {
		s.given = time.Until(d)
	}
	<-ctx.Done()
	return payment.NewError(errorname.QueueUnavailable, "timed out").Wrap(ctx.Err())
}

// The handler keeps a margin before the invocation's deadline, so that
// Step Functions hears Payment.QueueUnavailable from it rather than a
// Lambda timeout.
func TestHandleAnswersBeforeTheFunctionsDeadline(t *testing.T) {
	q := &slowQueue{}
	h := &enqueue.Handler{Queue: q, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := h.Handle(ctx, event())
	var le messages.InvokeResponse_Error
	if !errors.As(err, &le) || le.Type != string(errorname.QueueUnavailable) {
		t.Fatalf("error = %v, want %s", err, errorname.QueueUnavailable)
	}
	if ctx.Err() != nil || q.given > 800*time.Millisecond {
		t.Errorf("the send was given %s of the invocation's 1 s, want a margin kept", q.given)
	}
}
