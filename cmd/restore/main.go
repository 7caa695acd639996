// Command restore restores an environment's transactions table to a point
// in time into a new table, verifies the copy against the table it came
// from, and prints the report and the commands that put the stack on the
// copy (docs/runbook.md, "Restore"). It never deletes a table and never
// switches the stack. It uses the caller's AWS credentials.
//
//	go run ./cmd/restore -suffix prod [-time 2026-12-07T10:00:00Z]
//	go run ./cmd/restore -suffix prod -verify-only -target transactions-table-prod-r202612071000 [-time ...] [-copy-missing]
//	go run ./cmd/restore -suffix prod -import-mapping transactions-table-prod-r202612071000
//
// Without -time it restores to the latest restorable time (about five
// minutes ago). -verify-only verifies a table restored earlier (a
// rehearsal's, or after a restore that was interrupted) without restoring;
// with -copy-missing it then copies into the restored table the items the
// source gained after the restore point (never overwriting one) and
// verifies again. -import-mapping prints the resource mapping with which
// `cdk import` adopts the restored table (make import-table uses it).
// The exit status is 0 when the copy is consistent, 2 when the report
// lists problems, 1 on failure.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, nil)
	var inconsistent errInconsistent
	switch {
	case errors.As(err, &inconsistent):
		fmt.Fprintln(os.Stderr, "restore:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "restore:", err)
		os.Exit(1)
	}
}

// errInconsistent: the report lists problems in the copy.
type errInconsistent int

func (n errInconsistent) Error() string {
	return fmt.Sprintf("the restored copy has %d consistency problems: read the report before switching", int(n))
}

// client is the DynamoDB API the command uses.
type client interface {
	restore.API
	restore.Scanner
	restore.Copier
}

// options are the command line's.
type options struct {
	suffix, source, target string
	at                     *time.Time
	verifyOnly, json       bool
	copyMissing            bool
	segments               int
	importMapping          string
	ttl, wait              time.Duration
}

func parse(args []string, errOut io.Writer) (options, error) {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(errOut)
	suffix := fs.String("suffix", "dev", "environment suffix")
	at := fs.String("time", "", "restore point, RFC 3339 (default: the latest restorable time)")
	source := fs.String("source", "", "table to restore from (default: transactions-table-<suffix>; after an earlier cutover, the table the stack uses now)")
	verifyOnly := fs.Bool("verify-only", false, "verify -target against -source without restoring")
	target := fs.String("target", "", "with -verify-only: the restored table to verify")
	ttlHours := fs.Int("ttl-hours", 24, "the stack's idempotencyTtlHours: records older than this may be gone")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	wait := fs.Duration("wait", 6*time.Hour, "how long to wait for the restored table to become ACTIVE")
	copyMissing := fs.Bool("copy-missing", false, "with -verify-only: copy the items the source gained after the restore point into the target, then verify again")
	segments := fs.Int("segments", 4, "parallel scan segments per table for the verification")
	importMapping := fs.String("import-mapping", "", "print the cdk import resource mapping of this restored table and exit")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	o := options{suffix: *suffix, source: *source, target: *target, verifyOnly: *verifyOnly, json: *asJSON,
		ttl: time.Duration(*ttlHours) * time.Hour, wait: *wait, copyMissing: *copyMissing, importMapping: *importMapping,
		segments: *segments}
	if o.importMapping != "" {
		if _, err := restore.ParseTargetName(o.importMapping, o.suffix); err != nil {
			return options{}, err
		}
		return o, nil
	}
	if o.source == "" {
		o.source = restore.SourceName(o.suffix)
	}
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return options{}, fmt.Errorf("-time %q is not an RFC 3339 time such as 2026-12-07T10:00:00Z", *at)
		}
		o.at = &t
	}
	switch {
	case *segments < 1 || *segments > 64:
		return options{}, errors.New("-segments must be within 1..64")
	case *ttlHours < 1:
		return options{}, errors.New("-ttl-hours must be at least 1")
	case o.verifyOnly && o.target == "":
		return options{}, errors.New("-verify-only needs -target <restored table>")
	case o.copyMissing && !o.verifyOnly:
		return options{}, errors.New("-copy-missing is for -verify-only, after reading the restore's report")
	case !o.verifyOnly && o.target != "":
		return options{}, errors.New("-target is for -verify-only; a restore names its table itself")
	}
	if o.verifyOnly {
		point, err := restore.ParseTargetName(o.target, o.suffix)
		if err != nil {
			return options{}, err
		}
		if o.at == nil {
			o.at = &point
		}
	}
	return o, nil
}

// run restores and verifies; db is nil outside tests (the caller's AWS
// configuration is loaded then).
func run(ctx context.Context, args []string, out, errOut io.Writer, db client) error {
	o, err := parse(args, errOut)
	if err != nil {
		return err
	}
	if o.importMapping != "" {
		_, err := fmt.Fprintln(out, restore.ImportMapping(o.importMapping))
		return err
	}
	if db == nil {
		cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(awsenv.Region))
		if err != nil {
			return err
		}
		db = dynamodb.NewFromConfig(cfg)
	}
	target, at := o.target, time.Time{}
	if o.verifyOnly {
		at = *o.at
	} else {
		plan, err := restore.PlanRestore(ctx, db, o.suffix, o.source, o.at)
		if err != nil {
			return err
		}
		fmt.Fprintf(errOut, "restoring %s to %s (window %s to %s) into %s, encrypted with %s; this can take an hour or more\n",
			plan.Source, plan.At.Format(time.RFC3339), plan.Earliest.Format(time.RFC3339), plan.Latest.Format(time.RFC3339), plan.Target, plan.KeyARN)
		start := time.Now()
		if err := (restore.Restorer{API: db, WaitMax: o.wait}).Restore(ctx, plan); err != nil {
			return err
		}
		fmt.Fprintf(errOut, "%s is ACTIVE after %s, with point-in-time recovery, TTL and the source's tags; verifying\n",
			plan.Target, time.Since(start).Round(time.Second))
		target, at = plan.Target, plan.At
	}
	report, err := restore.Verify(ctx, db, o.source, target, restore.Options{At: at, TTL: o.ttl, Segments: o.segments})
	if err != nil {
		return err
	}
	if o.copyMissing {
		copied, err := restore.CopyMissing(ctx, db, report)
		for _, k := range copied {
			fmt.Fprintf(errOut, "copied %s into %s\n", k, target)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(errOut, "copied %d items written after the restore point; verifying again\n", len(copied))
		if report, err = restore.Verify(ctx, db, o.source, target, restore.Options{At: at, TTL: o.ttl, Segments: o.segments}); err != nil {
			return err
		}
	}
	if o.json {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(report); err != nil {
			return err
		}
	} else {
		if err := report.WriteText(out); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nNothing has been switched or deleted. To put the stack on %s (docs/runbook.md, \"Restore\"):\n", target)
		for i, c := range restore.NextCommands(o.suffix, target) {
			fmt.Fprintf(out, "  %d. %s\n", i+1, c)
		}
		fmt.Fprintf(out, "then keep \"%s\": \"%s\" in cdk.json's context: a deploy without it would replace the table.\n",
			"transactionsTable", target)
	}
	if !report.Consistent() {
		return errInconsistent(len(report.Problems))
	}
	return nil
}
