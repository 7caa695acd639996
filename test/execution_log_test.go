package test

import (
	"sort"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/api"
)

// Tests that the stack, not API Gateway, creates the stage's execution log
// group, and that the template's dependencies allow it.

func TestTheStackOwnsTheAPIsExecutionLogGroup(t *testing.T) {
	s := synth(t, suffix)
	var apiID string
	for id := range s.Resources("AWS::ApiGateway::RestApi") {
		apiID = id
	}
	// GIVEN the name API Gateway writes the stage's execution logs to
	want := api.ExecutionLogPrefix + `{"Ref":"` + apiID + `"}/` + api.StageName
	var groupID string
	var group map[string]interface{}
	for id, r := range s.Resources("AWS::Logs::LogGroup") {
		if flatJoin(props(r)["LogGroupName"]) == want {
			groupID, group = id, r
		}
	}
	// THEN the stack creates that log group, with the retention, the data
	// key, and deleted with the stack
	if group == nil {
		t.Fatalf("no log group named %s: API Gateway would create it, unencrypted, kept forever and left after a destroy", want)
	}
	p := props(group)
	if p["RetentionInDays"] != float64(30) {
		t.Errorf("execution log retention %v, want cdk.json's 30 days", p["RetentionInDays"])
	}
	if !strings.Contains(toJSON(p["KmsKeyId"]), `"`+keyID(t, s)+`"`) {
		t.Errorf("execution log KmsKeyId %s, want the data key", toJSON(p["KmsKeyId"]))
	}
	if group["DeletionPolicy"] != "Delete" {
		t.Errorf("execution log DeletionPolicy %v, want Delete", group["DeletionPolicy"])
	}
	// AND before the stage, which logs there at level ERROR
	for id, r := range s.Resources("AWS::ApiGateway::Stage") {
		if !strings.Contains(toJSON(props(r)["MethodSettings"]), `"LoggingLevel":"ERROR"`) {
			t.Errorf("stage %s does not log errors", id)
		}
		if deps := toJSON(r["DependsOn"]); !strings.Contains(deps, `"`+groupID+`"`) {
			t.Errorf("stage %s DependsOn %s, want the execution log group %s first", id, deps, groupID)
		}
	}
}

// TestTheTemplateHasNoDependencyCycle follows every Ref, Fn::GetAtt,
// Fn::Sub reference and DependsOn between resources: CloudFormation
// refuses a template whose resources depend on each other in a circle
// (the key policy names the execution log group, whose name holds the
// API's id).
func TestTheTemplateHasNoDependencyCycle(t *testing.T) {
	s := synth(t, suffix)
	resources := s.Resources("")
	deps := map[string][]string{}
	for id, r := range resources {
		seen := map[string]bool{}
		collectRefs(r["Properties"], resources, seen)
		if r["DependsOn"] != nil {
			for _, d := range asList(r["DependsOn"]) {
				seen[d.(string)] = true
			}
		}
		for d := range seen {
			deps[id] = append(deps[id], d)
		}
		sort.Strings(deps[id])
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(id string) bool
	visit = func(id string) bool {
		switch state[id] {
		case visiting:
			t.Errorf("dependency cycle: %s -> %s", strings.Join(path, " -> "), id)
			return false
		case done:
			return true
		}
		state[id] = visiting
		path = append(path, id)
		for _, d := range deps[id] {
			if !visit(d) {
				return false
			}
		}
		path = path[:len(path)-1]
		state[id] = done
		return true
	}
	ids := make([]string, 0, len(resources))
	for id := range resources {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if !visit(id) {
			return
		}
	}
}

// collectRefs adds to seen the resources v refers to.
func collectRefs(v interface{}, resources map[string]map[string]interface{}, seen map[string]bool) {
	switch x := v.(type) {
	case map[string]interface{}:
		for k, val := range x {
			switch k {
			case "Ref":
				if id, ok := val.(string); ok && resources[id] != nil {
					seen[id] = true
				}
			case "Fn::GetAtt":
				if l, ok := val.([]interface{}); ok && len(l) > 0 {
					if id, ok := l[0].(string); ok && resources[id] != nil {
						seen[id] = true
					}
				}
			case "Fn::Sub":
				tmpl := val
				if l, ok := val.([]interface{}); ok && len(l) > 0 {
					tmpl = l[0]
				}
				if str, ok := tmpl.(string); ok {
					for _, part := range strings.Split(str, "${")[1:] {
						name, _, _ := strings.Cut(part, "}")
						name, _, _ = strings.Cut(name, ".")
						if resources[name] != nil {
							seen[name] = true
						}
					}
				}
			}
			collectRefs(val, resources, seen)
		}
	case []interface{}:
		for _, e := range x {
			collectRefs(e, resources, seen)
		}
	}
}
