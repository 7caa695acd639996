package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Placeholder values used for pseudo parameters and resource tokens when a
// definition is rebuilt from a template.
const (
	PlaceholderRegion    = "us-east-1"
	PlaceholderAccount   = "123456789012"
	PlaceholderPartition = "aws"
)

// Token is a CloudFormation reference found in a definition: {"Ref": X} or
// {"Fn::GetAtt": [X, Attr]}.
type Token struct {
	LogicalID string
	// Attribute is "Ref" for a Ref, else the GetAtt attribute ("Arn").
	Attribute string
	// ResourceType is the referenced resource's type, when it is in the
	// same template.
	ResourceType string
}

// Machine is an AWS::StepFunctions::StateMachine found in a template.
type Machine struct {
	// LogicalID is the resource's logical id; Stack the stack (artifact)
	// id; TemplateFile the template it came from.
	LogicalID    string
	Stack        string
	TemplateFile string
	// Name is StateMachineName when it is a literal string.
	Name string
	// Type is StateMachineType: "EXPRESS" or "STANDARD" (the default).
	Type string
	Tags map[string]string
	// JSON is the rebuilt definition with tokens replaced by placeholders.
	JSON []byte
	// Definition is the parsed definition; nil when ParseError is set.
	Definition *Definition
	ParseError error
	// Tokens maps each placeholder that appears in JSON to the reference it
	// replaced, so callers can resolve resources (e.g. a Lambda ARN back to
	// the function's logical id).
	Tokens map[string]Token
}

// ID names the machine for messages: "<Stack>/<LogicalID>".
func (m *Machine) ID() string {
	if m.Stack == "" {
		return m.LogicalID
	}
	return m.Stack + "/" + m.LogicalID
}

// LoadAssembly reads a CDK cloud assembly directory (cdk.out) and returns
// every state machine of every stack template it lists, nested assemblies
// included. Without a manifest.json it reads every *.template.json.
func LoadAssembly(dir string) ([]*Machine, error) {
	files, err := assemblyTemplates(dir, 0)
	if err != nil {
		return nil, err
	}
	var out []*Machine
	for _, f := range files {
		ms, err := LoadTemplate(f.path, f.stack)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}

type templateFile struct{ path, stack string }

func assemblyTemplates(dir string, depth int) ([]templateFile, error) {
	if depth > 8 {
		return nil, errors.New("asl: cloud assemblies nested too deeply")
	}
	raw, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if errors.Is(err, os.ErrNotExist) {
		matches, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
		if err != nil {
			return nil, err
		}
		if len(matches) == 0 {
			return nil, fmt.Errorf("asl: %s has neither manifest.json nor *.template.json", dir)
		}
		var out []templateFile
		for _, m := range matches {
			out = append(out, templateFile{m, strings.TrimSuffix(filepath.Base(m), ".template.json")})
		}
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				TemplateFile  string `json:"templateFile"`
				DirectoryName string `json:"directoryName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, fmt.Errorf("asl: %s/manifest.json: %w", dir, err)
	}
	ids := make([]string, 0, len(manifest.Artifacts))
	for id := range manifest.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []templateFile
	for _, id := range ids {
		a := manifest.Artifacts[id]
		switch a.Type {
		case "aws:cloudformation:stack":
			if a.Properties.TemplateFile != "" {
				out = append(out, templateFile{filepath.Join(dir, a.Properties.TemplateFile), id})
			}
		case "cdk:cloud-assembly":
			if a.Properties.DirectoryName != "" {
				nested, err := assemblyTemplates(filepath.Join(dir, a.Properties.DirectoryName), depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, nested...)
			}
		}
	}
	return out, nil
}

// LoadTemplate reads one CloudFormation template (JSON) and returns its state
// machines. stack names the stack in Machine.Stack (the file name is used
// when empty).
func LoadTemplate(path, stack string) ([]*Machine, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if stack == "" {
		stack = strings.TrimSuffix(filepath.Base(path), ".template.json")
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string         `json:"Type"`
			Properties map[string]any `json:"Properties"`
		} `json:"Resources"`
	}
	if err := json.Unmarshal(raw, &tpl); err != nil {
		return nil, fmt.Errorf("asl: %s: %w", path, err)
	}
	types := map[string]string{}
	props := map[string]map[string]any{}
	for id, r := range tpl.Resources {
		types[id] = r.Type
		props[id] = r.Properties
	}
	ids := make([]string, 0)
	for id, r := range tpl.Resources {
		if r.Type == "AWS::StepFunctions::StateMachine" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	var out []*Machine
	for _, id := range ids {
		p := props[id]
		m := &Machine{LogicalID: id, Stack: stack, TemplateFile: path, Type: "STANDARD", Tokens: map[string]Token{}}
		if t, ok := p["StateMachineType"].(string); ok && t != "" {
			m.Type = t
		}
		m.Name, _ = p["StateMachineName"].(string)
		if tags, ok := p["Tags"].([]any); ok {
			m.Tags = map[string]string{}
			for _, t := range tags {
				if tm, ok := t.(map[string]any); ok {
					k, _ := tm["Key"].(string)
					v, _ := tm["Value"].(string)
					m.Tags[k] = v
				}
			}
		}
		r := &resolver{types: types, props: props, stack: stack, tokens: m.Tokens}
		subs := map[string]string{}
		if s, ok := p["DefinitionSubstitutions"].(map[string]any); ok {
			for k, v := range s {
				subs[k] = r.str(v)
			}
		}
		var text string
		switch {
		case p["DefinitionString"] != nil:
			text = r.str(p["DefinitionString"])
		case p["Definition"] != nil:
			b, err := json.Marshal(r.tree(p["Definition"]))
			if err != nil {
				return nil, fmt.Errorf("asl: %s %s: %w", path, id, err)
			}
			text = string(b)
		default:
			m.ParseError = errors.New("the state machine has no inline Definition or DefinitionString (DefinitionS3Location is not read)")
			out = append(out, m)
			continue
		}
		text = substituteDefinition(text, subs)
		m.JSON = []byte(text)
		m.Definition, m.ParseError = Parse(m.JSON)
		out = append(out, m)
	}
	return out, nil
}

var substitution = regexp.MustCompile(`\$\{([^}]+)\}`)

// substituteDefinition applies DefinitionSubstitutions ("${name}") inside the
// definition text, JSON-escaping the values.
func substituteDefinition(text string, subs map[string]string) string {
	if len(subs) == 0 {
		return text
	}
	return substitution.ReplaceAllStringFunc(text, func(m string) string {
		v, ok := subs[m[2:len(m)-1]]
		if !ok {
			return m
		}
		b, _ := json.Marshal(v)
		return string(b[1 : len(b)-1])
	})
}

// resolver turns CloudFormation intrinsic functions into stable placeholder
// strings.
type resolver struct {
	types  map[string]string
	props  map[string]map[string]any
	stack  string
	tokens map[string]Token
}

// tree replaces intrinsic-function objects anywhere in v by strings.
func (r *resolver) tree(v any) any {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 1 {
			for k := range t {
				if k == "Ref" || strings.HasPrefix(k, "Fn::") {
					return r.str(t)
				}
			}
		}
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = r.tree(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = r.tree(x)
		}
		return out
	default:
		return v
	}
}

// str renders a template value (a string or an intrinsic function) as text.
func (r *resolver) str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case float64, bool:
		b, _ := json.Marshal(t)
		return string(b)
	case map[string]any:
		if ref, ok := t["Ref"].(string); ok {
			return r.ref(ref)
		}
		if ga, ok := t["Fn::GetAtt"]; ok {
			var id, attr string
			switch g := ga.(type) {
			case []any:
				if len(g) == 2 {
					id, _ = g[0].(string)
					attr = r.str(g[1])
				}
			case string:
				id, attr, _ = strings.Cut(g, ".")
			}
			return r.getAtt(id, attr)
		}
		if j, ok := t["Fn::Join"].([]any); ok && len(j) == 2 {
			sep := r.str(j[0])
			parts, _ := j[1].([]any)
			ss := make([]string, len(parts))
			for i, p := range parts {
				ss[i] = r.str(p)
			}
			return strings.Join(ss, sep)
		}
		if s, ok := t["Fn::Sub"]; ok {
			var tmpl string
			vars := map[string]string{}
			switch x := s.(type) {
			case string:
				tmpl = x
			case []any:
				if len(x) > 0 {
					tmpl, _ = x[0].(string)
				}
				if len(x) > 1 {
					if m, ok := x[1].(map[string]any); ok {
						for k, v := range m {
							vars[k] = r.str(v)
						}
					}
				}
			}
			return r.sub(tmpl, vars)
		}
		for k := range t {
			ph := "${Token[" + k + "]}"
			r.tokens[ph] = Token{Attribute: k}
			return ph
		}
		return ""
	default:
		b, _ := json.Marshal(t)
		return string(b)
	}
}

func (r *resolver) sub(tmpl string, vars map[string]string) string {
	return substitution.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		if strings.HasPrefix(name, "!") { // ${!Literal}
			return "${" + name[1:] + "}"
		}
		if v, ok := vars[name]; ok {
			return v
		}
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			return r.getAtt(id, attr)
		}
		return r.ref(name)
	})
}

func (r *resolver) ref(id string) string {
	switch id {
	case "AWS::Region":
		return PlaceholderRegion
	case "AWS::AccountId":
		return PlaceholderAccount
	case "AWS::Partition":
		return PlaceholderPartition
	case "AWS::URLSuffix":
		return "amazonaws.com"
	case "AWS::StackName":
		return r.stack
	case "AWS::NoValue":
		return ""
	}
	typ := r.types[id]
	name := r.physicalName(id)
	var ph string
	switch typ {
	case "AWS::Lambda::Function", "AWS::DynamoDB::Table", "AWS::Events::EventBus", "AWS::Logs::LogGroup", "AWS::S3::Bucket":
		ph = name
	case "AWS::SQS::Queue":
		ph = "https://sqs." + PlaceholderRegion + ".amazonaws.com/" + PlaceholderAccount + "/" + name
	case "AWS::SNS::Topic":
		ph = "arn:aws:sns:" + PlaceholderRegion + ":" + PlaceholderAccount + ":" + name
	case "AWS::StepFunctions::StateMachine":
		ph = "arn:aws:states:" + PlaceholderRegion + ":" + PlaceholderAccount + ":stateMachine:" + name
	default:
		ph = "${Token[" + id + "]}"
	}
	r.tokens[ph] = Token{LogicalID: id, Attribute: "Ref", ResourceType: typ}
	return ph
}

func (r *resolver) getAtt(id, attr string) string {
	typ := r.types[id]
	name := r.physicalName(id)
	var ph string
	if attr == "Arn" {
		switch typ {
		case "AWS::Lambda::Function":
			ph = "arn:aws:lambda:" + PlaceholderRegion + ":" + PlaceholderAccount + ":function:" + name
		case "AWS::SQS::Queue":
			ph = "arn:aws:sqs:" + PlaceholderRegion + ":" + PlaceholderAccount + ":" + name
		case "AWS::DynamoDB::Table":
			ph = "arn:aws:dynamodb:" + PlaceholderRegion + ":" + PlaceholderAccount + ":table/" + name
		case "AWS::SNS::Topic":
			ph = "arn:aws:sns:" + PlaceholderRegion + ":" + PlaceholderAccount + ":" + name
		case "AWS::StepFunctions::StateMachine":
			ph = "arn:aws:states:" + PlaceholderRegion + ":" + PlaceholderAccount + ":stateMachine:" + name
		case "AWS::IAM::Role":
			ph = "arn:aws:iam::" + PlaceholderAccount + ":role/" + name
		}
	}
	if typ == "AWS::SQS::Queue" && attr == "QueueUrl" {
		ph = "https://sqs." + PlaceholderRegion + ".amazonaws.com/" + PlaceholderAccount + "/" + name
	}
	if typ == "AWS::SQS::Queue" && attr == "QueueName" {
		ph = name
	}
	if ph == "" {
		ph = "${Token[" + id + "." + attr + "]}"
	}
	r.tokens[ph] = Token{LogicalID: id, Attribute: attr, ResourceType: typ}
	return ph
}

// physicalName is the resource's literal name property when it has one, so
// placeholders read like the deployed names; otherwise the logical id.
func (r *resolver) physicalName(id string) string {
	p := r.props[id]
	for _, k := range []string{"FunctionName", "QueueName", "TableName", "TopicName", "StateMachineName", "RoleName", "BucketName", "Name"} {
		if s, ok := p[k].(string); ok && s != "" {
			return s
		}
	}
	return id
}
