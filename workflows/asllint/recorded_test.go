package asllint_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asllint"
)

// recordedRuns is the conformance suite converted from LocalStack's
// recordings of AWS Step Functions runs (see workflows/aslrun's
// conformance test and tools/sfnconformance). Its "accepted" list holds
// every distinct definition AWS created and ran in those recordings,
// those that need AWS services besides Lambda included.
const recordedRuns = "../aslrun/testdata/conformance/cases.json"

// predictedFailures are the spec errors allowed on a definition AWS ran:
// those whose recorded run failed exactly as the finding predicts, by
// template and rule.
var predictedFailures = map[string]string{
	"intrinsicfunctions/statemachines/math_operations/math_random_seeded_jsonata.json5\tvariable-undefined": "$randomSeeded is no function or variable: the recorded run failed with States.QueryEvaluationError, T1006 Attempted to invoke a non-function",
	"assign/statemachines/base_undefined_arguments.json5\tvariable-undefined":                               undefinedRun,
	"assign/statemachines/base_undefined_assign.json5\tvariable-undefined":                                  undefinedRun,
	"assign/statemachines/base_undefined_output.json5\tvariable-undefined":                                  undefinedRun,
	"assign/statemachines/base_undefined_output_multiple_states.json5\tvariable-undefined":                  undefinedRun,
}

const undefinedRun = "$doesNotExist: the recorded run failed with States.QueryEvaluationError, \"The JSONata expression '$doesNotExist' ... returned nothing (undefined).\""

func TestRecordedRunsSpecProfileRaisesNoErrorOnADefinitionAWSRan(t *testing.T) {
	// GIVEN every definition AWS accepted and ran in the recordings
	raw, err := os.ReadFile(recordedRuns)
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Accepted []struct{ Template, Definition string } `json:"accepted"`
	}
	if err := json.Unmarshal(raw, &suite); err != nil {
		t.Fatal(err)
	}
	if len(suite.Accepted) < 100 {
		t.Fatalf("only %d recorded definitions", len(suite.Accepted))
	}
	findings, flagged, predicted := 0, 0, map[string]bool{}
	for i, a := range suite.Accepted {
		name := fmt.Sprintf("%s#%d", a.Template, i)
		// WHEN each is linted with the spec profile
		fs := lintSafely(t, name, []byte(a.Definition), asllint.Options{})
		// THEN none has an error: AWS created and ran it
		// unless its recorded run failed as the finding predicts
		if asllint.HasErrors(fs) {
			flagged++
			for _, f := range fs {
				if f.Severity != asllint.Error {
					continue
				}
				findings++
				if key := a.Template + "\t" + f.Rule; predictedFailures[key] != "" {
					predicted[key] = true
					continue
				}
				t.Errorf("%s: %s at %s: %s", a.Template, f.Rule, f.Path, f.Message)
			}
		}
	}
	for key := range predictedFailures {
		if !predicted[key] {
			t.Errorf("predictedFailures lists %q, which the linter no longer reports", key)
		}
	}
	t.Logf("%d definitions AWS ran, %d with a spec error (%d errors)", len(suite.Accepted), flagged, findings)
}
