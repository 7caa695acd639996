// Package telemetry builds the JSON logger and instruments AWS SDK clients
// with X-Ray. It is the only package that imports the X-Ray SDK (in
// maintenance mode), so moving to OpenTelemetry changes this file alone.
package telemetry

import (
	"context"
	"io"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-xray-sdk-go/instrumentation/awsv2"
)

// NewLogger returns the JSON structured logger every function uses. The
// level comes from LOG_LEVEL (debug, info, warn, error; default info).
func NewLogger(w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(os.Getenv("LOG_LEVEL"))); err != nil {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}

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
