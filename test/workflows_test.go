package test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// Tests of the state machines: the payments workflow and the recovery workflow.

func stateMachines(t *testing.T, s *synthesized) map[string]map[string]interface{} {
	byName := map[string]map[string]interface{}{}
	for _, r := range s.Resources("AWS::StepFunctions::StateMachine") {
		byName[props(r)["StateMachineName"].(string)] = props(r)
	}
	return byName
}

func TestThePaymentsWorkflowIsExpressWithFullLoggingAndTracing(t *testing.T) {
	s := synth(t, suffix)
	machines := stateMachines(t, s)
	p, ok := machines["payments-workflow-"+suffix]
	if !ok {
		t.Fatalf("no payments-workflow-%s among %v", suffix, machines)
	}
	if p["StateMachineType"] != "EXPRESS" {
		t.Errorf("StateMachineType = %v, want EXPRESS", p["StateMachineType"])
	}
	// The execution input is the raw request, which may hold card data
	// that Validate refuses: every event is logged, without its data.
	lc, _ := p["LoggingConfiguration"].(map[string]interface{})
	// Level ALL for the console, without execution data: the input is the
	// raw request, where card data can be (PRODUCT.md: "execution data
	// only where no card data can reach it").
	if lc["Level"] != "ALL" || lc["IncludeExecutionData"] != false || lc["Destinations"] == nil {
		t.Errorf("LoggingConfiguration = %s, want Level ALL without execution data", toJSON(lc))
	}
	if toJSON(p["TracingConfiguration"]) != `{"Enabled":true}` {
		t.Errorf("TracingConfiguration = %s", toJSON(p["TracingConfiguration"]))
	}
	rec, ok := machines["recovery-workflow-"+suffix]
	if !ok || rec["StateMachineType"] != "STANDARD" {
		t.Errorf("recovery workflow missing or not STANDARD: %v", rec["StateMachineType"])
	}
	// No client data reaches the recovery workflow (its input is the
	// trigger, its data health reports): it keeps its execution data.
	if lc, _ := rec["LoggingConfiguration"].(map[string]interface{}); lc["Level"] != "ALL" || lc["IncludeExecutionData"] != true {
		t.Errorf("recovery LoggingConfiguration = %s, want Level ALL with execution data", toJSON(lc))
	}
}

// A Task's timeout must outlast its function's, with a margin: otherwise
// Step Functions may give up on an invocation that then succeeds (a
// payment queued, answered 503 and retried).
func TestEveryLambdaTaskOutlastsItsFunctionsTimeout(t *testing.T) {
	s := synth(t, suffix)
	timeouts := map[string]float64{} // function name -> Timeout
	for _, r := range s.Resources("AWS::Lambda::Function") {
		timeouts[props(r)["FunctionName"].(string)] = props(r)["Timeout"].(float64)
	}
	checked := 0
	for _, sm := range s.Parsed.StateMachines() {
		raw, err := s.Parsed.Evaluator(cfn.Env{}).Definition(sm)
		if err != nil {
			t.Fatal(err)
		}
		var def struct {
			States map[string]struct {
				Type           string
				Resource       string
				TimeoutSeconds float64
			}
		}
		if err := json.Unmarshal(raw, &def); err != nil {
			t.Fatal(err)
		}
		for name, st := range def.States {
			_, fn, ok := strings.Cut(st.Resource, ":function:")
			if st.Type != "Task" || !ok {
				continue
			}
			fnTimeout, ok := timeouts[fn]
			if !ok {
				t.Errorf("%s %s: invokes %s, which the stack does not define", sm.Name(), name, fn)
				continue
			}
			checked++
			if st.TimeoutSeconds < fnTimeout+1 {
				t.Errorf("%s %s: TimeoutSeconds %v, want at least its function's %v s + 1 s", sm.Name(), name, st.TimeoutSeconds, fnTimeout)
			}
		}
	}
	if checked < 4 {
		t.Errorf("checked %d Lambda Tasks, want Validate, Persist, EnqueueOnFailure and CheckHealth", checked)
	}
}
