package redrive_test

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/emulator"
	"github.com/resilientpay/paymentapi/recovery/health"
	"github.com/resilientpay/paymentapi/recovery/redrive"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// unavailable is a DynamoDB that throttles every transactional write, as
// during the outage that sent the payments to the DLQ.
type unavailable struct{ store.DB }

func (unavailable) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, &ddbtypes.ProvisionedThroughputExceededException{Message: aws.String("throttled")}
}

// consume receives one batch from the source queue, runs the reprocess
// handler on it and deletes what it did not report as failed, as the
// Lambda event source mapping does. It returns how many it received.
func (p pair) consume(ctx context.Context, t *testing.T, h *reprocess.Handler) int {
	t.Helper()
	out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.src), MaxNumberOfMessages: 10, MessageAttributeNames: []string{"All"}})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		attrs := map[string]events.SQSMessageAttribute{}
		for k, v := range m.MessageAttributes {
			attrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType)}
		}
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
			Body: aws.ToString(m.Body), MessageAttributes: attrs, EventSource: "aws:sqs"})
	}
	if len(ev.Records) == 0 {
		return 0
	}
	resp, err := h.Handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ev.Records {
		if slices.ContainsFunc(resp.BatchItemFailures, func(f events.SQSBatchItemFailure) bool { return f.ItemIdentifier == m.MessageId }) {
			continue
		}
		if _, err := p.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(p.src), ReceiptHandle: aws.String(m.ReceiptHandle)}); err != nil {
			t.Fatal(err)
		}
	}
	return len(ev.Records)
}

// depth is a queue's visible plus in-flight messages.
func (p pair) depth(ctx context.Context, t *testing.T, url string) int64 {
	t.Helper()
	out, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url), AttributeNames: []sqstypes.QueueAttributeName{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, v := range out.Attributes {
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		n += i
	}
	return n
}

func paymentItems(ctx context.Context, t *testing.T, db *dynamodb.Client, table string) int {
	t.Helper()
	out, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		FilterExpression:          aws.String("begins_with(pk, :p)"),
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":p": &ddbtypes.AttributeValueMemberS{Value: store.PaymentKey("")}}})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// TestRedrivenPaymentsArePersistedExactlyOnce follows payments from an
// outage to their recovery: queued while the store was down, dead-lettered
// after failing to reprocess, held in the DLQ while an alarm fires, moved
// back once healthy, consumed by the reprocess handler and stored in
// DynamoDB Local exactly once.
func TestRedrivenPaymentsArePersistedExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	db := emulator.DynamoDBClient(emulator.DynamoDB(t))
	c := emulator.SQSClient(emulator.SQS(t))
	table := unique("transactions-table")
	if err := store.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	p := newPair(ctx, t, c, 1, map[string]string{"VisibilityTimeout": "1"})

	// GIVEN two payments queued during an outage, one of them twice (a retried workflow)
	p1 := payment.Payment{ID: "pay_redrive1", Amount: 1200, Currency: "EUR", Source: "tok_abcdef987654", MerchantID: "m_1", IdempotencyKeyHash: unique("kh1"), RequestHash: unique("rh1")}
	p2 := payment.Payment{ID: "pay_redrive2", Amount: 3400, Currency: "USD", Source: "tok_zyxwvu123456", MerchantID: "m_1", IdempotencyKeyHash: unique("kh2"), RequestHash: unique("rh2")}
	q := queue.New(c, p.src)
	for _, pay := range []payment.Payment{p1, p2, p1} {
		if err := q.Enqueue(ctx, pay, errorname.StoreUnavailable, 3); err != nil {
			t.Fatal(err)
		}
	}
	// AND the reprocess handler failing on them while the store is still down, until they are dead-lettered
	down := &reprocess.Handler{Store: store.New(unavailable{db}, table, store.WithContention(1, time.Millisecond)), Log: log}
	for deadline := time.Now().Add(20 * time.Second); p.depth(ctx, t, p.dlq) < 3; {
		if time.Now().After(deadline) {
			t.Fatalf("payments never reached the DLQ (DLQ depth %d)", p.depth(ctx, t, p.dlq))
		}
		p.consume(ctx, t, down)
		time.Sleep(100 * time.Millisecond)
	}
	if n := paymentItems(ctx, t, db, table); n != 0 {
		t.Fatalf("%d payments stored during the outage", n)
	}
	d := &redrive.Redriver{Starter: c, Lister: c, Logger: log}

	// WHEN health is checked while the persist-errors alarm still fires
	unhealthy := p.checker(cwtypes.StateValueAlarm, db, table, 10).Check(ctx)
	// THEN nothing is redriven
	if unhealthy.Status != health.Unhealthy || unhealthy.RedriveNeeded {
		t.Fatalf("report while the alarm fires: %s, redriveNeeded %v", unhealthy.Status, unhealthy.RedriveNeeded)
	}
	if _, err := d.Start(ctx, unhealthy); !errors.Is(err, redrive.ErrDeferred) {
		t.Fatalf("Start while unhealthy = %v, want ErrDeferred", err)
	}
	if got := p.depth(ctx, t, p.dlq); got != 3 {
		t.Fatalf("DLQ holds %d messages after a deferred redrive, want 3", got)
	}

	// WHEN the alarm is back to OK, health is checked and the redrive runs
	healthy := p.checker(cwtypes.StateValueOk, db, table, 10).Check(ctx)
	if healthy.Status != health.Healthy || !healthy.RedriveNeeded || healthy.Redrive[0].Messages != 3 || healthy.Table.Status != "ACTIVE" {
		t.Fatalf("report after recovery: %+v", healthy)
	}
	started, err := d.Start(ctx, healthy)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := d.Wait(ctx, started, 200*time.Millisecond); err != nil || out[0].Status != "COMPLETED" || out[0].Moved != 3 {
		t.Fatalf("Wait = %+v, %v", out, err)
	}
	// AND the reprocess handler, with the store back, consumes the source queue
	up := &reprocess.Handler{Store: store.New(db, table), Log: log}
	consumed := 0
	for deadline := time.Now().Add(20 * time.Second); consumed < 3 && time.Now().Before(deadline); {
		consumed += p.consume(ctx, t, up)
		time.Sleep(50 * time.Millisecond)
	}

	// THEN each payment is stored exactly once, and nothing is left to redrive
	if consumed != 3 {
		t.Errorf("reprocess consumed %d messages, want 3", consumed)
	}
	if n := paymentItems(ctx, t, db, table); n != 2 {
		t.Errorf("%d payments stored, want exactly 2", n)
	}
	s := store.New(db, table)
	for _, pay := range []payment.Payment{p1, p2} {
		if r, err := s.Get(ctx, pay.ID); err != nil {
			t.Errorf("payment %s not readable: %v", pay.ID, err)
		} else if r.Amount != pay.Amount {
			t.Errorf("payment %s stored as %+v", pay.ID, r)
		}
	}
	final := p.checker(cwtypes.StateValueOk, db, table, 10).Check(ctx)
	if final.Status != health.Healthy || final.RedriveNeeded || p.depth(ctx, t, p.src) != 0 || p.depth(ctx, t, p.dlq) != 0 {
		t.Errorf("final report %+v; source depth %d, DLQ depth %d", final, p.depth(ctx, t, p.src), p.depth(ctx, t, p.dlq))
	}
}
