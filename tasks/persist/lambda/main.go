// Command lambda is the Persist Lambda function.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/logging"
	"github.com/resilientpay/paymentapi/internal/telemetry"
	"github.com/resilientpay/paymentapi/tasks/persist"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() {
	log := logging.NewLogger(os.Stdout)
	if os.Getenv("TABLE_NAME") == "" {
		log.Error("TABLE_NAME is not set")
		os.Exit(1)
	}
	ttl, err := store.ParseTTLHours(os.Getenv("IDEMPOTENCY_TTL_HOURS"))
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	cfg, err := telemetry.LoadAWSConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"), store.WithTTL(ttl))
	h := &persist.Handler{Store: db, Log: log}
	lambda.Start(h.Handle)
}
