package localrun

import (
	"fmt"
	"strconv"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cfn"
)

// localNames resolves the template's references to the local resources:
// the table by name, the queues by their emulator URL and ARN. Anything
// else reads as the deployed name would (cfn.PhysicalNames).
type localNames struct {
	t      *cfn.Template
	table  map[string]string // logical id -> table name
	queues map[string]queueRef
}

type queueRef struct{ url, arn, name string }

func (n *localNames) resolve(ref cfn.Ref) (string, bool) {
	if name, ok := n.table[ref.LogicalID]; ok {
		switch ref.Attribute {
		case "":
			return name, true
		case "Arn":
			return "arn:" + awsenv.Partition + ":dynamodb:" + awsenv.Region + ":" + awsenv.LocalAccount + ":table/" + name, true
		}
	}
	if q, ok := n.queues[ref.LogicalID]; ok {
		switch ref.Attribute {
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

func (n *localNames) evaluator() cfn.Evaluator { return n.t.Evaluator(cfn.Env{}, n.resolve) }

// functionEnv returns the environment variables the template gives the
// named function, with references resolved to the local resources.
func (n *localNames) functionEnv(functionName string) (map[string]string, error) {
	fn, err := n.t.ByName(cfn.LambdaFunction, functionName)
	if err != nil {
		return nil, err
	}
	return n.evaluator().StringMap(fn, "Environment", "Variables")
}

// logGroup returns the name of the named function's log group, as
// deployed (LoggingConfig.LogGroup), where its metric filters apply.
func (n *localNames) logGroup(functionName string) (string, error) {
	fn, err := n.t.ByName(cfn.LambdaFunction, functionName)
	if err != nil {
		return "", err
	}
	return n.t.Evaluator(cfn.Env{}).String(fn.Property("LoggingConfig", "LogGroup"))
}

// definition returns the ASL definition of the named state machine.
func (n *localNames) definition(stateMachineName string) ([]byte, error) {
	sm, err := n.t.ByName(cfn.StateMachine, stateMachineName)
	if err != nil {
		return nil, err
	}
	return n.evaluator().Definition(sm)
}

// logsExecutionData reports whether a state machine's logs include
// execution data (LoggingConfiguration.IncludeExecutionData).
func (n *localNames) logsExecutionData(stateMachineName string) (bool, error) {
	sm, err := n.t.ByName(cfn.StateMachine, stateMachineName)
	if err != nil {
		return false, err
	}
	include, _ := sm.Property("LoggingConfiguration", "IncludeExecutionData").(bool)
	return include, nil
}

// maxReceiveCount reads the maxReceiveCount of a queue's RedrivePolicy.
func (n *localNames) maxReceiveCount(queueName string) (int, error) {
	q, err := n.t.ByName(cfn.SQSQueue, queueName)
	if err != nil {
		return 0, err
	}
	switch v := q.Property("RedrivePolicy", "maxReceiveCount").(type) {
	case float64:
		return int(v), nil
	case string:
		return strconv.Atoi(v)
	}
	return 0, fmt.Errorf("localrun: queue %s has no maxReceiveCount", queueName)
}

// throttle reads a stage's throttling limits for one method setting
// (resourcePath "/*" and method "*" for the stage default).
func throttle(t *cfn.Template, resourcePath, method string) (rate, burst float64, ok bool) {
	for _, stage := range t.ResourcesOfType("AWS::ApiGateway::Stage") {
		settings, _ := stage.Property("MethodSettings").([]any)
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
