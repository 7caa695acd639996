// Command lambda is the GET /payments/{id} Lambda function.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/logging"
	"github.com/resilientpay/paymentapi/internal/telemetry"
	"github.com/resilientpay/paymentapi/tasks/getpayment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() {
	log := logging.NewLogger(os.Stdout)
	if os.Getenv("TABLE_NAME") == "" {
		log.Error("TABLE_NAME is not set")
		os.Exit(1)
	}
	cfg, err := telemetry.LoadAWSConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	db := store.New(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"))
	h := &getpayment.Handler{Store: db, Log: log}
	lambda.Start(h.Handle)
}
