// Command lambda is the health-monitor Lambda of the recovery workflow.
// Configuration: see package health (ALARM_NAME_PREFIX, ALARM_NAMES,
// NON_BLOCKING_ALARM_NAMES, INCLUDE_COMPOSITE_ALARMS, TABLE_NAME, QUEUE_URLS,
// REDRIVE_MAX_MESSAGES_PER_SECOND).
package main

import (
	"context"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/logging"
	"github.com/resilientpay/paymentapi/internal/telemetry"
	"github.com/resilientpay/paymentapi/recovery/health"
	"github.com/resilientpay/paymentapi/recovery/healthmonitor"
)

func main() {
	logger := logging.NewLogger(os.Stdout)
	cfg, err := health.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := telemetry.LoadAWSConfig(context.Background())
	if err != nil {
		logger.Error("loading AWS configuration failed", "error", err.Error())
		os.Exit(1)
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	h := &healthmonitor.Handler{
		Checker: &health.Checker{
			Alarms:      cloudwatch.NewFromConfig(awsCfg),
			Tables:      dynamodb.NewFromConfig(awsCfg),
			Queues:      sqsClient,
			MoveTasks:   sqsClient,
			Config:      cfg,
			Logger:      logger,
			Budget:      20 * time.Second,
			CallTimeout: 5 * time.Second,
		},
		Logger: logger,
	}
	lambda.Start(h.Handle)
}
