package healthcheck

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/runtime/telemetry"
)

// CheckerFromEnv builds the Checker a Lambda function uses: configuration
// from the environment (ConfigFromEnv) and X-Ray-traced AWS clients. budget
// bounds a whole check, callTimeout each AWS call.
func CheckerFromEnv(ctx context.Context, getenv func(string) string, logger *slog.Logger, budget, callTimeout time.Duration) (*Checker, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg, err := telemetry.LoadAWSConfig(ctx)
	if err != nil {
		return nil, err
	}
	sqsClient := sqs.NewFromConfig(awsCfg)
	return &Checker{
		Alarms:      cloudwatch.NewFromConfig(awsCfg),
		Tables:      dynamodb.NewFromConfig(awsCfg),
		Queues:      sqsClient,
		MoveTasks:   sqsClient,
		Config:      cfg,
		Logger:      logger,
		Budget:      budget,
		CallTimeout: callTimeout,
	}, nil
}
