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

	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/cost"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run() error {
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
	var tpl *cfn.Template
	if *template != "" {
		tpl, err = cfn.ReadFile(*template)
	} else {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
		fmt.Fprintln(os.Stderr, "cost: synthesizing the CDK app...")
		var synth *paymentstack.Synthesized
		synth, err = paymentstack.Synthesize(paymentstack.SynthOptions{ModuleDir: moduleDir, Suffix: *suffix, StubCode: true, SkipValidation: true})
		jsii.Close()
		if err == nil {
			tpl, err = cfn.Parse(synth.Template)
			_ = os.RemoveAll(synth.AssemblyDir)
		}
	}
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
