package healthcheck_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

func TestMain(m *testing.M) { emulator.Main(m) }

func TestCheckAgainstEmulators(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// GIVEN a real table in DynamoDB Local and a source queue + DLQ in the SQS emulator
	ddb := emulator.DynamoDBClient(emulator.DynamoDB(t))
	table := emulator.UniqueName("transactions-table")
	if _, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
	}); err != nil {
		t.Fatal(err)
	}
	q := emulator.SQSClient(emulator.SQS(t))
	p := newPair(ctx, t, q, 3, nil)
	srcURL, dlqURL, dlqARN := p.src, p.dlq, p.dlqARN
	// AND three messages in the DLQ
	for i := range 3 {
		if _, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(dlqURL), MessageBody: aws.String(fmt.Sprintf(`{"n":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	// SQS counts the messages eventually ("approximate" attributes); the
	// emulator counts a message it has just received as delayed until its
	// event loop runs a timer, which a busy machine can put off.
	waitForVisible(ctx, t, q, dlqURL, 3)
	check := func(state cwtypes.StateValue) healthcheck.Report {
		alarms := &fakeAlarms{pages: []alarmPage{{alarms: []alarm{{name: "app-api-5xx-dev", state: cwtypes.StateValueOk}}},
			{alarms: []alarm{{name: "app-persist-errors-dev", state: state}}}}}
		c := &healthcheck.Checker{Alarms: alarms, Tables: ddb, Queues: q, MoveTasks: q, Config: healthcheck.Config{
			AlarmNamePrefix: "app-", TableName: table, QueueURLs: []string{srcURL, dlqURL}, RedriveRate: 5}}
		return c.Check(ctx)
	}

	t.Run("with every alarm OK the report is healthy and asks to redrive the DLQ", func(t *testing.T) {
		r := check(cwtypes.StateValueOk)
		if r.Status != healthcheck.Healthy || r.Table.Status != "ACTIVE" {
			t.Fatalf("status %s, table %+v, reasons %q", r.Status, r.Table, r.Reasons)
		}
		if !r.RedriveNeeded || len(r.Redrive) != 1 {
			t.Fatalf("redrive = %+v", r.Redrive)
		}
		c := r.Redrive[0]
		if c.DLQARN != dlqARN || c.DLQURL != dlqURL || c.SourceURL != srcURL || c.Messages != 3 || c.MaxNumberOfMessagesPerSecond != 5 {
			t.Errorf("candidate = %+v", c)
		}
		if !strings.HasSuffix(c.SourceARN, ":"+healthcheck.QueueName(srcURL)) {
			t.Errorf("source ARN %s does not name %s", c.SourceARN, healthcheck.QueueName(srcURL))
		}
		dlq := r.Queues[1]
		if !dlq.IsDLQ || dlq.Visible != 3 || dlq.SourceQueueARN != c.SourceARN || r.Queues[0].IsDLQ {
			t.Errorf("queues = %+v", r.Queues)
		}
	})
	t.Run("with an alarm in ALARM the report is unhealthy and asks for nothing", func(t *testing.T) {
		r := check(cwtypes.StateValueAlarm)
		if r.Status != healthcheck.Unhealthy || r.RedriveNeeded || len(r.Redrive) != 0 {
			t.Fatalf("status %s, redrive %+v", r.Status, r.Redrive)
		}
		if !slices.Equal(r.AlarmsInAlarm, []string{"app-persist-errors-dev"}) {
			t.Errorf("alarmsInAlarm = %q", r.AlarmsInAlarm)
		}
	})
	t.Run("a queue that does not exist is degraded while the others are still reported", func(t *testing.T) {
		alarms := &fakeAlarms{pages: []alarmPage{{alarms: []alarm{{name: "app-a", state: cwtypes.StateValueOk}}}}}
		gone := strings.TrimSuffix(srcURL, healthcheck.QueueName(srcURL)) + "no-such-queue"
		c := &healthcheck.Checker{Alarms: alarms, Tables: ddb, Queues: q, MoveTasks: q, Config: healthcheck.Config{
			AlarmNamePrefix: "app-", TableName: table, QueueURLs: []string{srcURL, dlqURL, gone}, RedriveRate: 5}}
		r := c.Check(ctx)
		if r.Status != healthcheck.Degraded || r.RedriveNeeded || !r.Queues[1].Readable || r.Queues[1].Visible != 3 || r.Queues[2].Readable {
			t.Errorf("status %s, queues %+v, reasons %q", r.Status, r.Queues, r.Reasons)
		}
	})
	t.Run("a table that does not exist is unhealthy", func(t *testing.T) {
		alarms := &fakeAlarms{pages: []alarmPage{{alarms: []alarm{{name: "app-a", state: cwtypes.StateValueOk}}}}}
		c := &healthcheck.Checker{Alarms: alarms, Tables: ddb, Queues: q, MoveTasks: q, Config: healthcheck.Config{
			AlarmNamePrefix: "app-", TableName: "no-such-table", QueueURLs: []string{srcURL, dlqURL}, RedriveRate: 5}}
		if r := c.Check(ctx); r.Status != healthcheck.Unhealthy || r.Table.Status != "UNKNOWN" {
			t.Errorf("status %s, table %+v", r.Status, r.Table)
		}
	})
}

// waitForVisible waits until a queue's ApproximateNumberOfMessages is n.
func waitForVisible(ctx context.Context, t *testing.T, q *sqs.Client, url string, n int) {
	t.Helper()
	want := strconv.Itoa(n)
	for {
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
		if err != nil {
			t.Fatal(err)
		}
		got := out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]
		if got == want {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s holds %s visible messages, want %s", url, got, want)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
