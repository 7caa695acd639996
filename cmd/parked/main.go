// Command parked lists, replays and resolves the parked payments of a
// deployed environment: queued payments the reprocess function could not
// store as they are (docs/runbook.md, "Parked payments"). It uses the
// caller's AWS credentials.
//
//	go run ./cmd/parked [-suffix dev] list
//	go run ./cmd/parked [-suffix dev] replay <key>
//	go run ./cmd/parked [-suffix dev] resolve <key> <how it was handled>
//
// list prints one JSON object per parked payment, oldest first, with the
// payment's amount, currency and merchant and its source masked. replay and
// resolve accept parked items' keys only (PARKED#...), never a payment's or
// an idempotency record's, and record the operator: the caller's ARN, from
// STS GetCallerIdentity.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "parked:", err)
		os.Exit(1)
	}
}

// queueName is the environment's queue, as the stack names it (<resource
// type>-<suffix>; a test checks they agree); the table is
// restore.TableInUse's. The command does not import the stack, which would
// link the CDK.
func queueName(suffix string) string { return "failed-transactions-queue-" + suffix }

var errUsage = errors.New("usage: parked [-suffix dev] [-table restored] list | replay <key> | resolve <key> <how it was handled>")

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("parked", flag.ContinueOnError)
	suffix := fs.String("suffix", "dev", "environment suffix")
	restored := fs.String("table", "", "the restored table the stack uses after a cutover (cdk.json's transactionsTable); default transactions-table-<suffix>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	table, err := restore.TableInUse(*suffix, *restored)
	if err != nil {
		return err
	}
	cmd := fs.Args()
	for i := range cmd {
		cmd[i] = strings.TrimSpace(cmd[i])
	}
	if len(cmd) == 0 {
		return errUsage
	}
	switch {
	case cmd[0] == "list" && len(cmd) == 1:
	case (cmd[0] == "replay" && len(cmd) == 2) || (cmd[0] == "resolve" && len(cmd) == 3 && cmd[2] != ""):
		if !store.IsParkedKey(cmd[1]) {
			return fmt.Errorf("%q is not a parked payment's key (PARKED#..., as list prints): only parked payments are replayed or resolved", cmd[1])
		}
	default:
		return errUsage
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(awsenv.Region))
	if err != nil {
		return err
	}
	if cmd[0] == "list" {
		ops, err := parking(ctx, cfg, *suffix, table)
		if err != nil {
			return err
		}
		return list(ctx, ops, out)
	}
	operator, err := callerARN(ctx, sts.NewFromConfig(cfg))
	if err != nil {
		return err
	}
	ops, err := parking(ctx, cfg, *suffix, table)
	if err != nil {
		return err
	}
	if cmd[0] == "replay" {
		return ops.Replay(ctx, cmd[1], operator)
	}
	return ops.Resolve(ctx, cmd[1], cmd[2], operator)
}

// identity is the part of the STS client the command uses.
type identity interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// callerARN is who runs the command, recorded on what it resolves.
func callerARN(ctx context.Context, c identity) (string, error) {
	out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return "", fmt.Errorf("finding who you are (sts get-caller-identity): %w", err)
	}
	if aws.ToString(out.Arn) == "" {
		return "", errors.New("sts get-caller-identity returned no ARN")
	}
	return aws.ToString(out.Arn), nil
}

// parking is the environment's parked payments.
func parking(ctx context.Context, cfg aws.Config, suffix, table string) (reprocess.Parking, error) {
	sqsClient := sqs.NewFromConfig(cfg)
	url, err := sqsClient.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(queueName(suffix))})
	if err != nil {
		return reprocess.Parking{}, fmt.Errorf("finding the queue %s: %w", queueName(suffix), err)
	}
	return reprocess.Parking{Store: store.New(dynamodb.NewFromConfig(cfg), table),
		Queue: queue.New(sqsClient, aws.ToString(url.QueueUrl))}, nil
}

func list(ctx context.Context, ops reprocess.Parking, out io.Writer) error {
	parked, err := ops.List(ctx, 0)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(out)
	for _, p := range parked {
		if err := enc.Encode(reprocess.Summarize(p)); err != nil {
			return err
		}
	}
	return nil
}
