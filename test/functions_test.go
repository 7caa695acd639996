package test

import (
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
)

// Tests of the Lambda functions the stack bundles from tasks/.

func TestEveryFunctionIsGoOnArm64WithLimitsTracingAndItsOwnLogGroupAndRole(t *testing.T) {
	s := synth(t, suffix)
	functions := s.Resources("AWS::Lambda::Function")
	if len(functions) != 7 {
		t.Errorf("want 7 functions (validate, persist, enqueue, reprocess, get-payment, health, health-monitor), got %d", len(functions))
	}
	logGroups := s.Resources("AWS::Logs::LogGroup")
	roles := map[string]string{}
	for id, r := range functions {
		p := props(r)
		if p["Runtime"] != "provided.al2023" || toJSON(p["Architectures"]) != `["arm64"]` || p["Handler"] != "bootstrap" {
			t.Errorf("%s: runtime %v %v handler %v, want provided.al2023 on arm64 with bootstrap", id, p["Runtime"], p["Architectures"], p["Handler"])
		}
		if timeout, _ := p["Timeout"].(float64); timeout <= 0 || timeout > 60 {
			t.Errorf("%s: Timeout = %v, want an explicit value of at most 60 s", id, p["Timeout"])
		}
		if mem, _ := p["MemorySize"].(float64); mem < 128 {
			t.Errorf("%s: MemorySize = %v, want explicit", id, p["MemorySize"])
		}
		if _, ok := p["ReservedConcurrentExecutions"]; ok {
			t.Errorf("%s: has reserved concurrency", id)
		}
		if toJSON(p["TracingConfig"]) != `{"Mode":"Active"}` {
			t.Errorf("%s: TracingConfig = %s, want Active", id, toJSON(p["TracingConfig"]))
		}
		lc, _ := p["LoggingConfig"].(map[string]interface{})
		if lc["LogFormat"] != "JSON" {
			t.Errorf("%s: LogFormat = %v, want JSON", id, lc["LogFormat"])
		}
		lgRef, _ := lc["LogGroup"].(map[string]interface{})
		lgID, _ := lgRef["Ref"].(string)
		lg, ok := logGroups[lgID]
		if !ok {
			t.Errorf("%s: no log group of its own (LoggingConfig %s)", id, toJSON(lc))
		} else if props(lg)["RetentionInDays"] == nil {
			t.Errorf("%s: its log group %s has no retention", id, lgID)
		}
		role := toJSON(p["Role"])
		if other, dup := roles[role]; dup {
			t.Errorf("%s shares its role with %s", id, other)
		}
		roles[role] = id
	}
	for id, lg := range logGroups {
		if props(lg)["RetentionInDays"] == nil || props(lg)["KmsKeyId"] == nil {
			t.Errorf("log group %s: retention %v, key %v; want both", id, props(lg)["RetentionInDays"], props(lg)["KmsKeyId"])
		}
	}
	if n := len(s.Resources("Custom::LogRetention")); n != 0 {
		t.Errorf("%d Custom::LogRetention resources: log groups must be explicit", n)
	}
}

// Draining a backlog of queued payments must not take the concurrency and
// the table capacity the payment path needs.
func TestTheReprocessEventSourceHasAMaximumConcurrency(t *testing.T) {
	s := synth(t, suffix)
	mappings := s.Resources("AWS::Lambda::EventSourceMapping")
	if len(mappings) != 1 {
		t.Fatalf("want the reprocess event source mapping, got %d mappings", len(mappings))
	}
	for id, r := range mappings {
		scaling, _ := props(r)["ScalingConfig"].(map[string]interface{})
		n, _ := scaling["MaximumConcurrency"].(float64)
		if n < 2 || n > 10 {
			t.Errorf("%s: MaximumConcurrency = %v, want 2..10", id, props(r)["ScalingConfig"])
		}
	}
}

func TestEveryFunctionHasTheMemorySizeOfItsRecordedDecision(t *testing.T) {
	// GIVEN the recorded memory decisions (paymentstack.FunctionMemory:
	// latency first on the synchronous path, the cheapest elsewhere), WHEN
	// the app is synthesized, THEN every function has its decision's size
	// and every decision names a function of the stack.
	s := synth(t, suffix)
	seen := map[string]bool{}
	for id, r := range s.Resources("AWS::Lambda::Function") {
		p := props(r)
		name, _ := p["FunctionName"].(string)
		var decision paymentstack.MemoryDecision
		found := false
		for fnType, d := range paymentstack.FunctionMemory {
			if name == fnType+"-"+suffix {
				decision, found = d, true
				seen[fnType] = true
			}
		}
		if !found {
			t.Errorf("%s (%s): no memory decision in paymentstack.FunctionMemory", id, name)
			continue
		}
		if mem, _ := p["MemorySize"].(float64); mem != decision.MB {
			t.Errorf("%s: MemorySize = %v, the recorded decision is %.0f MB (%s)", name, p["MemorySize"], decision.MB, decision.Why)
		}
	}
	for fnType := range paymentstack.FunctionMemory {
		if !seen[fnType] {
			t.Errorf("paymentstack.FunctionMemory decides for %s, which the stack does not have", fnType)
		}
	}
	// The synchronous path is sized for latency, above Lambda's minimum.
	for _, fnType := range []string{paymentstack.FnValidate, paymentstack.FnPersist, paymentstack.FnEnqueue, paymentstack.FnGetPayment, paymentstack.FnHealth} {
		if mb := paymentstack.MemoryMB(fnType); mb < 512 {
			t.Errorf("%s, on the synchronous path, has %.0f MB: at less than 512 MB its cold start takes 4x longer", fnType, mb)
		}
	}
}
