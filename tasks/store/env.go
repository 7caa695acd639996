package store

import (
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/runtime/deadline"
)

// FromEnv builds the Store a function uses from its configuration:
// TABLE_NAME (required), IDEMPOTENCY_TTL_HOURS (optional, default
// DefaultTTL) and CALL_TIMEOUT_MS (optional, default DefaultCallTimeout;
// the local runner raises it for DynamoDB Local on a busy laptop). getenv
// is os.Getenv in a Lambda main and the synthesized function environment
// in the local runner.
func FromEnv(getenv func(string) string, db DB) (*Store, error) {
	table := getenv("TABLE_NAME")
	if table == "" {
		return nil, errors.New("TABLE_NAME is not set")
	}
	ttl, err := ParseTTLHours(getenv("IDEMPOTENCY_TTL_HOURS"))
	if err != nil {
		return nil, err
	}
	call, err := deadline.CallTimeout(getenv, DefaultCallTimeout)
	if err != nil {
		return nil, err
	}
	return New(db, table, WithTTL(ttl), WithCallTimeout(call)), nil
}

// Client makes the DynamoDB client of a function from its AWS
// configuration.
func Client(cfg aws.Config) DB { return dynamodb.NewFromConfig(cfg) }
