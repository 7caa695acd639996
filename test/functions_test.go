package test

import "testing"

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
