// Package telemetry loads the AWS configuration and instruments AWS SDK
// clients with X-Ray. It is the only package that imports the X-Ray SDK (in
// maintenance mode), so moving to OpenTelemetry changes this file alone.
package telemetry

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
)

// LoadAWSConfig loads the default AWS configuration and, unless
// AWS_XRAY_SDK_DISABLED=true, traces every client built from it with X-Ray.
// Build clients after calling it.
func LoadAWSConfig(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, err
	}
	if os.Getenv("AWS_XRAY_SDK_DISABLED") != "true" {
		awsv2.AWSV2Instrumentor(&cfg.APIOptions)
	}
	return cfg, nil
}
