package cfn_test

import (
	"encoding/json"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// FuzzEvaluator evaluates arbitrary JSON: it may fail, never panic.
func FuzzEvaluator(f *testing.F) {
	for _, seed := range []string{
		`{"Fn::Join":["",["a",{"Fn::GetAtt":["Fn","Arn"]},{"Ref":"AWS::Region"}]]}`,
		`{"Fn::Sub":["${a}${!b}${Queue.Arn}",{"a":{"Fn::Select":["1",{"Fn::Split":[",","x,y"]}]}}]}`,
		`{"Fn::Select":[99,[]]}`,
		`{"Fn::Base64":{"Fn::Sub":"${"}}`,
		`{"a":[{"Ref":"AWS::NoValue"},{"Fn::If":[]}]}`,
		`{"Fn::GetAtt":"X."}`,
		`{"Fn::Select":[1e300,["a"]]}`,
	} {
		f.Add([]byte(seed))
	}
	ev := cfn.Evaluator{Resolve: testResolver}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		_, _ = ev.String(v)
		out, err := ev.Value(v)
		if err == nil {
			if _, err := json.Marshal(out); err != nil {
				t.Errorf("Value gave something that is not JSON: %v", err)
			}
		}
	})
}

// FuzzParseTemplate parses arbitrary text as a template and rebuilds its
// state machines the way the linter does: it may fail, never panic.
func FuzzParseTemplate(f *testing.F) {
	f.Add([]byte(machinesTemplate))
	f.Add([]byte(modelTemplate))
	f.Add([]byte(`{"Resources":{"S":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"Definition":[],"DefinitionSubstitutions":[]}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tpl, err := cfn.Parse(data)
		if err != nil {
			return
		}
		tokens := map[string]cfn.Token{}
		ev := cfn.Evaluator{Resolve: cfn.Placeholders(tpl, cfn.Env{StackName: "S"}, tokens)}
		for _, r := range tpl.StateMachines() {
			_, _ = ev.Definition(r)
		}
		for _, r := range tpl.ResourcesOfType(cfn.LambdaFunction) {
			_, _ = ev.StringMap(r, "Environment", "Variables")
		}
	})
}
