package paymentstack

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

// NewApp builds the CDK app: one platform stack for the environment suffix
// in context, with the Environment tag on every resource. context is added
// to the app's context (tests pass cdk.json's; the CLI passes it itself).
// outdir, when not empty, is where the cloud assembly is written.
func NewApp(moduleDir string, context map[string]interface{}, outdir string) (awscdk.App, *Stack, error) {
	return newApp(moduleDir, context, outdir, true)
}

// newApp is NewApp, with CDK's built-in CloudFormation template validation
// turned off when validate is false.
func newApp(moduleDir string, context map[string]interface{}, outdir string, validate bool) (awscdk.App, *Stack, error) {
	props := &awscdk.AppProps{}
	if !validate {
		props.BuiltinCloudFormationValidation = jsii.Bool(false)
	}
	if outdir != "" {
		props.Outdir = jsii.String(outdir)
	}
	if context != nil {
		props.Context = &context
	}
	app := awscdk.NewApp(props)
	cfg, err := ConfigFromContext(app)
	if err != nil {
		return nil, nil, err
	}
	var account *string
	if a := os.Getenv("CDK_DEFAULT_ACCOUNT"); a != "" {
		account = jsii.String(a)
	}
	stack := New(app, "PaymentPlatform", &Props{
		StackProps: awscdk.StackProps{Env: &awscdk.Environment{Account: account}},
		Config:     cfg,
		ModuleDir:  moduleDir,
	})
	awscdk.Tags_Of(app).Add(jsii.String("Environment"), jsii.String(cfg.Suffix), nil)
	awscdk.Tags_Of(app).Add(jsii.String("Application"), jsii.String("resilient-payment-api"), nil)
	return app, stack, nil
}

// CDKJSONContext reads the "context" object of a cdk.json file, so that
// code that synthesizes without the CDK CLI (tests, the local runner) sees
// the same feature flags and tunables as `cdk synth`. overrides win.
func CDKJSONContext(path string, overrides map[string]interface{}) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Context map[string]interface{} `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if doc.Context == nil {
		doc.Context = map[string]interface{}{}
	}
	for k, v := range overrides {
		doc.Context[k] = v
	}
	if _, ok := doc.Context[naming.ContextKey]; !ok {
		doc.Context[naming.ContextKey] = naming.DefaultSuffix
	}
	return doc.Context, nil
}
