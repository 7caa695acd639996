package aslrun

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// CfnResolver resolves a CloudFormation reference in a synthesized
// template: Ref (attribute "") or Fn::GetAtt. ok is false for references
// it does not know.
type CfnResolver func(logicalID, attribute string) (value string, ok bool)

// DefinitionFromTemplate extracts the ASL definition of the
// AWS::StepFunctions::StateMachine resource logicalID (or of the only
// state machine when logicalID is "") from a CloudFormation template as
// `cdk synth` writes it, resolving the Fn::Join, Ref, Fn::GetAtt and
// Fn::Sub intrinsics and DefinitionSubstitutions that CDK emits.
//
// resolve is asked first. Without an answer, pseudo parameters become
// us-east-1 / 123456789012 / aws; Fn::GetAtt [X, Arn] of an
// AWS::Lambda::Function becomes
// arn:aws:lambda:<region>:<account>:function:<FunctionName or X>, so a
// LambdaInvoker can register handlers by function name or logical ID;
// SNS topics, SQS queues, DynamoDB tables and state machines get ARNs,
// URLs and names of the same form; any other resource of the template
// gets its logical ID (Ref) or a placeholder ARN (Fn::GetAtt).
func DefinitionFromTemplate(template []byte, logicalID string, resolve CfnResolver) ([]byte, error) {
	var tpl struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(template, &tpl); err != nil {
		return nil, fmt.Errorf("aslrun: the template is not JSON: %w", err)
	}
	if logicalID == "" {
		var ids []string
		for id, r := range tpl.Resources {
			if r.Type == "AWS::StepFunctions::StateMachine" {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		if len(ids) != 1 {
			return nil, fmt.Errorf("aslrun: the template has %d state machines %v; name one", len(ids), ids)
		}
		logicalID = ids[0]
	}
	res, ok := tpl.Resources[logicalID]
	if !ok || res.Type != "AWS::StepFunctions::StateMachine" {
		return nil, fmt.Errorf("aslrun: %s is not a state machine of the template", logicalID)
	}
	c := &cfnContext{resolve: resolve, props: map[string]map[string]any{}, types: map[string]string{}}
	for id, r := range tpl.Resources {
		c.types[id] = r.Type
		c.props[id] = r.Properties
	}
	if subs, ok := res.Properties["DefinitionSubstitutions"].(map[string]any); ok {
		c.subs = map[string]string{}
		for k, v := range subs {
			s, err := c.eval(v)
			if err != nil {
				return nil, fmt.Errorf("aslrun: DefinitionSubstitutions %s: %w", k, err)
			}
			c.subs[k] = s
		}
	}
	var def string
	switch d := res.Properties["DefinitionString"]; {
	case d != nil:
		s, err := c.eval(d)
		if err != nil {
			return nil, fmt.Errorf("aslrun: DefinitionString: %w", err)
		}
		def = s
	case res.Properties["Definition"] != nil:
		b, err := json.Marshal(res.Properties["Definition"])
		if err != nil {
			return nil, err
		}
		def = string(b)
	default:
		return nil, fmt.Errorf("aslrun: state machine %s has no inline definition", logicalID)
	}
	for k, v := range c.subs {
		def = strings.ReplaceAll(def, "${"+k+"}", v)
	}
	return []byte(def), nil
}

// EvalString evaluates one CloudFormation string value of a template (a
// literal, a number, Ref, Fn::GetAtt, Fn::Join or Fn::Sub) with resolve.
// Pseudo parameters get DefinitionFromTemplate's defaults; any other
// reference that resolve cannot answer is an error.
func EvalString(v any, resolve CfnResolver) (string, error) {
	return (&cfnContext{resolve: resolve}).eval(v)
}

type cfnContext struct {
	resolve CfnResolver
	props   map[string]map[string]any
	types   map[string]string
	subs    map[string]string
}

func (c *cfnContext) eval(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case map[string]any:
		if len(x) != 1 {
			break
		}
		for fn, arg := range x {
			switch fn {
			case "Ref":
				id, _ := arg.(string)
				return c.ref(id, "")
			case "Fn::GetAtt":
				var id, attr string
				switch a := arg.(type) {
				case []any:
					if len(a) == 2 {
						id, _ = a[0].(string)
						attr, _ = a[1].(string)
					}
				case string:
					id, attr, _ = strings.Cut(a, ".")
				}
				return c.ref(id, attr)
			case "Fn::Join":
				a, ok := arg.([]any)
				if !ok || len(a) != 2 {
					return "", fmt.Errorf("malformed Fn::Join")
				}
				sep, _ := a[0].(string)
				parts, _ := a[1].([]any)
				out := make([]string, len(parts))
				for i, p := range parts {
					s, err := c.eval(p)
					if err != nil {
						return "", err
					}
					out[i] = s
				}
				return strings.Join(out, sep), nil
			case "Fn::Sub":
				s, ok := arg.(string)
				if !ok {
					return "", fmt.Errorf("only the string form of Fn::Sub is supported")
				}
				return c.sub(s)
			}
		}
	}
	return "", fmt.Errorf("unsupported CloudFormation value %v", v)
}

func (c *cfnContext) sub(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in Fn::Sub")
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		id, attr, _ := strings.Cut(name, ".")
		v, err := c.ref(id, attr)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

func (c *cfnContext) ref(id, attr string) (string, error) {
	if c.resolve != nil {
		if v, ok := c.resolve(id, attr); ok {
			return v, nil
		}
	}
	region, account := "us-east-1", "123456789012"
	if c.resolve != nil {
		if v, ok := c.resolve("AWS::Region", ""); ok {
			region = v
		}
		if v, ok := c.resolve("AWS::AccountId", ""); ok {
			account = v
		}
	}
	switch id {
	case "AWS::Partition":
		return "aws", nil
	case "AWS::Region":
		return region, nil
	case "AWS::AccountId":
		return account, nil
	case "AWS::URLSuffix":
		return "amazonaws.com", nil
	}
	typ, known := c.types[id]
	if !known {
		return "", fmt.Errorf("cannot resolve %s %s; pass a CfnResolver", id, attr)
	}
	name := func(prop string) string {
		if n, ok := c.props[id][prop].(string); ok {
			return n
		}
		return id
	}
	switch typ {
	case "AWS::Lambda::Function":
		switch attr {
		case "":
			return name("FunctionName"), nil
		case "Arn":
			return fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", region, account, name("FunctionName")), nil
		}
	case "AWS::SNS::Topic":
		switch attr {
		case "", "TopicArn":
			return fmt.Sprintf("arn:aws:sns:%s:%s:%s", region, account, name("TopicName")), nil
		case "TopicName":
			return name("TopicName"), nil
		}
	case "AWS::SQS::Queue":
		switch attr {
		case "", "QueueUrl":
			return fmt.Sprintf("https://sqs.%s.amazonaws.com/%s/%s", region, account, name("QueueName")), nil
		case "Arn":
			return fmt.Sprintf("arn:aws:sqs:%s:%s:%s", region, account, name("QueueName")), nil
		case "QueueName":
			return name("QueueName"), nil
		}
	case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable":
		switch attr {
		case "":
			return name("TableName"), nil
		case "Arn":
			return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", region, account, name("TableName")), nil
		}
	case "AWS::StepFunctions::StateMachine":
		switch attr {
		case "", "Arn":
			return fmt.Sprintf("arn:aws:states:%s:%s:stateMachine:%s", region, account, name("StateMachineName")), nil
		case "Name":
			return name("StateMachineName"), nil
		}
	}
	// Any other resource: its logical ID, or a placeholder for an
	// attribute, so that the definition still loads.
	if attr == "" {
		return id, nil
	}
	return fmt.Sprintf("arn:aws:cloudformation:%s:%s:%s/%s", region, account, id, attr), nil
}
