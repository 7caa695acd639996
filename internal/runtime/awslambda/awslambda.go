// Package awslambda starts a Lambda function whose handler calls AWS: it
// loads the traced AWS configuration (package telemetry), makes the
// handler's client from it and starts the handler as lambdamain does.
package awslambda

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/resilientpay/paymentapi/internal/runtime/lambdamain"
	"github.com/resilientpay/paymentapi/internal/runtime/telemetry"
)

// Start loads the AWS configuration, makes the client with newClient,
// builds the handler with build(os.Getenv, client, logger) and runs it. A
// Lambda main is one call: awslambda.Start(store.Client, persist.New). It
// does not return.
func Start[C any, H lambdamain.Handler[E, R], E, R any](newClient func(aws.Config) C, build func(getenv func(string) string, client C, log *slog.Logger) (H, error)) {
	cfg := lambdamain.Must(telemetry.LoadAWSConfig(context.Background()))
	lambdamain.Start(func(getenv func(string) string, log *slog.Logger) (H, error) {
		return build(getenv, newClient(cfg), log)
	})
}
