// Command smoke proves a deployed payment API works (`make smoke`): with
// the default AWS credential chain it reads the stack's outputs, walks
// the API with SigV4-signed requests and reports the recovery workflow's
// last execution and the alarms in ALARM, as a table (internal/smoke). It
// exits 1 on any surprise. With -local it walks the local runner
// (`make run`) with the runner's documented credentials instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/smoke"
)

func main() {
	local := flag.Bool("local", false, "walk the local runner (make run) instead of the deployed stack")
	localURL := flag.String("local-url", "http://127.0.0.1:8080", "with -local: the runner's address")
	suffix := flag.String("suffix", "dev", "environment suffix of the stack")
	stack := flag.String("stack", "", "CloudFormation stack name (default payment-platform-<suffix>)")
	timeout := flag.Duration("timeout", 2*time.Minute, "give up after this long")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	cfg, err := setup(ctx, *local, *localURL, *suffix, *stack)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
		os.Exit(2)
	}
	fmt.Printf("smoke: walking %s\n\n", cfg.BaseURL)
	rep := smoke.Run(ctx, cfg)
	if err := rep.WriteTable(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
	}
	if rep.PaymentID != "" {
		fmt.Printf("test payment: %s (merchant %s)\n", rep.PaymentID, smoke.TestMerchant)
	}
	if rep.Failed() {
		os.Exit(1)
	}
}

func setup(ctx context.Context, local bool, localURL, suffix, stack string) (smoke.Config, error) {
	if local {
		return smoke.Config{
			BaseURL:     localURL,
			Region:      awsenv.Region,
			Credentials: credentials.NewStaticCredentialsProvider(awsenv.LocalAccessKeyID, awsenv.LocalSecretAccessKey, ""),
			Platform:    smoke.LocalPlatform{BaseURL: localURL, Suffix: suffix},
		}, nil
	}
	if stack == "" {
		stack = "payment-platform-" + suffix
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(awsenv.Region))
	if err != nil {
		return smoke.Config{}, fmt.Errorf("AWS credentials: %w", err)
	}
	out, err := smoke.ReadStackOutputs(ctx, cloudformation.NewFromConfig(awsCfg), stack)
	if err != nil {
		return smoke.Config{}, err
	}
	return smoke.Config{
		BaseURL:     out.APIURL,
		Region:      awsenv.Region,
		Credentials: aws.NewCredentialsCache(awsCfg.Credentials),
		Platform: smoke.AWSPlatform{SFN: sfn.NewFromConfig(awsCfg), CloudWatch: cloudwatch.NewFromConfig(awsCfg),
			RecoveryWorkflowArn: out.RecoveryWorkflowArn, Suffix: suffix},
	}, nil
}
