package queue_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
)

func TestMain(m *testing.M) { emulator.Main(m) }

// fakeSQS records the message sent, or fails with err.
type fakeSQS struct {
	err  error
	sent *sqs.SendMessageInput
}

func (f *fakeSQS) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	f.sent = in
	if f.err != nil {
		return nil, f.err
	}
	return &sqs.SendMessageOutput{MessageId: aws.String("m1")}, nil
}

func samplePayment() payment.Payment {
	return payment.Payment{
		ID: "pay_abcdefghijklmnopqrstuvwxyz", Amount: 1000, Currency: "USD", Source: "tok_abcdef123456",
		MerchantID: "m_1", Owner: "arn:aws:iam::111122223333:user/m_1", IdempotencyKeyHash: "kh", RequestHash: "rh",
	}
}

func TestEnqueueSendsThePaymentWithItsFailure(t *testing.T) {
	f := &fakeSQS{}
	p := samplePayment()
	if err := queue.New(f, "https://sqs/q").Enqueue(context.Background(), p, errorname.StoreUnavailable, 3); err != nil {
		t.Fatal(err)
	}
	var got payment.Payment
	if err := json.Unmarshal([]byte(aws.ToString(f.sent.MessageBody)), &got); err != nil || got.ID != p.ID || got.RequestHash != p.RequestHash {
		t.Errorf("body = %s (%v), want the payment JSON", aws.ToString(f.sent.MessageBody), err)
	}
	reason, attempt := f.sent.MessageAttributes[queue.AttrReason], f.sent.MessageAttributes[queue.AttrAttempt]
	if aws.ToString(reason.StringValue) != string(errorname.StoreUnavailable) || aws.ToString(reason.DataType) != "String" {
		t.Errorf("failure_reason = %+v", reason)
	}
	if aws.ToString(attempt.StringValue) != "3" || aws.ToString(attempt.DataType) != "Number" {
		t.Errorf("attempt = %+v, want Number 3", attempt)
	}
}

func TestEnqueueFailuresAreQueueUnavailable(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"a throttled send", &smithy.GenericAPIError{Code: "RequestThrottled", Message: "secret"}},
		{"a missing queue", &types.QueueDoesNotExist{Message: aws.String("secret")}},
		{"a timeout", context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is queue unavailable and hides the SDK error", func(t *testing.T) {
			err := queue.New(&fakeSQS{err: tt.err}, "https://sqs/q").Enqueue(context.Background(), samplePayment(), errorname.StoreUnavailable, 1)
			var e *payment.Error
			if !errors.As(err, &e) || e.Name != errorname.QueueUnavailable {
				t.Fatalf("error = %v, want %s", err, errorname.QueueUnavailable)
			}
			if strings.Contains(e.ProblemJSON(), "secret") {
				t.Errorf("problem leaks the SDK error: %s", e.ProblemJSON())
			}
		})
	}
}

func TestDecode(t *testing.T) {
	good, _ := json.Marshal(samplePayment())
	num := func(s string) events.SQSMessageAttribute {
		return events.SQSMessageAttribute{StringValue: &s, DataType: "Number"}
	}
	tests := []struct {
		name    string
		body    string
		attrs   map[string]events.SQSMessageAttribute
		wantErr bool
	}{
		{"a queued payment with its attributes decodes", string(good), map[string]events.SQSMessageAttribute{queue.AttrAttempt: num("2")}, false},
		{"a payment without attributes decodes", string(good), nil, false},
		{"an empty body is malformed", "", nil, true},
		{"a JSON array is malformed", "[]", nil, true},
		{"a field added by a newer deploy is not poison: it decodes", strings.Replace(string(good), `{`, `{"owner":"arn:aws:iam::1:user/x","priority":2,`, 1), nil, false},
		{"trailing data is malformed", string(good) + "{}", nil, true},
		{"a payment without its owner is malformed: it can be neither stored nor read", strings.Replace(string(good), `"owner":"`+samplePayment().Owner+`"`, `"owner":""`, 1), nil, true},
		{"a payment without id is malformed", strings.Replace(string(good), `"pay_abcdefghijklmnopqrstuvwxyz"`, `""`, 1), nil, true},
		{"an unreadable attempt attribute is not poison: it reads as 0", string(good), map[string]events.SQSMessageAttribute{queue.AttrAttempt: num("-1")}, false},
		{"a payment object with a field of the wrong type is malformed", strings.Replace(string(good), `"amount":1000`, `"amount":"1000"`, 1), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := queue.Decode(events.SQSMessage{Body: tt.body, MessageAttributes: tt.attrs})
			if (err != nil) != tt.wantErr {
				t.Fatalf("Decode error = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, queue.ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if err == nil && m.Payment.ID != samplePayment().ID {
				t.Errorf("decoded id %q", m.Payment.ID)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	good, _ := json.Marshal(samplePayment())
	f.Add(string(good), "1")
	f.Add(`{"id":"x"}`, "x")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, body, attempt string) {
		m, err := queue.Decode(events.SQSMessage{Body: body, MessageAttributes: map[string]events.SQSMessageAttribute{
			queue.AttrAttempt: {StringValue: &attempt, DataType: "Number"},
		}})
		if err != nil {
			if !errors.Is(err, queue.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			if len(body) > 8 && strings.Contains(err.Error(), body) {
				t.Fatalf("error quotes the body")
			}
			return
		}
		if m.Payment.ID == "" || m.Payment.RequestHash == "" || m.Payment.IdempotencyKeyHash == "" || m.Attempt < 0 || m.Failures < 0 || m.Payment.Owner == "" {
			t.Fatalf("accepted an incomplete message: %+v", m)
		}
	})
}

func TestEnqueueToTheSQSEmulatorRoundTrips(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	client := emulator.SQSClient(emulator.SQS(t))
	q, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("failed-transactions-queue-roundtrip")})
	if err != nil {
		t.Fatal(err)
	}
	p := samplePayment()
	if err := queue.New(client, aws.ToString(q.QueueUrl)).Enqueue(ctx, p, errorname.StoreUnavailable, 4); err != nil {
		t.Fatal(err)
	}
	out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1,
		MessageAttributeNames: []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 1 {
		t.Fatalf("received %d messages, want 1", len(out.Messages))
	}
	m := out.Messages[0]
	attrs := map[string]events.SQSMessageAttribute{}
	for k, v := range m.MessageAttributes {
		attrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType)}
	}
	got, err := queue.Decode(events.SQSMessage{Body: aws.ToString(m.Body), MessageAttributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	if got.Payment.ID != p.ID || got.Reason != errorname.StoreUnavailable || got.Attempt != 4 {
		t.Errorf("decoded %+v, want the payment, reason and attempt 4", got)
	}
}

// hangingSQS never answers before its context ends. A send whose context
// has no deadline would hang for ever: it is answered at once and counted
// in unbounded.
type hangingSQS struct{ unbounded atomic.Int32 }

func (h *hangingSQS) SendMessage(ctx context.Context, _ *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if _, ok := ctx.Deadline(); !ok {
		h.unbounded.Add(1)
		return nil, errors.New("hangingSQS: a send without a deadline")
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// A send is bounded by the queue's call timeout, inside the function's
// timeout, so the workflow hears Payment.QueueUnavailable from the function
// rather than a Task timeout while the send may still complete.
func TestAHungSendIsCutOffByTheCallTimeout(t *testing.T) {
	// GIVEN a queue that never answers, WHEN Enqueue runs under a context
	// without a deadline, THEN the queue's call timeout alone bounds the
	// send (the fake tells whether it carried a deadline; no wall-clock
	// assertion) and the answer is QueueUnavailable.
	sender := &hangingSQS{}
	q := queue.New(sender, "https://sqs/q", queue.WithCallTimeout(50*time.Millisecond))
	err := q.Enqueue(context.Background(), samplePayment(), errorname.StoreUnavailable, 1)
	if n := sender.unbounded.Load(); n > 0 {
		t.Errorf("Enqueue made %d sends without a deadline: nothing cuts off a hung send", n)
	}
	var e *payment.Error
	if !errors.As(err, &e) || e.Name != errorname.QueueUnavailable {
		t.Errorf("error = %v, want %s", err, errorname.QueueUnavailable)
	}
}

func TestDecodeReadsHowOftenAMessageCrashedTheFunction(t *testing.T) {
	good, _ := json.Marshal(samplePayment())
	for _, tt := range []struct {
		value string
		want  int
	}{{"", 0}, {"2", 2}, {"x", 0}, {"-3", 0}} {
		attrs := map[string]events.SQSMessageAttribute{}
		if tt.value != "" {
			attrs[queue.AttrFailures] = events.SQSMessageAttribute{StringValue: aws.String(tt.value), DataType: "Number"}
		}
		m, err := queue.Decode(events.SQSMessage{Body: string(good), MessageAttributes: attrs})
		if err != nil || m.Failures != tt.want {
			t.Errorf("failures %q: Failures = %d (%v), want %d", tt.value, m.Failures, err, tt.want)
		}
	}
}

// A dead-lettered copy keeps the body and every attribute, with the ones
// given replaced.
func TestResendCopiesTheMessageWithNewAttributes(t *testing.T) {
	f := &fakeSQS{}
	m := events.SQSMessage{Body: `{"id":"x"}`, MessageAttributes: map[string]events.SQSMessageAttribute{
		queue.AttrReason:      {StringValue: aws.String(string(errorname.StoreUnavailable)), DataType: "String"},
		queue.AttrDeadLetters: {StringValue: aws.String("1"), DataType: "Number"},
	}}
	if err := queue.New(f, "https://sqs/dlq").Resend(context.Background(), m, map[string]int{queue.AttrDeadLetters: 2}); err != nil {
		t.Fatal(err)
	}
	if aws.ToString(f.sent.QueueUrl) != "https://sqs/dlq" || aws.ToString(f.sent.MessageBody) != m.Body {
		t.Errorf("sent %s to %s", aws.ToString(f.sent.MessageBody), aws.ToString(f.sent.QueueUrl))
	}
	if got := f.sent.MessageAttributes[queue.AttrDeadLetters]; aws.ToString(got.StringValue) != "2" || aws.ToString(got.DataType) != "Number" {
		t.Errorf("dead_letters = %+v, want Number 2", got)
	}
	if got := f.sent.MessageAttributes[queue.AttrReason]; aws.ToString(got.StringValue) != string(errorname.StoreUnavailable) {
		t.Errorf("failure_reason = %+v, want it kept", got)
	}
}
