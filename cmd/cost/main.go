// Command cost prices a payment per path from the synthesized template
// and measured runs of it (package cost): `make cost`. It synthesizes the
// app in process unless -template names a template or cdk.out, needs no
// AWS account and no network, and prints the per-path table, the fixed
// monthly cost at zero traffic and, last, the happy path's price.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/cost"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run() error {
	if err := paymentstack.ReexecOnSupportedNode(); err != nil {
		return err
	}
	template := flag.String("template", "", "synthesized template file or cdk.out directory (default: synthesize in process)")
	suffix := flag.String("suffix", "", "environment suffix (default: cdk.json's environmentSuffix)")
	n := flag.Int("n", 200, "payments measured per path")
	flag.Parse()

	moduleDir, err := golambda.ModuleDir(".")
	if err != nil {
		return err
	}
	if *suffix == "" {
		ctx, err := paymentstack.CDKJSONContext(filepath.Join(moduleDir, "cdk.json"), nil)
		if err != nil {
			return err
		}
		*suffix, _ = ctx[naming.ContextKey].(string)
	}
	if *template == "" {
		fmt.Fprintln(os.Stderr, "cost: synthesizing the CDK app...")
	}
	tpl, err := paymentstack.LoadTemplate(moduleDir, *template, *suffix)
	if err != nil {
		return err
	}
	est, err := cost.Estimate(context.Background(), tpl, *suffix, *n)
	if err != nil {
		return err
	}
	est.Render(os.Stdout)
	return nil
}
