package store

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/runtime/telemetry"
)

// FromEnv builds the Store a Lambda function uses from its environment:
// TABLE_NAME (required) and IDEMPOTENCY_TTL_HOURS (optional), with an
// X-Ray-traced DynamoDB client. getenv is os.Getenv in a main.
func FromEnv(ctx context.Context, getenv func(string) string) (*Store, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	ttl, err := ParseTTLHours(getenv("IDEMPOTENCY_TTL_HOURS"))
	if err != nil {
		return nil, err
	}
	cfg, err := telemetry.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	return New(dynamodb.NewFromConfig(cfg), table, WithTTL(ttl)), nil
}
