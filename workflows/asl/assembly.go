package asl

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cfn"
)

// Placeholder values used for pseudo parameters and resource tokens when a
// definition is rebuilt from a template.
const (
	PlaceholderRegion    = awsenv.Region
	PlaceholderAccount   = awsenv.LocalAccount
	PlaceholderPartition = awsenv.Partition
)

// Token is a CloudFormation reference found in a definition: a Ref of X or
// an attribute of X (see cfn.Ref).
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
	stacks, err := cfn.ReadAssembly(dir)
	if err != nil {
		return nil, err
	}
	var out []*Machine
	for _, s := range stacks {
		out = append(out, machines(s.Template, s.File, s.Stack)...)
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
	t, err := cfn.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("asl: %s: %w", path, err)
	}
	if stack == "" {
		stack = strings.TrimSuffix(filepath.Base(path), ".template.json")
	}
	return machines(t, path, stack), nil
}

// machines rebuilds the definitions of t's state machines with
// placeholders, so that a machine referencing anything at all loads; a
// definition that cannot be rebuilt (an intrinsic function the evaluator
// does not know) is the machine's ParseError.
func machines(t *cfn.Template, path, stack string) []*Machine {
	var out []*Machine
	for _, r := range t.StateMachines() {
		m := &Machine{LogicalID: r.LogicalID, Stack: stack, TemplateFile: path, Type: "STANDARD", Name: r.Name(), Tokens: map[string]Token{}}
		if typ, ok := r.Property("StateMachineType").(string); ok && typ != "" {
			m.Type = typ
		}
		if tags, ok := r.Property("Tags").([]any); ok {
			m.Tags = map[string]string{}
			for _, t := range tags {
				if tm, ok := t.(map[string]any); ok {
					k, _ := tm["Key"].(string)
					v, _ := tm["Value"].(string)
					m.Tags[k] = v
				}
			}
		}
		tokens := map[string]cfn.Token{}
		env := cfn.Env{StackName: stack}
		ev := cfn.Evaluator{Env: env, Resolve: cfn.Placeholders(t, env, tokens)}
		m.JSON, m.ParseError = ev.Definition(r)
		for ph, tok := range tokens {
			attr := tok.Attribute
			if attr == "" {
				attr = "Ref"
			}
			m.Tokens[ph] = Token{LogicalID: tok.LogicalID, Attribute: attr, ResourceType: tok.ResourceType}
		}
		if m.ParseError == nil {
			m.Definition, m.ParseError = Parse(m.JSON)
		}
		out = append(out, m)
	}
	return out
}
