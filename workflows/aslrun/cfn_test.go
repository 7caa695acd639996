package aslrun

import (
	"context"
	"strings"
	"testing"
)

// A template shaped like `cdk synth` output: the definition is a Fn::Join
// of JSON text and function ARNs.
const cdkTemplate = `{
  "Resources": {
    "ValidateFnA1B2": {"Type": "AWS::Lambda::Function", "Properties": {}},
    "PersistFnC3D4": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "payments-persist"}},
    "PaymentsSM": {
      "Type": "AWS::StepFunctions::StateMachine",
      "Properties": {
        "DefinitionString": {"Fn::Join": ["", [
          "{\"StartAt\":\"Validate\",\"States\":{\"Validate\":{\"Type\":\"Task\",\"Resource\":\"",
          {"Fn::GetAtt": ["ValidateFnA1B2", "Arn"]},
          "\",\"Next\":\"Persist\"},\"Persist\":{\"Type\":\"Task\",\"Resource\":\"arn:",
          {"Ref": "AWS::Partition"},
          ":states:::lambda:invoke\",\"Parameters\":{\"FunctionName\":\"",
          {"Fn::GetAtt": ["PersistFnC3D4", "Arn"]},
          "\",\"Payload.$\":\"$\"},\"OutputPath\":\"$.Payload\",\"End\":true}}}"
        ]]}
      }
    }
  }
}`

func TestDefinitionFromTemplate(t *testing.T) {
	def, err := DefinitionFromTemplate([]byte(cdkTemplate), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"Resource":"arn:aws:lambda:us-east-1:123456789012:function:ValidateFnA1B2"`,
		`"Resource":"arn:aws:states:::lambda:invoke"`,
		`"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:payments-persist"`,
	} {
		if !strings.Contains(string(def), want) {
			t.Errorf("definition lacks %s:\n%s", want, def)
		}
	}
	echo := LambdaHandlerFunc(func(_ context.Context, p []byte) ([]byte, error) { return p, nil })
	m := mustNew(t, string(def), Options{Invoker: &LambdaInvoker{Functions: map[string]LambdaHandler{"ValidateFnA1B2": echo, "payments-persist": echo}}})
	exec := mustRun(t, m, `{"a":1}`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `{"a":1}`) {
		t.Errorf("got %s %s %s", exec.Status, exec.Error, exec.Output)
	}
}

func TestDefinitionFromTemplateUsesTheResolver(t *testing.T) {
	def, err := DefinitionFromTemplate([]byte(cdkTemplate), "PaymentsSM", func(id, attr string) (string, bool) {
		if id == "ValidateFnA1B2" {
			return "arn:aws:lambda:eu-west-1:111122223333:function:validate", true
		}
		return "", false
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(def), `function:validate"`) {
		t.Errorf("resolver not used:\n%s", def)
	}
}

func TestDefinitionFromTemplateErrors(t *testing.T) {
	tests := []struct{ name, template, id string }{
		{"text that is not JSON", `{`, ""},
		{"no state machine", `{"Resources":{}}`, ""},
		{"an unknown logical id", cdkTemplate, "Nope"},
		{"an unresolvable reference", `{"Resources":{"S":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionString":{"Fn::GetAtt":["Table","Arn"]}}}}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DefinitionFromTemplate([]byte(tt.template), tt.id, nil); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestEvalStringResolvesReferencesAndRefusesUnknownOnes(t *testing.T) {
	resolve := func(id, attr string) (string, bool) {
		if id == "Queue" && attr == "Arn" {
			return "arn:aws:sqs:us-east-1:000000000000:q", true
		}
		if id == "Queue" && attr == "" {
			return "http://127.0.0.1:9324/q", true
		}
		return "", false
	}
	for _, tt := range []struct {
		name string
		v    any
		want string
	}{
		{"a literal stays", "x", "x"},
		{"a number is written as CloudFormation writes it", 24.0, "24"},
		{"a Ref is resolved", map[string]any{"Ref": "Queue"}, "http://127.0.0.1:9324/q"},
		{"a join of a GetAtt is resolved", map[string]any{"Fn::Join": []any{",", []any{"a", map[string]any{"Fn::GetAtt": []any{"Queue", "Arn"}}}}}, "a,arn:aws:sqs:us-east-1:000000000000:q"},
		{"a pseudo parameter gets its default", map[string]any{"Ref": "AWS::Region"}, "us-east-1"},
	} {
		got, err := EvalString(tt.v, resolve)
		if err != nil || got != tt.want {
			t.Errorf("%s: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	if _, err := EvalString(map[string]any{"Ref": "Table"}, resolve); err == nil {
		t.Error("an unresolvable Ref was accepted")
	}
}
