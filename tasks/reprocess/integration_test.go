package reprocess_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/enqueue"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/persist"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func TestMain(m *testing.M) { emulator.Main(m) }

// env is a table in DynamoDB Local and a failed-transactions queue with a
// DLQ in the SQS emulator.
type env struct {
	db         *dynamodb.Client
	table      string
	sqs        *sqs.Client
	queue, dlq string
}

func newEnv(t *testing.T, maxReceive int) env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a cold DynamoDB Local on a busy machine is slow
	defer cancel()
	e := env{db: emulator.DynamoDBClient(emulator.DynamoDB(t)), sqs: emulator.SQSClient(emulator.SQS(t)),
		table: emulator.UniqueName("transactions-table")}
	if err := store.CreateTable(ctx, e.db, e.table); err != nil {
		t.Fatal(err)
	}
	dlq, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(emulator.UniqueName("failed-transactions-dlq"))})
	if err != nil {
		t.Fatal(err)
	}
	arn, err := e.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	q, err := e.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(emulator.UniqueName("failed-transactions-queue")), Attributes: map[string]string{
		"VisibilityTimeout": "1",
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, arn.Attributes["QueueArn"], maxReceive),
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.queue, e.dlq = aws.ToString(q.QueueUrl), aws.ToString(dlq.QueueUrl)
	return e
}

// receive receives up to 10 messages from url as the Lambda event source
// mapping would hand them to the function. It short-polls: the emulator's
// long poll keeps collecting until the wait ends and can return a message
// twice in one batch when its visibility timeout expires meanwhile.
func (e env) receive(t *testing.T, url string) events.SQSEvent {
	t.Helper()
	out, err := e.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		attrs := map[string]events.SQSMessageAttribute{}
		for k, v := range m.MessageAttributes {
			attrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, BinaryValue: v.BinaryValue, DataType: aws.ToString(v.DataType)}
		}
		ev.Records = append(ev.Records, events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Attributes: m.Attributes, MessageAttributes: attrs, EventSource: "aws:sqs",
		})
	}
	return ev
}

// deliver polls for a batch for up to wait, runs the handler and, like the
// event source mapping, deletes the messages it did not report as
// failures. With keepAll it deletes nothing, as when the function times out
// after persisting. It returns the number of messages received and failed.
func (e env) deliver(t *testing.T, h *reprocess.Handler, keepAll bool, wait time.Duration) (received, failed int) {
	t.Helper()
	ev := e.receive(t, e.queue)
	for deadline := time.Now().Add(wait); len(ev.Records) == 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		ev = e.receive(t, e.queue)
	}
	if len(ev.Records) == 0 {
		return 0, 0
	}
	resp, err := h.Handle(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ev.Records {
		if keepAll || slices.ContainsFunc(resp.BatchItemFailures, func(f events.SQSBatchItemFailure) bool { return f.ItemIdentifier == m.MessageId }) {
			continue
		}
		if _, err := e.sqs.DeleteMessage(context.Background(), &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queue), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			t.Fatal(err)
		}
	}
	return len(ev.Records), len(resp.BatchItemFailures)
}

func (e env) paymentItems(t *testing.T) int {
	t.Helper()
	out, err := e.db.Scan(context.Background(), &dynamodb.ScanInput{
		TableName: aws.String(e.table), FilterExpression: aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: map[string]dbtypes.AttributeValue{":p": &dbtypes.AttributeValueMemberS{Value: "PAYMENT#"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// throttled is a DynamoDB that throttles every write.
type throttled struct{ store.DB }

func (throttled) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, &dbtypes.ProvisionedThroughputExceededException{Message: aws.String("throttled")}
}

func samplePayment() payment.Payment {
	return payment.Payment{ID: "pay_" + emulator.UniqueName("x")[2:], Amount: 4200, Currency: "GBP", Source: "tok_visa_abcdef123456",
		MerchantID: "m_1", Owner: "arn:aws:iam::111122223333:user/m_1", IdempotencyKeyHash: emulator.UniqueName("kh"), RequestHash: emulator.UniqueName("rh")}
}

// failAndEnqueue runs Persist against a throttled store, then
// EnqueueOnFailure with the caught error, as the payments workflow does.
func (e env) failAndEnqueue(t *testing.T, p payment.Payment) {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	failing := &persist.Handler{Store: store.New(throttled{e.db}, e.table, slow), Log: log}
	_, err := failing.Handle(ctx, persist.Event{RequestID: "req-1", Payment: p})
	var le messages.InvokeResponse_Error
	if !errors.As(err, &le) || le.Type != string(errorname.StoreUnavailable) {
		t.Fatalf("persist against a throttled store = %v, want %s", err, errorname.StoreUnavailable)
	}
	enq := &enqueue.Handler{Queue: queue.New(e.sqs, e.queue), Log: log}
	res, err := enq.Handle(ctx, enqueue.Event{RequestID: "req-1", Payment: p, Failure: enqueue.Failure{Error: le.Type, Cause: le.Message}, Attempt: 3})
	if err != nil || res.StatusCode != 202 {
		t.Fatalf("enqueue = %+v, %v; want 202", res, err)
	}
}

func TestQueuedPaymentsArePersistedExactlyOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, e env, h *reprocess.Handler)
	}{
		{"a payment delivered again after its batch timed out is stored once", func(t *testing.T, e env, h *reprocess.Handler) {
			e.failAndEnqueue(t, samplePayment())
			if got, failed := e.deliver(t, h, true, 0); got != 1 || failed != 0 {
				t.Fatalf("first delivery: %d received, %d failed; want 1, 0", got, failed)
			}
			// Not deleted: it comes back after the visibility timeout.
			if got, failed := e.deliver(t, h, false, 5*time.Second); got != 1 || failed != 0 {
				t.Fatalf("second delivery: %d received, %d failed; want 1, 0", got, failed)
			}
			if got, _ := e.deliver(t, h, false, 1500*time.Millisecond); got != 0 {
				t.Errorf("%d messages left in the queue", got)
			}
		}},
		{"a payment queued twice is stored once", func(t *testing.T, e env, h *reprocess.Handler) {
			p := samplePayment()
			e.failAndEnqueue(t, p)
			e.failAndEnqueue(t, p)
			total := 0
			for range 3 {
				got, failed := e.deliver(t, h, false, 200*time.Millisecond)
				if failed != 0 {
					t.Fatalf("%d messages failed", failed)
				}
				total += got
			}
			if total != 2 {
				t.Errorf("%d messages delivered, want 2", total)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, 3)
			h := &reprocess.Handler{Store: store.New(e.db, e.table, slow), Log: slog.New(slog.DiscardHandler)}
			tt.run(t, e, h)
			if n := e.paymentItems(t); n != 1 {
				t.Errorf("%d payment items stored, want exactly 1", n)
			}
		})
	}
}

func TestAMalformedMessageIsParkedNotRedrivenForever(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	s := store.New(e.db, e.table, slow)
	h := &reprocess.Handler{Store: s, DLQ: queue.New(e.sqs, e.dlq), Log: slog.New(slog.DiscardHandler)}
	if _, err := e.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(e.queue), MessageBody: aws.String(`{"not":"a payment"}`)}); err != nil {
		t.Fatal(err)
	}
	if got, failed := e.deliver(t, h, false, 5*time.Second); got != 1 || failed != 0 {
		t.Fatalf("%d received, %d failed; want the malformed message acknowledged", got, failed)
	}
	parked, err := s.ListParked(context.Background(), 0)
	if err != nil || len(parked) != 1 || parked[0].Reason != store.ParkedMalformed || parked[0].Body != `{"not":"a payment"}` {
		t.Fatalf("parked = %+v, %v; want the message parked as malformed", parked, err)
	}
	if got, _ := e.deliver(t, h, false, 1500*time.Millisecond); got != 0 {
		t.Errorf("%d messages left in the queue", got)
	}
	if ev := e.receive(t, e.dlq); len(ev.Records) != 0 {
		t.Errorf("%d messages in the DLQ, want none", len(ev.Records))
	}
}

// A payment answered 202 whose key was then used with another body (the
// store was down, so no idempotency record held the key) can never be
// stored under its id: it is parked, with its body, never dropped.
func TestAQueuedPaymentWhoseKeyWasReusedIsParkedNotDropped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	s := store.New(e.db, e.table, slow)
	h := &reprocess.Handler{Store: s, DLQ: queue.New(e.sqs, e.dlq), Log: slog.New(slog.DiscardHandler)}
	first := samplePayment()
	e.failAndEnqueue(t, first) // 202
	second := first
	second.Amount, second.RequestHash = first.Amount+1, emulator.UniqueName("rh")
	if res, err := s.Persist(context.Background(), second); err != nil || res.StatusCode != 201 {
		t.Fatalf("the second body under the key = %+v, %v; want 201", res, err)
	}
	if got, failed := e.deliver(t, h, false, 5*time.Second); got != 1 || failed != 0 {
		t.Fatalf("%d received, %d failed; want the queued payment acknowledged", got, failed)
	}
	parked, err := s.ListParked(context.Background(), 0)
	if err != nil || len(parked) != 1 {
		t.Fatalf("parked = %+v, %v; want the queued payment", parked, err)
	}
	p := parked[0]
	if p.Reason != store.ParkedKeyReused || p.PaymentID != first.ID || p.RequestHash != first.RequestHash || !strings.Contains(p.Body, `"amount":4200`) {
		t.Errorf("parked %+v, want the first payment parked as key-reused with its body", p)
	}
	if n := e.paymentItems(t); n != 1 {
		t.Errorf("%d payments stored, want the second one only", n)
	}
}

// An operator replays a parked payment once its cause is fixed: it goes
// back to the queue as a fresh message and is stored once; the parked item
// leaves the list and stays as a record.
func TestAReplayedParkedPaymentIsStoredOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 10)
	ctx := context.Background()
	s := store.New(e.db, e.table, slow)
	h := &reprocess.Handler{Store: s, DLQ: queue.New(e.sqs, e.dlq), Log: slog.New(slog.DiscardHandler)}
	// GIVEN a queued payment parked as poison after crashing the function
	p := samplePayment()
	e.failAndEnqueue(t, p)
	ev := e.receive(t, e.queue)
	if len(ev.Records) != 1 {
		t.Fatalf("%d messages queued, want 1", len(ev.Records))
	}
	m := ev.Records[0]
	m.MessageAttributes[queue.AttrFailures] = events.SQSMessageAttribute{StringValue: aws.String("2"), DataType: "Number"}
	// Persisting crashes a third time, parking works.
	failing := &reprocess.Handler{Store: splitStore{crashing{}, s}, DLQ: queue.New(e.sqs, e.dlq), MaxFailures: 3,
		Log: slog.New(slog.DiscardHandler)}
	if resp, _ := failing.Handle(ctx, events.SQSEvent{Records: []events.SQSMessage{m}}); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("the message was not parked: %+v", resp)
	}
	if _, err := e.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(e.queue), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
		t.Fatal(err)
	}
	parked, err := s.ListParked(ctx, 0)
	if err != nil || len(parked) != 1 || parked[0].Reason != store.ParkedPoison {
		t.Fatalf("parked = %+v, %v; want the payment parked as poison", parked, err)
	}
	// WHEN the operator replays it
	ops := reprocess.Parking{Store: s, Queue: queue.New(e.sqs, e.queue)}
	if err := ops.Replay(ctx, parked[0].Key, operator); err != nil {
		t.Fatal(err)
	}
	// THEN it is stored once, and no longer listed
	if got, failed := e.deliver(t, h, false, 5*time.Second); got != 1 || failed != 0 {
		t.Fatalf("%d received, %d failed after the replay", got, failed)
	}
	if n := e.paymentItems(t); n != 1 {
		t.Errorf("%d payments stored, want 1", n)
	}
	if left, err := ops.List(ctx, 0); err != nil || len(left) != 0 {
		t.Errorf("still parked: %+v, %v", left, err)
	}
	if err := ops.Replay(ctx, parked[0].Key, operator); err == nil {
		t.Error("a resolved item was replayed again")
	}
}

// splitStore persists with one store and parks with another.
type splitStore struct {
	persist interface {
		Persist(ctx context.Context, p payment.Payment) (payment.Result, error)
	}
	park *store.Store
}

// crashing panics on every payment, as a handler bug would.
type crashing struct{}

func (crashing) Persist(context.Context, payment.Payment) (payment.Result, error) {
	panic("a bug in the handler")
}

func (s splitStore) Persist(ctx context.Context, p payment.Payment) (payment.Result, error) {
	return s.persist.Persist(ctx, p)
}

func (s splitStore) Park(ctx context.Context, p store.Parked) (string, error) {
	return s.park.Park(ctx, p)
}

// slow is the call timeout of the stores of these tests: DynamoDB Local on
// a busy machine is far slower than DynamoDB.
var slow = store.WithCallTimeout(30 * time.Second)
