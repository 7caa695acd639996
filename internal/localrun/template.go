package localrun

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/golambda"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Synthesize synthesizes the CDK app in process with cdk.json's context
// (found in moduleDir) and stub Lambda code, and returns the stack's
// CloudFormation template. It starts the jsii kernel (a Node process);
// the caller calls jsii.Close when it no longer synthesizes.
func Synthesize(moduleDir, suffix string) (template []byte, err error) {
	defer func() {
		// CDK reports programmer errors as panics through jsii.
		if r := recover(); r != nil {
			err = fmt.Errorf("localrun: synthesizing the app: %v", r)
		}
	}()
	overrides := map[string]interface{}{golambda.StubCodeContextKey: true}
	if suffix != "" {
		overrides["environmentSuffix"] = suffix
	}
	ctx, err := paymentstack.CDKJSONContext(filepath.Join(moduleDir, "cdk.json"), overrides)
	if err != nil {
		return nil, err
	}
	outdir, err := os.MkdirTemp("", "localrun-cdk.out-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(outdir)
	app, stack, err := paymentstack.NewApp(moduleDir, ctx, outdir)
	if err != nil {
		return nil, err
	}
	assembly := app.Synth(nil)
	return os.ReadFile(filepath.Join(*assembly.Directory(), *stack.Stack.ArtifactId()+".template.json"))
}

// ReadTemplate reads a synthesized template: a template file, or a cloud
// assembly directory (cdk.out) holding exactly one *.template.json.
func ReadTemplate(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		matches, err := filepath.Glob(filepath.Join(path, "*.template.json"))
		if err != nil {
			return nil, err
		}
		if len(matches) != 1 {
			return nil, fmt.Errorf("localrun: %s holds %d templates; name one", path, len(matches))
		}
		path = matches[0]
	}
	return os.ReadFile(path)
}

// cfnTemplate is the part of a CloudFormation template the runner reads.
type cfnTemplate struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
}

func parseTemplate(b []byte) (*cfnTemplate, error) {
	var t cfnTemplate
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("localrun: the template is not JSON: %w", err)
	}
	if len(t.Resources) == 0 {
		return nil, fmt.Errorf("localrun: the template has no resources")
	}
	return &t, nil
}

// byName finds the resource of type cfnType whose nameProp property is name.
func (t *cfnTemplate) byName(cfnType, nameProp, name string) (string, map[string]any, error) {
	for id, r := range t.Resources {
		if r.Type != cfnType {
			continue
		}
		if n, _ := r.Properties[nameProp].(string); n == name {
			return id, r.Properties, nil
		}
	}
	return "", nil, fmt.Errorf("localrun: the template has no %s named %s", cfnType, name)
}

// localNames resolves the template's references to the local resources:
// the table by name, the queues by their emulator URL and ARN.
type localNames struct {
	t      *cfnTemplate
	table  map[string]string // logical id -> table name
	queues map[string]queueRef
}

type queueRef struct{ url, arn, name string }

func (n *localNames) resolve(ref cfn.Ref) (string, bool) {
	id, attr := ref.LogicalID, ref.Attribute
	if name, ok := n.table[id]; ok {
		switch attr {
		case "":
			return name, true
		case "Arn":
			return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name, true
		}
	}
	if q, ok := n.queues[id]; ok {
		switch attr {
		case "", "QueueUrl":
			return q.url, true
		case "Arn":
			return q.arn, true
		case "QueueName":
			return q.name, true
		}
	}
	return "", false
}

// functionEnv returns the environment variables the template gives the
// named function, with references resolved to the local resources.
func (n *localNames) functionEnv(functionName string) (map[string]string, error) {
	_, props, err := n.t.byName("AWS::Lambda::Function", "FunctionName", functionName)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	e, _ := props["Environment"].(map[string]any)
	vars, _ := e["Variables"].(map[string]any)
	for k, v := range vars {
		s, err := cfn.Evaluator{Resolve: n.resolve}.String(v)
		if err != nil {
			return nil, fmt.Errorf("localrun: %s environment %s: %w", functionName, k, err)
		}
		env[k] = s
	}
	return env, nil
}

// definition returns the ASL definition of the named state machine.
func (n *localNames) definition(raw []byte, stateMachineName string) ([]byte, error) {
	id, _, err := n.t.byName("AWS::StepFunctions::StateMachine", "StateMachineName", stateMachineName)
	if err != nil {
		return nil, err
	}
	return aslrun.DefinitionFromTemplate(raw, id, n.resolve)
}

// maxReceiveCount reads the maxReceiveCount of a queue's RedrivePolicy.
func (n *localNames) maxReceiveCount(queueName string) (int, error) {
	_, props, err := n.t.byName("AWS::SQS::Queue", "QueueName", queueName)
	if err != nil {
		return 0, err
	}
	rp, _ := props["RedrivePolicy"].(map[string]any)
	switch v := rp["maxReceiveCount"].(type) {
	case float64:
		return int(v), nil
	case string:
		return strconv.Atoi(v)
	}
	return 0, fmt.Errorf("localrun: queue %s has no maxReceiveCount", queueName)
}

// throttle reads a stage's throttling limits for one method setting
// (resourcePath "/*" and method "*" for the stage default).
func (t *cfnTemplate) throttle(resourcePath, method string) (rate, burst float64, ok bool) {
	for _, r := range t.Resources {
		if r.Type != "AWS::ApiGateway::Stage" {
			continue
		}
		settings, _ := r.Properties["MethodSettings"].([]any)
		for _, s := range settings {
			m, _ := s.(map[string]any)
			if m["ResourcePath"] == resourcePath && m["HttpMethod"] == method {
				rate, _ = m["ThrottlingRateLimit"].(float64)
				burst, _ = m["ThrottlingBurstLimit"].(float64)
				return rate, burst, rate > 0 && burst > 0
			}
		}
	}
	return 0, 0, false
}
