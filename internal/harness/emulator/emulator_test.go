package emulator_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
)

func TestMain(m *testing.M) { emulator.Main(m) }

func TestEmulatorsAnswerTheAWSSDK(t *testing.T) {
	tests := []struct {
		name     string
		endpoint func(testing.TB) string
		call     func(ctx context.Context, endpoint string) error
	}{
		{"DynamoDB Local lists its tables", emulator.DynamoDB, func(ctx context.Context, endpoint string) error {
			_, err := emulator.DynamoDBClient(endpoint).ListTables(ctx, &dynamodb.ListTablesInput{})
			return err
		}},
		{"the SQS emulator creates a queue and supports message move tasks", emulator.SQS, func(ctx context.Context, endpoint string) error {
			c := emulator.SQSClient(endpoint)
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("emulator-test-queue")})
			if err != nil {
				return err
			}
			attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
			if err != nil {
				return err
			}
			_, err = c.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(attrs.Attributes["QueueArn"])})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			endpoint := tt.endpoint(t) // starts the emulator: not timed
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tt.call(ctx, endpoint); err != nil {
				t.Fatalf("call failed: %v", err)
			}
		})
	}
}

func TestStopKillsTheEmulatorProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an emulator")
	}
	tests := []struct {
		name  string
		start func(context.Context) (*emulator.Process, error)
	}{
		{"SQS emulator", emulator.StartSQS},
		{"DynamoDB Local", emulator.StartDynamoDB},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is gone after Stop", func(t *testing.T) {
			t.Parallel()
			p, err := tt.start(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			pid := p.PID()
			if err := syscall.Kill(pid, 0); err != nil {
				t.Fatalf("emulator not running right after start: %v", err)
			}
			if err := p.Stop(); err != nil {
				t.Fatal(err)
			}
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Fatalf("emulator process %d still exists after Stop (kill 0: %v)", pid, err)
			}
			if err := p.Stop(); err != nil {
				t.Fatalf("second Stop: %v", err)
			}
		})
	}
}
