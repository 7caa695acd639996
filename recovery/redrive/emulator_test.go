package redrive_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
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

	"github.com/resilientpay/paymentapi/internal/emulator"
	"github.com/resilientpay/paymentapi/recovery/health"
	"github.com/resilientpay/paymentapi/recovery/redrive"
)

func TestMain(m *testing.M) { emulator.Main(m) }

var seq atomic.Int64

func unique(prefix string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1_000_000, seq.Add(1))
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
	p := pair{sqs: c, name: unique("redrive")}
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

func (p pair) send(ctx context.Context, t *testing.T, url string, bodies ...string) {
	t.Helper()
	for _, b := range bodies {
		if _, err := p.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(url), MessageBody: aws.String(b),
			MessageAttributes: map[string]sqstypes.MessageAttributeValue{"failure_reason": {DataType: aws.String("String"), StringValue: aws.String("Payment.StoreUnavailable")}}}); err != nil {
			t.Fatal(err)
		}
	}
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

func (p pair) checker(state cwtypes.StateValue, tables health.TableReader, table string, rate int32) *health.Checker {
	return &health.Checker{Alarms: alarmState(state), Tables: tables, Queues: p.sqs, MoveTasks: p.sqs,
		Config: health.Config{AlarmNamePrefix: "app-", TableName: table, QueueURLs: []string{p.src, p.dlq}, RedriveRate: rate}}
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
		d := &redrive.Redriver{Starter: c, Lister: c}
		started, err := d.Start(ctx, r)
		if err != nil || len(started) != 1 {
			t.Fatalf("Start = %+v, %v", started, err)
		}
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		out, err := d.Wait(wctx, started, 200*time.Millisecond)
		if err != nil {
			t.Fatalf("Wait = %+v, %v", out, err)
		}
		// THEN the task completed, the messages are on the source queue with their attributes, and the DLQ is empty
		if out[0].Status != "COMPLETED" || out[0].Moved != 3 {
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
		d := &redrive.Redriver{Starter: c, Lister: c}
		if started, err := d.Start(ctx, r); !errors.Is(err, redrive.ErrDeferred) || len(started) != 0 {
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
		d := &redrive.Redriver{Starter: c, Lister: c}
		begun := time.Now()
		started, err := d.Start(ctx, first)
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
		if _, err := d.Start(ctx, first); err == nil || !strings.Contains(err.Error(), "could not be started") {
			t.Errorf("second Start = %v, want a refusal", err)
		}
		out, err := d.Wait(ctx, started, 100*time.Millisecond)
		if err != nil || out[0].Status != "COMPLETED" || out[0].Moved != 4 {
			t.Fatalf("Wait = %+v, %v", out, err)
		}
		// Measured, not asserted: how the emulator paces a rate-limited task.
		t.Logf("emulator moved 4 messages at MaxNumberOfMessagesPerSecond=1 in %v", time.Since(begun).Round(100*time.Millisecond))
	})
}
