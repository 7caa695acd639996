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

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

func main() {
	logger := logging.NewLogger(os.Stdout)
	maxAge := 5 * time.Second
	if v := os.Getenv("HEALTH_CACHE_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			logger.Error("invalid configuration", "error", "HEALTH_CACHE_SECONDS must be a non-negative integer")
			os.Exit(1)
		}
		maxAge = time.Duration(n) * time.Second
	}
	// API Gateway waits 29 s at most; the function's timeout is 10 s.
	checker, err := healthcheck.CheckerFromEnv(context.Background(), os.Getenv, logger, 6*time.Second, 3*time.Second)
	if err != nil {
		logger.Error("invalid configuration", "error", err.Error())
		os.Exit(1)
	}
	h := &health.Handler{Checker: checker, MaxAge: maxAge, Logger: logger}
	lambda.Start(h.Handle)
}
