// Command destroyguard runs before `make destroy`: it counts the payments,
// parked payments and queued payments of an environment with the caller's
// AWS credentials, prints what the destroy would lose, and exits non-zero
// while anything would be lost, unless -force (FORCE=1 in make) is given.
//
//	go run ./cmd/destroyguard [-suffix dev] [-force]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/tasks/destroyguard"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, newGuard); err != nil {
		os.Exit(1)
	}
}

// queueNames are the environment's queues, as the stack names them
// (<resource type>-<suffix>; a test checks they agree); the table is
// restore.TableInUse's. The command does not import the stack, which
// would link the CDK.
func queueNames(suffix string) []string {
	return []string{"failed-transactions-queue-" + suffix, "failed-transactions-dlq-" + suffix}
}

// newGuard builds the guard with the default AWS credential chain.
func newGuard(ctx context.Context, suffix string) (destroyguard.Guard, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(awsenv.Region))
	if err != nil {
		return destroyguard.Guard{}, err
	}
	return destroyguard.Guard{DB: dynamodb.NewFromConfig(cfg), SQS: sqs.NewFromConfig(cfg),
		Table: restore.SourceName(suffix), QueueNames: queueNames(suffix)}, nil
}

func run(ctx context.Context, args []string, out io.Writer, build func(context.Context, string) (destroyguard.Guard, error)) error {
	fs := flag.NewFlagSet("destroyguard", flag.ContinueOnError)
	fs.SetOutput(out)
	suffix := fs.String("suffix", "dev", "environment suffix")
	force := fs.Bool("force", false, "destroy even if payments would be lost")
	restored := fs.String("table", "", "the restored table the stack uses after a cutover (cdk.json's transactionsTable); default transactions-table-<suffix>")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fmt.Fprintln(out, "usage: destroyguard [-suffix dev] [-table restored] [-force]")
		return flag.ErrHelp
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	fmt.Fprintf(out, "destroy guard: counting what payment-platform-%s holds\n", *suffix)
	g, err := build(ctx, *suffix)
	if err == nil && *restored != "" {
		g.Table, err = restore.TableInUse(*suffix, *restored)
	}
	var inv destroyguard.Inventory
	if err == nil {
		inv, err = g.Count(ctx)
	}
	return destroyguard.Decide(out, inv, err, *force)
}
