package healthcheck_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// These tests follow a redrive the way the recovery workflow runs it: the
// health report decides, then StartMessageMoveTask per candidate and
// ListMessageMoveTasks until the tasks finish (the workflow's SQS SDK
// integrations, called here directly against the SQS emulator). The
// workflow's own decisions are exercised on the executor by localrun's and
// test/'s end-to-end tests.

// errDeferred is what startMoves returns for a report that is not healthy.
var errDeferred = errors.New("redrive deferred: the platform is not healthy")

// started is a move task startMoves started.
type started struct{ dlqARN string }

// startMoves starts one move task per redrive candidate of a healthy
// report, as the recovery workflow's StartMessageMoveTask state does.
func startMoves(ctx context.Context, c *sqs.Client, r healthcheck.Report) ([]started, error) {
	if r.Status != healthcheck.Healthy {
		return nil, errDeferred
	}
	var out []started
	var errs []error
	for _, cand := range r.Redrive {
		in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(cand.DLQARN), DestinationArn: aws.String(cand.SourceARN)}
		if cand.MaxNumberOfMessagesPerSecond > 0 {
			in.MaxNumberOfMessagesPerSecond = aws.Int32(cand.MaxNumberOfMessagesPerSecond)
		}
		if _, err := c.StartMessageMoveTask(ctx, in); err != nil {
			errs = append(errs, fmt.Errorf("the move task for %s could not be started: %w", cand.DLQName, err))
			continue
		}
		out = append(out, started{dlqARN: cand.DLQARN})
	}
	return out, errors.Join(errs...)
}

// moveOutcome is a move task's last status and moved count.
type moveOutcome struct {
	status string
	moved  int64
}

// waitMoves polls ListMessageMoveTasks until no started task runs, as the
// recovery workflow's polling loop does.
func waitMoves(ctx context.Context, c *sqs.Client, tasks []started, interval time.Duration) ([]moveOutcome, error) {
	out := make([]moveOutcome, len(tasks))
	for {
		running := 0
		for i, s := range tasks {
			res, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(s.dlqARN), MaxResults: aws.Int32(1)})
			if err != nil {
				return out, err
			}
			if len(res.Results) > 0 {
				out[i] = moveOutcome{status: aws.ToString(res.Results[0].Status), moved: res.Results[0].ApproximateNumberOfMessagesMoved}
			}
			if (healthcheck.MoveTask{Status: out[i].status}).Active() {
				running++
			}
		}
		if running == 0 {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(interval):
		}
	}
}

// alarmState is a CloudWatch with one alarm of this app, in the given
// state; no CloudWatch emulator is used.
type alarmState cwtypes.StateValue

func (s alarmState) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return &cloudwatch.DescribeAlarmsOutput{MetricAlarms: []cwtypes.MetricAlarm{{AlarmName: aws.String("app-persist-errors-dev"), StateValue: cwtypes.StateValue(s)}}}, nil
}

// activeTable is a DynamoDB whose table is always ACTIVE, for tests that
// do not need DynamoDB Local.
type activeTable struct{}

func (activeTable) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return &dynamodb.DescribeTableOutput{Table: &ddbtypes.TableDescription{TableStatus: ddbtypes.TableStatusActive}}, nil
}

// pair is a source queue and its DLQ in the SQS emulator.
type pair struct {
	sqs                    *sqs.Client
	src, dlq, dlqARN, name string
}

func newPair(ctx context.Context, t *testing.T, c *sqs.Client, maxReceive int, srcAttrs map[string]string) pair {
	t.Helper()
	p := pair{sqs: c, name: emulator.UniqueName("redrive")}
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(p.name + "-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	p.dlq, p.dlqARN = *dlq.QueueUrl, a.Attributes["QueueArn"]
	attrs := map[string]string{"RedrivePolicy": fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, p.dlqARN, maxReceive)}
	for k, v := range srcAttrs {
		attrs[k] = v
	}
	src, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(p.name + "-queue"), Attributes: attrs})
	if err != nil {
		t.Fatal(err)
	}
	p.src = *src.QueueUrl
	return p
}

// send sends bodies to url, an empty queue, and waits until SQS counts
// them (waitForVisible).
func (p pair) send(ctx context.Context, t *testing.T, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := p.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"failure_reason": {DataType: aws.String("String"), StringValue: aws.String("Payment.StoreUnavailable")}}}); err != nil {
			t.Fatal(err)
		}
	}
	waitForVisible(ctx, t, p.sqs, url, len(bodies))
}

// drain receives and deletes every message of url (short polls until two
// in a row are empty) and returns them as the event source mapping would.
func (p pair) drain(ctx context.Context, t *testing.T, url string) []events.SQSMessage {
	t.Helper()
	var all []events.SQSMessage
	for empty := 0; empty < 2; {
		out, err := p.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
			MessageAttributeNames: []string{"All"}, MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Messages) == 0 {
			empty++
			time.Sleep(50 * time.Millisecond)
			continue
		}
		empty = 0
		for _, m := range out.Messages {
			attrs := map[string]events.SQSMessageAttribute{}
			for k, v := range m.MessageAttributes {
				attrs[k] = events.SQSMessageAttribute{StringValue: v.StringValue, DataType: aws.ToString(v.DataType)}
			}
			all = append(all, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), Attributes: m.Attributes, MessageAttributes: attrs, EventSource: "aws:sqs"})
			if _, err := p.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return all
}

func (p pair) checker(state cwtypes.StateValue, tables healthcheck.TableReader, table string, rate int32) *healthcheck.Checker {
	return &healthcheck.Checker{Alarms: alarmState(state), Tables: tables, Queues: p.sqs, MoveTasks: p.sqs,
		Config: healthcheck.Config{AlarmNamePrefix: "app-", TableName: table, QueueURLs: []string{p.src, p.dlq}, RedriveRate: rate}}
}

func bodies(ms []events.SQSMessage) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Body)
	}
	slices.Sort(out)
	return out
}

func TestRedriveAgainstTheSQSEmulator(t *testing.T) {
	t.Parallel()
	c := emulator.SQSClient(emulator.SQS(t))
	want := []string{`{"n":0}`, `{"n":1}`, `{"n":2}`}

	t.Run("on a healthy report the DLQ's messages are moved back to the source queue", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// GIVEN three messages in the DLQ and every alarm OK
		p := newPair(ctx, t, c, 3, nil)
		p.send(ctx, t, p.dlq, want...)
		r := p.checker(cwtypes.StateValueOk, activeTable{}, "t", 50).Check(ctx)
		if !r.RedriveNeeded {
			t.Fatalf("report does not ask for a redrive: %+v", r)
		}
		// WHEN the redriver starts the move tasks and waits for them
		started, err := startMoves(ctx, c, r)
		if err != nil || len(started) != 1 {
			t.Fatalf("Start = %+v, %v", started, err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		out, err := waitMoves(wctx, c, started, 200*time.Millisecond)
		if err != nil {
			t.Fatalf("Wait = %+v, %v", out, err)
		}
		// THEN the task completed, the messages are on the source queue with their attributes, and the DLQ is empty
		if out[0].status != "COMPLETED" || out[0].moved != 3 {
			t.Errorf("outcome = %+v, want COMPLETED with 3 moved", out[0])
		}
		got := p.drain(ctx, t, p.src)
		if !slices.Equal(bodies(got), want) {
			t.Errorf("source queue holds %q, want %q", bodies(got), want)
		}
		for _, m := range got {
			if a := m.MessageAttributes["failure_reason"]; aws.ToString(a.StringValue) != "Payment.StoreUnavailable" {
				t.Errorf("message %s lost its attributes: %+v", m.MessageId, m.MessageAttributes)
			}
		}
		after := p.checker(cwtypes.StateValueOk, activeTable{}, "t", 50).Check(ctx)
		if after.RedriveNeeded || after.Queues[1].Visible != 0 {
			t.Errorf("after the redrive: redriveNeeded %v, DLQ %+v", after.RedriveNeeded, after.Queues[1])
		}
		if len(after.MoveTasks) != 1 || after.MoveTasks[0].Status != "COMPLETED" || after.MoveTasks[0].Moved != 3 || after.MoveTasks[0].ToMove != 3 {
			t.Errorf("move tasks reported as %+v", after.MoveTasks)
		}
	})

	t.Run("with an alarm in ALARM nothing is moved", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		p := newPair(ctx, t, c, 3, nil)
		p.send(ctx, t, p.dlq, want...)
		r := p.checker(cwtypes.StateValueAlarm, activeTable{}, "t", 50).Check(ctx)
		if started, err := startMoves(ctx, c, r); !errors.Is(err, errDeferred) || len(started) != 0 {
			t.Fatalf("Start on an unhealthy report = %+v, %v; want ErrDeferred", started, err)
		}
		tasks, err := c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(p.dlqARN), MaxResults: aws.Int32(10)})
		if err != nil || len(tasks.Results) != 0 {
			t.Errorf("move tasks = %+v, %v; want none", tasks, err)
		}
		if got := p.drain(ctx, t, p.src); len(got) != 0 {
			t.Errorf("source queue received %q", bodies(got))
		}
		if got := p.drain(ctx, t, p.dlq); !slices.Equal(bodies(got), want) {
			t.Errorf("DLQ holds %q, want %q", bodies(got), want)
		}
	})

	t.Run("a DLQ with a running move task is not redriven twice", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		// GIVEN a slow redrive (1 message per second) of four messages under way
		p := newPair(ctx, t, c, 3, nil)
		p.send(ctx, t, p.dlq, `{"n":0}`, `{"n":1}`, `{"n":2}`, `{"n":3}`)
		first := p.checker(cwtypes.StateValueOk, activeTable{}, "t", 1).Check(ctx)
		begun := time.Now()
		started, err := startMoves(ctx, c, first)
		if err != nil {
			t.Fatal(err)
		}
		// WHEN health is checked again while it runs
		r := p.checker(cwtypes.StateValueOk, activeTable{}, "t", 1).Check(ctx)
		// THEN the DLQ is not a candidate and the running task is reported
		if r.RedriveNeeded || len(r.MoveTasks) != 1 || r.MoveTasks[0].Status != "RUNNING" {
			t.Errorf("report during a redrive: redriveNeeded %v, moveTasks %+v", r.RedriveNeeded, r.MoveTasks)
		}
		if !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, "already running") }) {
			t.Errorf("notes %q do not mention the running task", r.Notes)
		}
		// AND a second start on the stale report is refused by SQS, in our words
		if _, err := startMoves(ctx, c, first); err == nil || !strings.Contains(err.Error(), "could not be started") {
			t.Errorf("second Start = %v, want a refusal", err)
		}
		out, err := waitMoves(ctx, c, started, 100*time.Millisecond)
		if err != nil || out[0].status != "COMPLETED" || out[0].moved != 4 {
			t.Fatalf("Wait = %+v, %v", out, err)
		}
		// Measured, not asserted: how the emulator paces a rate-limited task.
		t.Logf("emulator moved 4 messages at MaxNumberOfMessagesPerSecond=1 in %v", time.Since(begun).Round(100*time.Millisecond))
	})
}

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
	table := emulator.UniqueName("transactions-table")
	if err := store.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	p := newPair(ctx, t, c, 1, map[string]string{"VisibilityTimeout": "1"})

	// GIVEN two payments queued during an outage, one of them twice (a retried workflow)
	p1 := payment.Payment{ID: "pay_redrive1", Amount: 1200, Currency: "EUR", Source: "tok_abcdef987654", MerchantID: "m_1", Owner: "arn:aws:iam::111122223333:user/m_1", IdempotencyKeyHash: emulator.UniqueName("kh1"), RequestHash: emulator.UniqueName("rh1")}
	p2 := payment.Payment{ID: "pay_redrive2", Amount: 3400, Currency: "USD", Source: "tok_zyxwvu123456", MerchantID: "m_1", Owner: "arn:aws:iam::111122223333:user/m_1", IdempotencyKeyHash: emulator.UniqueName("kh2"), RequestHash: emulator.UniqueName("rh2")}
	q := queue.New(c, p.src)
	for _, pay := range []payment.Payment{p1, p2, p1} {
		if err := q.Enqueue(ctx, pay, errorname.StoreUnavailable, 3); err != nil {
			t.Fatal(err)
		}
	}
	// AND the reprocess handler failing on them while the store is still down, until they are dead-lettered
	down := &reprocess.Handler{Store: store.New(unavailable{db}, table, slow, store.WithContention(1, time.Millisecond)), Log: log}
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

	// WHEN health is checked while the persist-errors alarm still fires
	unhealthy := p.checker(cwtypes.StateValueAlarm, db, table, 10).Check(ctx)
	// THEN nothing is redriven
	if unhealthy.Status != healthcheck.Unhealthy || unhealthy.RedriveNeeded {
		t.Fatalf("report while the alarm fires: %s, redriveNeeded %v", unhealthy.Status, unhealthy.RedriveNeeded)
	}
	if _, err := startMoves(ctx, c, unhealthy); !errors.Is(err, errDeferred) {
		t.Fatalf("Start while unhealthy = %v, want ErrDeferred", err)
	}
	if got := p.depth(ctx, t, p.dlq); got != 3 {
		t.Fatalf("DLQ holds %d messages after a deferred redrive, want 3", got)
	}

	// WHEN the alarm is back to OK, health is checked and the redrive runs
	healthy := p.checker(cwtypes.StateValueOk, db, table, 10).Check(ctx)
	if healthy.Status != healthcheck.Healthy || !healthy.RedriveNeeded || healthy.Redrive[0].Messages != 3 || healthy.Table.Status != "ACTIVE" {
		t.Fatalf("report after recovery: %+v", healthy)
	}
	started, err := startMoves(ctx, c, healthy)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := waitMoves(ctx, c, started, 200*time.Millisecond); err != nil || out[0].status != "COMPLETED" || out[0].moved != 3 {
		t.Fatalf("Wait = %+v, %v", out, err)
	}
	// AND the reprocess handler, with the store back, consumes the source
	// queue. Its visibility timeout grows from the outage's 1 s (which
	// dead-lettered fast) to 30 s: with maxReceiveCount 1, a batch that
	// takes over a second on a loaded machine would otherwise be visible
	// again, received a second time and dead-lettered before its delete.
	if _, err := c.SetQueueAttributes(ctx, &sqs.SetQueueAttributesInput{QueueUrl: aws.String(p.src),
		Attributes: map[string]string{"VisibilityTimeout": "30"}}); err != nil {
		t.Fatal(err)
	}
	up := &reprocess.Handler{Store: store.New(db, table, slow), Log: log}
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
	s := store.New(db, table, slow)
	for _, pay := range []payment.Payment{p1, p2} {
		if r, err := s.Get(ctx, pay.Owner, pay.ID); err != nil {
			t.Errorf("payment %s not readable: %v", pay.ID, err)
		} else if r.Amount != pay.Amount {
			t.Errorf("payment %s stored as %+v", pay.ID, r)
		}
	}
	final := p.checker(cwtypes.StateValueOk, db, table, 10).Check(ctx)
	if final.Status != healthcheck.Healthy || final.RedriveNeeded || p.depth(ctx, t, p.src) != 0 || p.depth(ctx, t, p.dlq) != 0 {
		t.Errorf("final report %+v; source depth %d, DLQ depth %d", final, p.depth(ctx, t, p.src), p.depth(ctx, t, p.dlq))
	}
}

// slow is the call timeout of the stores of these tests: DynamoDB Local on
// a busy machine is far slower than DynamoDB.
var slow = store.WithCallTimeout(30 * time.Second)
