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

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/healthmonitor"
)

func main() {
	logger := logging.NewLogger(os.Stdout)
	checker, err := healthcheck.CheckerFromEnv(context.Background(), os.Getenv, logger, 20*time.Second, 5*time.Second)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	h := &healthmonitor.Handler{Checker: checker, Logger: logger}
	lambda.Start(h.Handle)
}
