package cfn_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

const machinesTemplate = `{"Resources":{
  "Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"health-monitor-dev"}},
  "Topic":{"Type":"AWS::SNS::Topic","Properties":{"TopicName":"alarms-dev"}},
  "Joined":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionString":{"Fn::Join":["",[
    "{\"StartAt\":\"A\",\"States\":{\"A\":{\"Type\":\"Task\",\"Resource\":\"",{"Fn::GetAtt":["Fn","Arn"]},
    "\",\"Parameters\":{\"Note\":\"${Note}\",\"Keep\":\"${Other}\"},\"End\":true}}}"]]},
    "DefinitionSubstitutions":{"Note":"say \"hi\" \\ <now> & then\n"}}},
  "Object":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"Definition":{"StartAt":"A","States":{"A":{"Type":"Task",
    "Resource":"${FnArn}","Parameters":{"TopicArn":{"Ref":"Topic"},"Message":"a<b>&c"},"End":true}}},
    "DefinitionSubstitutions":{"FnArn":{"Fn::Sub":"arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:${Fn}"}}}},
  "InS3":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionS3Location":{"Bucket":"b","Key":"k"}}},
  "BadSub":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionString":"{}","DefinitionSubstitutions":{"X":{"Fn::ImportValue":"shared"}}}}
}}`

func definitionOf(t *testing.T, id string) (map[string]any, string) {
	t.Helper()
	tpl := mustParse(t, machinesTemplate)
	text, err := tpl.Evaluator(cfn.Env{}).Definition(tpl.Resources[id])
	if err != nil {
		t.Fatal(err)
	}
	var def map[string]any
	if err := json.Unmarshal(text, &def); err != nil {
		t.Fatalf("the definition is not JSON: %v\n%s", err, text)
	}
	return def, string(text)
}

func TestDefinitionJSONEscapesSubstitutions(t *testing.T) {
	// GIVEN a DefinitionString whose substitution value holds a quote, a
	// backslash, HTML characters and a newline
	def, text := definitionOf(t, "Joined")
	params := def["States"].(map[string]any)["A"].(map[string]any)["Parameters"].(map[string]any)
	// THEN the definition is still JSON and the value reads back exactly
	if got := params["Note"]; got != "say \"hi\" \\ <now> & then\n" {
		t.Errorf("Note = %q", got)
	}
	// AND markers without a substitution stay as they are
	if got := params["Keep"]; got != "${Other}" {
		t.Errorf("Keep = %q", got)
	}
	if !strings.Contains(text, `"Resource":"arn:aws:lambda:us-east-1:123456789012:function:health-monitor-dev"`) {
		t.Errorf("the function ARN was not rendered:\n%s", text)
	}
}

func TestDefinitionEvaluatesTheObjectFormAndItsSubstitutions(t *testing.T) {
	def, text := definitionOf(t, "Object")
	a := def["States"].(map[string]any)["A"].(map[string]any)
	if got := a["Resource"]; got != "arn:aws:lambda:us-east-1:123456789012:function:health-monitor-dev" {
		t.Errorf("Resource = %q", got)
	}
	if got := a["Parameters"].(map[string]any)["TopicArn"]; got != "arn:aws:sns:us-east-1:123456789012:alarms-dev" {
		t.Errorf("TopicArn = %q", got)
	}
	if !strings.Contains(text, `"Message":"a<b>&c"`) {
		t.Errorf("the text escapes HTML characters it need not:\n%s", text)
	}
}

func TestDefinitionErrors(t *testing.T) {
	tpl := mustParse(t, machinesTemplate)
	ev := tpl.Evaluator(cfn.Env{})
	for _, tt := range []struct{ name, id, want string }{
		{"a definition kept in S3 is not read", "InS3", "DefinitionS3Location is not read"},
		{"a substitution that cannot be evaluated is named", "BadSub", "BadSub.Properties.DefinitionSubstitutions.X: Fn::ImportValue is not supported"},
		{"a resource that is not a state machine is refused", "Fn", "not a AWS::StepFunctions::StateMachine"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ev.Definition(tpl.Resources[tt.id])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDefinitionFailsOnAReferenceTheResolverRefuses(t *testing.T) {
	tpl := mustParse(t, machinesTemplate)
	_, err := cfn.Evaluator{}.Definition(tpl.Resources["Joined"])
	if err == nil || !strings.Contains(err.Error(), "Joined.Properties.DefinitionString.Fn::Join[1][1]: Fn::GetAtt Fn.Arn cannot be resolved") {
		t.Errorf("error = %v", err)
	}
}
