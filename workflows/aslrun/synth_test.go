package aslrun

import (
	"encoding/json"
	"os"
	"testing"
)

// The state machines of the app's last `cdk synth` (cdk.out at the module
// root) must compile: a definition feature aslrun lacks shows up here
// first. Skipped when the app has not been synthesized.
func TestSynthesizedStateMachinesCompile(t *testing.T) {
	b, err := os.ReadFile("../../cdk.out/PaymentPlatform.template.json")
	if err != nil {
		t.Skipf("no synthesized template: %v", err)
	}
	var tpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	found := 0
	for id, r := range tpl.Resources {
		if r.Type != "AWS::StepFunctions::StateMachine" {
			continue
		}
		found++
		t.Run(id, func(t *testing.T) {
			def, err := DefinitionFromTemplate(b, id, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := New(def, Options{Invoker: &LambdaInvoker{}}); err != nil {
				t.Error(err)
			}
		})
	}
	if found == 0 {
		t.Error("the template has no state machine")
	}
}
