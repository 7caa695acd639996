// Package test holds the tests that span packages: assertions over the
// synthesized CloudFormation template, cdk-nag, the lint of every
// synthesized state machine. The CDK app is synthesized once per test
// binary (the jsii kernel is a Node process). The end-to-end runs are
// package test/e2e.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cfn"
)

func TestMain(m *testing.M) {
	// The jsii kernel runs on Node 22+ under plain `go test` too.
	if err := paymentstack.ReexecOnSupportedNode(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	jsii.Close()
	// Each synthesis's cloud assembly (~66 MB with the Lambda bundles)
	// lives in its own temporary directory.
	for _, s := range synthCache {
		if s != nil {
			os.RemoveAll(s.AssemblyDir)
		}
	}
	os.Exit(code)
}

// synthesized is one synthesized app.
type synthesized struct {
	Stack *paymentstack.Stack
	// Template is the template as plain JSON values, for assertions on
	// its exact shape; Parsed is the same template read by package cfn;
	// Raw is its JSON text.
	Template    map[string]interface{}
	Parsed      *cfn.Template
	Raw         []byte
	AssemblyDir string
	Suffix      string
}

// Resources returns the template's resources of one type, by logical id.
func (s *synthesized) Resources(cfnType string) map[string]map[string]interface{} {
	out := map[string]map[string]interface{}{}
	all := s.Template["Resources"].(map[string]interface{})
	for id, r := range s.Parsed.Resources {
		if cfnType == "" || r.Type == cfnType {
			out[id] = all[id].(map[string]interface{})
		}
	}
	return out
}

var (
	synthMu    sync.Mutex
	synthCache = map[string]*synthesized{}
	// beforeSynth runs on the app before it is synthesized (cdk-nag's
	// aspects are added here, so the one synthesis serves every test).
	beforeSynth []func(app awscdk.App, stack *paymentstack.Stack)
)

// synth synthesizes the real app with cdk.json's context and the given
// environment suffix, once per suffix per test binary.
func synth(t testing.TB, suffix string) *synthesized {
	t.Helper()
	return synthOnce(t, suffix, false)
}

// synthStub synthesizes with stub Lambda code (no Go builds), for tests
// that only compare names and structure across suffixes.
func synthStub(t testing.TB, suffix string) *synthesized {
	t.Helper()
	return synthOnce(t, suffix, true)
}

func synthOnce(t testing.TB, suffix string, stub bool) *synthesized {
	t.Helper()
	synthMu.Lock()
	defer synthMu.Unlock()
	key := fmt.Sprintf("%s/%v", suffix, stub)
	if s, ok := synthCache[key]; ok {
		if s == nil {
			t.Fatalf("synthesis for suffix %q failed earlier", suffix)
		}
		return s
	}
	synthCache[key] = nil
	s, err := doSynth(suffix, stub)
	if err != nil {
		t.Fatalf("synthesizing the app (suffix %s): %v", suffix, err)
	}
	synthCache[key] = s
	return s
}

func doSynth(suffix string, stub bool) (*synthesized, error) {
	moduleDir, err := golambda.ModuleDir("..")
	if err != nil {
		return nil, err
	}
	// Only the real synthesis runs CDK's template validation: the stub ones
	// differ from it in their code assets alone.
	opts := paymentstack.SynthOptions{ModuleDir: moduleDir, Suffix: suffix, StubCode: stub, SkipValidation: stub}
	if suffix != paymentstack.UnsubscribedSuffix {
		// Every other suffix needs an alarm subscriber: the other suffix's
		// synthesis has both kinds (alerting_test.go checks them).
		opts.Context = map[string]interface{}{
			paymentstack.KeyAlarmEmail: testAlarmEmail, paymentstack.KeyAlarmTopicArn: testAlarmTopicArn,
		}
	}
	if !stub {
		opts.Prepare = func(app awscdk.App, stack *paymentstack.Stack) {
			for _, f := range beforeSynth {
				f(app, stack)
			}
		}
	}
	out, err := paymentstack.Synthesize(opts)
	if err != nil {
		return nil, err
	}
	parsed, err := cfn.Parse(out.Template)
	if err != nil {
		return nil, err
	}
	var tmpl map[string]interface{}
	if err := json.Unmarshal(out.Template, &tmpl); err != nil {
		return nil, err
	}
	return &synthesized{Stack: out.Stack, Template: tmpl, Parsed: parsed, Raw: out.Template, AssemblyDir: out.AssemblyDir, Suffix: suffix}, nil
}
