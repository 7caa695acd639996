// Package lambdamain is what a Lambda main does: build the handler once,
// at init, from the function's environment and a JSON logger, and hand its
// Handle method to the Lambda runtime. A configuration error ends the
// process at init, so Lambda reports the function as failing to start
// instead of failing every invocation.
//
// It imports neither the AWS SDK nor X-Ray, so a function without AWS
// clients (validate) stays small; functions with clients start through
// package awslambda.
package lambdamain

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
)

// Handler is a task handler: one Handle method from the event to the
// response. The handler packages under tasks/ know nothing of Lambda; their
// Handle methods have this shape.
type Handler[E, R any] interface {
	Handle(ctx context.Context, event E) (R, error)
}

// Start builds a handler with build(os.Getenv, logger) and runs it; it does
// not return.
func Start[H Handler[E, R], E, R any](build func(getenv func(string) string, log *slog.Logger) (H, error)) {
	log := logging.NewLogger(os.Stdout)
	h := Must(build(os.Getenv, log))
	lambda.Start(h.Handle)
}

// Must returns v, or logs err as an invalid configuration and exits.
func Must[T any](v T, err error) T {
	if err != nil {
		logging.NewLogger(os.Stdout).Error("invalid configuration", slog.String("error", err.Error()))
		os.Exit(1)
	}
	return v
}
