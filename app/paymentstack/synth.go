package paymentstack

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/harness/npmproject"
)

// SynthOptions configure an in-process synthesis.
type SynthOptions struct {
	// ModuleDir is the Go module root: it holds cdk.json and the Lambda
	// packages that are built.
	ModuleDir string
	// Suffix overrides cdk.json's environmentSuffix when not empty.
	Suffix string
	// Context adds to cdk.json's context and overrides it, as `-c key=value`
	// does on the CDK command line.
	Context map[string]interface{}
	// StubCode packages stub Lambda code instead of building every
	// function, for callers that read the template only.
	StubCode bool
	// SkipValidation turns off CDK's built-in CloudFormation template
	// validation (resource schemas and default rules: about 8 s of CPU per
	// synthesis, most of a synthesis). The tests validate the real
	// synthesis once and `cdk deploy` validates what it deploys; the other
	// syntheses of the same template skip it.
	SkipValidation bool
	// Outdir receives the cloud assembly; empty means a new temporary
	// directory, which the caller removes (Synthesized.AssemblyDir).
	Outdir string
	// Prepare runs on the app before it is synthesized (cdk-nag's aspects
	// are added here).
	Prepare func(app awscdk.App, stack *Stack)
}

// Synthesized is the result of Synthesize.
type Synthesized struct {
	Stack       *Stack
	AssemblyDir string
	// Template is the stack's CloudFormation template (JSON).
	Template []byte
}

// Synthesize synthesizes the app in process with cdk.json's context, as
// `cdk synth` would, for the tests and the local runner: the one place
// besides the CDK CLI that synthesizes. It starts the jsii kernel (a Node
// process); the caller calls jsii.Close when it no longer synthesizes.
// CDK's panics (programmer errors, failed validations) are returned as
// errors; the assembly directory is kept so a validation report can be
// read. Its process must have started on a supported Node
// (ReexecOnSupportedNode).
func Synthesize(opts SynthOptions) (s *Synthesized, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesizing the app: %v", r)
		}
	}()
	overrides := map[string]interface{}{golambda.StubCodeContextKey: opts.StubCode}
	for k, v := range opts.Context {
		overrides[k] = v
	}
	if opts.Suffix != "" {
		overrides[naming.ContextKey] = opts.Suffix
	}
	ctx, err := CDKJSONContext(filepath.Join(opts.ModuleDir, "cdk.json"), overrides)
	if err != nil {
		return nil, err
	}
	outdir := opts.Outdir
	if outdir == "" {
		if outdir, err = os.MkdirTemp("", "cdk.out-"); err != nil {
			return nil, err
		}
	}
	app, stack, err := newApp(opts.ModuleDir, ctx, outdir, !opts.SkipValidation)
	if err != nil {
		return nil, err
	}
	if opts.Prepare != nil {
		opts.Prepare(app, stack)
	}
	assembly := app.Synth(nil)
	dir := *assembly.Directory()
	b, err := os.ReadFile(filepath.Join(dir, *stack.Stack.ArtifactId()+".template.json"))
	if err != nil {
		return nil, err
	}
	return &Synthesized{Stack: stack, AssemblyDir: dir, Template: b}, nil
}

// LoadTemplate returns the stack's template for the commands that read it
// (the local runner, the cost model): the synthesized template at path (a
// file or a cdk.out directory) when path is set, else one synthesized in
// process with stub Lambda code and no CDK validation, which needs no Go
// build. It closes the jsii kernel it started; the caller synthesizes no
// more.
func LoadTemplate(moduleDir, path, suffix string) (*cfn.Template, error) {
	if path != "" {
		return cfn.ReadFile(path)
	}
	synth, err := Synthesize(SynthOptions{ModuleDir: moduleDir, Suffix: suffix, StubCode: true, SkipValidation: true})
	jsii.Close()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(synth.AssemblyDir)
	return cfn.Parse(synth.Template)
}

// ReexecOnSupportedNode makes the CDK's jsii kernel run on a Node.js the
// CDK supports (22 or later) when the machine's node is older: unless
// JSII_NODE is set, it finds one (npmproject.SupportedNode: the machine's
// node when it is new enough, else the one tools/node pins, installed on
// first use) and, if that is not the machine's node, executes the running
// program again with JSII_NODE and PATH pointing at it. Setting them later
// in the process would be too late: jsii-runtime-go chooses the node
// command of its kernel while packages initialise (the generated packages'
// init functions register their types through kernel.GetClient), though
// the process starts later. Call it first in the main function or TestMain
// of a program that synthesizes in process; on success it does not return
// when it re-executes. `make` exports JSII_NODE itself.
func ReexecOnSupportedNode() error {
	if os.Getenv(npmproject.NodeEnv) != "" {
		return nil
	}
	ctx := context.Background()
	node, err := npmproject.SupportedNode(ctx)
	if err != nil {
		return fmt.Errorf("finding a Node.js >= %d for the CDK: %w", npmproject.MinNodeMajor, err)
	}
	if onPath, err := exec.LookPath("node"); err == nil && onPath == node {
		return nil // the machine's node is supported: jsii already uses it
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	env := append(os.Environ(), npmproject.NodeEnv+"="+node,
		"PATH="+filepath.Dir(node)+string(os.PathListSeparator)+os.Getenv("PATH"))
	return syscall.Exec(exe, os.Args, env)
}
