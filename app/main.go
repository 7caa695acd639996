// Command app is the CDK app of the resilient payment API. Run it through
// the CDK CLI (`make synth`, `make deploy`), which passes cdk.json's
// context.
package main

import (
	"fmt"
	"os"

	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
)

func main() {
	defer jsii.Close()
	moduleDir, err := golambda.ModuleDir(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// `make synth` exports JSII_NODE; a CDK CLI started otherwise may not.
	if err := paymentstack.ReexecOnSupportedNode(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	app, _, err := paymentstack.NewApp(moduleDir, nil, "")
	if err != nil {
		fmt.Fprintln(os.Stderr, "configuration:", err)
		os.Exit(1)
	}
	app.Synth(nil)
}
