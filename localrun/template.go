package localrun

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

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

func (n *localNames) resolve(id, attr string) (string, bool) {
	if name, ok := n.table[id]; ok {
		switch attr {
		case "":
			return name, true
		case "Arn":
			return "arn:aws:dynamodb:" + awsenv.Region + ":" + awsenv.LocalAccount + ":table/" + name, true
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
		s, err := aslrun.EvalString(v, n.resolve)
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
