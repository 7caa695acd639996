package reprocess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// fakeStore answers Persist from a function of the payment id and records
// what it parks; parkErr fails parking.
type fakeStore struct {
	persist func(p payment.Payment) (payment.Result, error)
	parked  []store.Parked
	parkErr error
}

func (f *fakeStore) Persist(_ context.Context, p payment.Payment) (payment.Result, error) {
	return f.persist(p)
}

func (f *fakeStore) Park(_ context.Context, p store.Parked) (string, error) {
	if f.parkErr != nil {
		return "", f.parkErr
	}
	f.parked = append(f.parked, p)
	return store.ParkedKey(p.PaymentID, p.RequestHash, p.Body), nil
}

func answer(res payment.Result, err error) *fakeStore {
	return &fakeStore{persist: func(payment.Payment) (payment.Result, error) { return res, err }}
}

// fakeDLQ records the copies sent to the DLQ.
type fakeDLQ struct {
	sent []map[string]int
	err  error
}

func (f *fakeDLQ) Resend(_ context.Context, _ events.SQSMessage, set map[string]int) error {
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, set)
	return nil
}

const token = "tok_live_SECRET1234567"

func message(id string) events.SQSMessage {
	body, _ := json.Marshal(payment.Payment{ID: id, Amount: 100, Currency: "EUR", Source: token, MerchantID: "m1",
		Owner: "arn:aws:iam::111122223333:user/m1", IdempotencyKeyHash: "kh-" + id, RequestHash: "rh"})
	return events.SQSMessage{MessageId: "msg-" + id, Body: string(body), Attributes: map[string]string{"ApproximateReceiveCount": "1"}}
}

// received is m on its n-th receive, after its handling crashed failures
// times.
func received(m events.SQSMessage, n, failures int) events.SQSMessage {
	m.Attributes = map[string]string{"ApproximateReceiveCount": strconv.Itoa(n)}
	m.MessageAttributes = map[string]events.SQSMessageAttribute{
		queue.AttrFailures: {StringValue: aws.String(strconv.Itoa(failures)), DataType: "Number"},
		// Counted by earlier versions, outages included: read by nothing now.
		queue.AttrDeadLetters: {StringValue: aws.String("7"), DataType: "Number"},
	}
	return m
}

// withoutOwner is m's payment with no owner.
func withoutOwner(m events.SQSMessage) events.SQSMessage {
	m.Body = strings.Replace(m.Body, `"owner":"arn:aws:iam::111122223333:user/m1"`, `"owner":""`, 1)
	return m
}

func TestHandleReportsOnlyTheMessagesToRetry(t *testing.T) {
	down := payment.NewError(errorname.StoreUnavailable, "down")
	crash := func() *fakeStore {
		return &fakeStore{persist: func(payment.Payment) (payment.Result, error) { panic("nil map") }}
	}
	tests := []struct {
		name      string
		store     *fakeStore
		dlq       *fakeDLQ
		msg       events.SQSMessage
		wantRetry bool
		// wantParked is the reason the message is parked with ("" none);
		// wantFailures the failures of the copy sent to the DLQ (0 none).
		wantParked   store.ParkReason
		wantFailures int
		wantLogged   string
	}{
		{"a persisted payment is acknowledged", answer(payment.Result{StatusCode: 201}, nil), &fakeDLQ{}, message("p1"), false, "", 0, "queued payment persisted"},
		{"an already persisted payment is acknowledged", answer(payment.Result{StatusCode: 201, Replayed: true}, nil), &fakeDLQ{}, message("p1"), false, "", 0, "queued payment persisted"},
		{"a payment carrying a field from a newer deploy is persisted, not poison", answer(payment.Result{StatusCode: 201}, nil), &fakeDLQ{},
			events.SQSMessage{MessageId: "msg-new", Body: strings.Replace(message("p1").Body, "{", `{"owner":"caller-1",`, 1)}, false, "", 0, "queued payment persisted"},
		{"a busy key is retried", answer(payment.Result{}, payment.NewError(errorname.InProgress, "busy")), &fakeDLQ{}, message("p1"), true, "", 0, "not persisted yet"},
		{"an unavailable store is retried and logged as the platform signal", answer(payment.Result{}, down), &fakeDLQ{}, message("p1"), true, "", 0, store.UnavailableLogMessage},
		{"a request the store refuses (a lost permission) is retried, not counted", answer(payment.Result{}, errors.New("AccessDeniedException")), &fakeDLQ{}, message("p1"), true, "", 0, "not persisted yet"},
		{"an unavailable store on the tenth receive is retried, not dead-lettered or parked: an outage never counts",
			answer(payment.Result{}, down), &fakeDLQ{}, received(message("p1"), 10, 0), true, "", 0, store.UnavailableLogMessage},
		{"a message received many times (redriven after outages) is still persisted",
			answer(payment.Result{StatusCode: 201}, nil), &fakeDLQ{}, received(message("p1"), 9, 0), false, "", 0, "queued payment persisted"},
		{"a key owned by another payment is parked with its reason and acknowledged, never dropped",
			answer(payment.Result{}, payment.NewError(errorname.KeyReused, "reused")), &fakeDLQ{}, message("p1"), false, store.ParkedKeyReused, 0, reprocess.ParkedLogMessage},
		{"a message that is not a payment is parked and acknowledged, not redriven forever", answer(payment.Result{StatusCode: 201}, nil), &fakeDLQ{},
			events.SQSMessage{MessageId: "msg-bad", Body: `{"card":"4111"}`}, false, store.ParkedMalformed, 0, reprocess.ParkedLogMessage},
		{"a payment without its owner is malformed, parked at once rather than retried for an hour",
			answer(payment.Result{StatusCode: 201}, nil), &fakeDLQ{}, withoutOwner(message("p1")), false, store.ParkedMalformed, 0, "payment has no owner"},
		{"a delivery that crashes the function is dead-lettered with its failure counted",
			crash(), &fakeDLQ{}, received(message("p1"), 1, 0), false, "", 1, "crashed"},
		{"the last allowed crash parks the payment as poison",
			crash(), &fakeDLQ{}, received(message("p1"), 1, 2), false, store.ParkedPoison, 0, reprocess.ParkedLogMessage},
		{"a message that cannot be parked stays on the queue", &fakeStore{persist: func(payment.Payment) (payment.Result, error) {
			return payment.Result{}, payment.NewError(errorname.KeyReused, "reused")
		}, parkErr: down}, &fakeDLQ{}, message("p1"), true, "", 0, "could not be parked"},
		{"a crashed message that cannot be dead-lettered stays on the queue",
			crash(), &fakeDLQ{err: errors.New("sqs down")}, received(message("p1"), 1, 0), true, "", 0, "could not be dead-lettered"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			h := &reprocess.Handler{Log: slog.New(slog.NewJSONHandler(&logs, nil)), Store: tt.store, DLQ: tt.dlq, MaxFailures: 3}
			resp, err := h.Handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{tt.msg}})
			if err != nil {
				t.Fatal(err)
			}
			retried := len(resp.BatchItemFailures) == 1 && resp.BatchItemFailures[0].ItemIdentifier == tt.msg.MessageId
			if retried != tt.wantRetry || len(resp.BatchItemFailures) > 1 {
				t.Errorf("batch item failures = %+v, want retry %v", resp.BatchItemFailures, tt.wantRetry)
			}
			switch {
			case tt.wantParked == "" && len(tt.store.parked) > 0:
				t.Errorf("parked %+v, want nothing parked", tt.store.parked)
			case tt.wantParked != "" && (len(tt.store.parked) != 1 || tt.store.parked[0].Reason != tt.wantParked || tt.store.parked[0].Body != tt.msg.Body):
				t.Errorf("parked %+v, want the message parked once as %s", tt.store.parked, tt.wantParked)
			}
			switch {
			case tt.wantFailures == 0 && len(tt.dlq.sent) > 0:
				t.Errorf("dead-lettered %v, want nothing", tt.dlq.sent)
			case tt.wantFailures != 0 && (len(tt.dlq.sent) != 1 || tt.dlq.sent[0][queue.AttrFailures] != tt.wantFailures):
				t.Errorf("dead-lettered %v, want one copy with failures %d", tt.dlq.sent, tt.wantFailures)
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
	h := &reprocess.Handler{Log: slog.New(slog.DiscardHandler), Store: &fakeStore{persist: func(p payment.Payment) (payment.Result, error) {
		if p.ID == "p2" {
			return payment.Result{}, payment.NewError(errorname.StoreUnavailable, "down")
		}
		persisted[p.ID] = true
		return payment.Result{StatusCode: 201}, nil
	}}}
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

// Messages the function cannot reach before its deadline are reported
// for retry, not lost with the whole batch to Lambda's timeout.
func TestHandleReportsTheMessagesItHadNoTimeFor(t *testing.T) {
	h := &reprocess.Handler{Log: slog.New(slog.DiscardHandler), Store: answer(payment.Result{StatusCode: 201}, nil), DLQ: &fakeDLQ{}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second) // under the 2 s margin
	defer cancel()
	resp, err := h.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{message("p1"), message("p2")}})
	if err != nil || len(resp.BatchItemFailures) != 2 {
		t.Errorf("failures = %+v, %v; want both messages reported for retry", resp.BatchItemFailures, err)
	}
}
