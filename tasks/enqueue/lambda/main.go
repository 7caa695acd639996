// Command lambda is the EnqueueOnFailure Lambda function.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/internal/runtime/telemetry"
	"github.com/resilientpay/paymentapi/tasks/enqueue"
	"github.com/resilientpay/paymentapi/tasks/queue"
)

func main() {
	log := logging.NewLogger(os.Stdout)
	if os.Getenv("FAILED_QUEUE_URL") == "" {
		log.Error("FAILED_QUEUE_URL is not set")
		os.Exit(1)
	}
	cfg, err := telemetry.LoadAWSConfig(context.Background())
	if err != nil {
		log.Error("loading AWS configuration", "error", err)
		os.Exit(1)
	}
	q := queue.New(sqs.NewFromConfig(cfg), os.Getenv("FAILED_QUEUE_URL"))
	h := &enqueue.Handler{Queue: q, Log: log}
	lambda.Start(h.Handle)
}
