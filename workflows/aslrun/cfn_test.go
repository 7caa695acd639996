package aslrun

import (
	"context"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
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
	def, err := DefinitionFromTemplate([]byte(cdkTemplate), "PaymentsSM", func(ref cfn.Ref) (string, bool) {
		if ref.LogicalID == "ValidateFnA1B2" {
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
