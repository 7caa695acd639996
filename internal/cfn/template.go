// Package cfn reads the CloudFormation templates `cdk synth` writes: one
// model of a template ([Template], [Resource]), the files of a cloud
// assembly ([ReadFile], [ReadAssembly]), and an [Evaluator] that turns the
// intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
// Fn::Select, ...) into plain values with a [Resolver] the caller chooses:
// deployed-looking names ([PhysicalNames]), linter placeholders
// ([Placeholders]) or the caller's own answers first ([Chain]).
//
// The workflow linter, the local ASL executor and the local runner all
// read templates through this package, so a template one of them accepts
// means the same to the others.
package cfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Resource types the package knows by name (see [NameProperty]).
const (
	LambdaFunction  = "AWS::Lambda::Function"
	SQSQueue        = "AWS::SQS::Queue"
	SNSTopic        = "AWS::SNS::Topic"
	DynamoDBTable   = "AWS::DynamoDB::Table"
	DynamoDBTableV2 = "AWS::DynamoDB::GlobalTable"
	StateMachine    = "AWS::StepFunctions::StateMachine"
	IAMRole         = "AWS::IAM::Role"
	LogGroup        = "AWS::Logs::LogGroup"
	EventBus        = "AWS::Events::EventBus"
	EventRule       = "AWS::Events::Rule"
	S3Bucket        = "AWS::S3::Bucket"
	CloudWatchAlarm = "AWS::CloudWatch::Alarm"
)

// Template is a CloudFormation template. Property values are plain JSON
// values (map[string]any, []any, string, float64, bool, nil) with the
// intrinsic functions left in place; an [Evaluator] resolves them.
type Template struct {
	AWSTemplateFormatVersion string `json:",omitempty"`
	Description              string `json:",omitempty"`
	// Parameters by name.
	Parameters map[string]*Parameter `json:",omitempty"`
	// Conditions by name, unevaluated.
	Conditions map[string]any `json:",omitempty"`
	// Resources by logical id.
	Resources map[string]*Resource
	// Outputs by logical id.
	Outputs map[string]*Output `json:",omitempty"`
}

// Parameter is a template parameter.
type Parameter struct {
	Type        string
	Default     any    `json:",omitempty"`
	Description string `json:",omitempty"`
}

// Resource is one resource of a template.
type Resource struct {
	// LogicalID is the resource's key in Template.Resources.
	LogicalID string `json:"-"`
	Type      string
	// Properties is nil when the resource has none.
	Properties map[string]any `json:",omitempty"`
	// DeletionPolicy and UpdateReplacePolicy are "" when not set
	// (CloudFormation's default is then Delete).
	DeletionPolicy      string `json:",omitempty"`
	UpdateReplacePolicy string `json:",omitempty"`
	// Condition names the template condition the resource depends on.
	Condition string `json:",omitempty"`
	// DependsOn lists logical ids, whether the template wrote one or a list.
	DependsOn []string       `json:",omitempty"`
	Metadata  map[string]any `json:",omitempty"`
}

// UnmarshalJSON reads a resource, accepting DependsOn as one logical id or
// a list of them, as CloudFormation does.
func (r *Resource) UnmarshalJSON(b []byte) error {
	type plain Resource
	var raw struct {
		*plain
		DependsOn json.RawMessage
	}
	raw.plain = (*plain)(r)
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	r.DependsOn = nil
	if len(raw.DependsOn) == 0 || string(raw.DependsOn) == "null" {
		return nil
	}
	var one string
	if err := json.Unmarshal(raw.DependsOn, &one); err == nil {
		r.DependsOn = []string{one}
		return nil
	}
	if err := json.Unmarshal(raw.DependsOn, &r.DependsOn); err != nil {
		return errors.New("DependsOn is neither a logical id nor a list of them")
	}
	return nil
}

// Output is a template output; Value is unevaluated.
type Output struct {
	Description string         `json:",omitempty"`
	Value       any            `json:",omitempty"`
	Export      map[string]any `json:",omitempty"`
	Condition   string         `json:",omitempty"`
}

// Parse reads a template from its JSON text. A template without resources
// is refused: it is most likely not a template at all.
func Parse(b []byte) (*Template, error) {
	t, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	return t, nil
}

func parse(b []byte) (*Template, error) {
	var t Template
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("the template is not a JSON template: %w", err)
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("the template has text after its JSON object")
	}
	if len(t.Resources) == 0 {
		return nil, errors.New("the template has no Resources")
	}
	for id, r := range t.Resources {
		if r == nil || r.Type == "" {
			return nil, fmt.Errorf("resource %s has no Type", id)
		}
		r.LogicalID = id
	}
	for name, p := range t.Parameters {
		if p == nil {
			return nil, fmt.Errorf("parameter %s is null", name)
		}
	}
	for id, o := range t.Outputs {
		if o == nil {
			return nil, fmt.Errorf("output %s is null", id)
		}
	}
	return &t, nil
}

// ReadFile reads a template file, or a cloud assembly directory (cdk.out)
// that holds exactly one *.template.json.
func ReadFile(path string) (*Template, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	if fi.IsDir() {
		matches, err := filepath.Glob(filepath.Join(path, "*.template.json"))
		if err != nil {
			return nil, fmt.Errorf("cfn: %w", err)
		}
		if len(matches) != 1 {
			return nil, fmt.Errorf("cfn: %s holds %d templates; name one", path, len(matches))
		}
		path = matches[0]
	}
	return readTemplate(path)
}

func readTemplate(path string) (*Template, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cfn: %w", err)
	}
	t, err := parse(b)
	if err != nil {
		return nil, fmt.Errorf("cfn: %s: %w", path, err)
	}
	return t, nil
}

// ResourcesOfType returns the resources of one type, sorted by logical id.
func (t *Template) ResourcesOfType(resourceType string) []*Resource {
	var out []*Resource
	for _, r := range t.Resources {
		if r.Type == resourceType {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].LogicalID < out[j].LogicalID })
	return out
}

// StateMachines returns the AWS::StepFunctions::StateMachine resources,
// sorted by logical id.
func (t *Template) StateMachines() []*Resource {
	return t.ResourcesOfType(StateMachine)
}

// ByName returns the resource of a type whose name property (see
// [NameProperty]) is the literal string name, e.g. ByName(SQSQueue,
// "failed-transactions-dev"). It is an error when none or several match,
// or when the package knows no name property for the type.
func (t *Template) ByName(resourceType, name string) (*Resource, error) {
	prop := NameProperty(resourceType)
	if prop == "" {
		return nil, fmt.Errorf("cfn: resources of type %s have no name property this package knows", resourceType)
	}
	var found []string
	for _, r := range t.ResourcesOfType(resourceType) {
		if r.Name() == name {
			found = append(found, r.LogicalID)
		}
	}
	switch len(found) {
	case 0:
		var names []string
		for _, r := range t.ResourcesOfType(resourceType) {
			if n := r.Name(); n != "" {
				names = append(names, n)
			}
		}
		return nil, fmt.Errorf("cfn: the template has no %s whose %s is %q (it names %v)", resourceType, prop, name, names)
	case 1:
		return t.Resources[found[0]], nil
	default:
		return nil, fmt.Errorf("cfn: the template has %d resources of type %s whose %s is %q: %v", len(found), resourceType, prop, name, found)
	}
}

// Name is the resource's literal name property (FunctionName, QueueName,
// ...), or "" when the type has none this package knows or the name is
// not a literal string (CloudFormation then generates one).
func (r *Resource) Name() string {
	s, _ := r.Properties[NameProperty(r.Type)].(string)
	return s
}

// Property returns the unevaluated property at path (keys of nested
// objects), or nil when it is absent: Property("RedrivePolicy",
// "maxReceiveCount").
func (r *Resource) Property(path ...string) any {
	var v any = r.Properties
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// NameProperty is the property that names a resource of the type
// ("FunctionName" for AWS::Lambda::Function), or "" for types the package
// does not know.
func NameProperty(resourceType string) string {
	return kinds[resourceType].nameProperty
}
