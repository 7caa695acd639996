// Command lambda is the GET /health Lambda. Configuration: see package
// recovery/health (ALARM_NAME_PREFIX, ALARM_NAMES, NON_BLOCKING_ALARM_NAMES,
// INCLUDE_COMPOSITE_ALARMS, TABLE_NAME, QUEUE_URLS) plus HEALTH_CACHE_SECONDS
// (how long a report is reused; default 5, 0 to check on every request).
package main

import (
	"context"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/logging"
	"github.com/resilientpay/paymentapi/internal/telemetry"
	rhealth "github.com/resilientpay/paymentapi/recovery/health"
	"github.com/resilientpay/paymentapi/tasks/health"
)

func main() {
	logger := logging.NewLogger(os.Stdout)
	cfg, err := rhealth.ConfigFromEnv(os.Getenv)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	maxAge := 5 * time.Second
	if v := os.Getenv("HEALTH_CACHE_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			logger.Error("invalid configuration", "error", "HEALTH_CACHE_SECONDS must be a non-negative integer")
			os.Exit(1)
		}
		maxAge = time.Duration(n) * time.Second
	}
	awsCfg, err := telemetry.LoadAWSConfig(context.Background())
	if err != nil {
		logger.Error("loading AWS configuration failed", "error", err.Error())
		os.Exit(1)
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	h := &health.Handler{
		Checker: &rhealth.Checker{
			Alarms:      cloudwatch.NewFromConfig(awsCfg),
			Tables:      dynamodb.NewFromConfig(awsCfg),
			Queues:      sqsClient,
			MoveTasks:   sqsClient,
			Config:      cfg,
			Logger:      logger,
			Budget:      6 * time.Second,
			CallTimeout: 3 * time.Second,
		},
		MaxAge: maxAge,
		Logger: logger,
	}
	lambda.Start(h.Handle)
}
