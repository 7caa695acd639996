package test

import (
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// Tests of the api construct: routes, the StartSyncExecution integration, the WAF.

func TestTheAPIHasThreeRoutesThrottlingAccessLogsAndTracing(t *testing.T) {
	s := synth(t, suffix)
	stages := s.Resources("AWS::ApiGateway::Stage")
	if len(stages) != 1 {
		t.Fatalf("want 1 stage, got %d", len(stages))
	}
	for id, r := range stages {
		p := props(r)
		if p["TracingEnabled"] != true || p["AccessLogSetting"] == nil {
			t.Errorf("stage %s: tracing %v, access log %v", id, p["TracingEnabled"], p["AccessLogSetting"])
		}
		ms := toJSON(p["MethodSettings"])
		for _, want := range []string{`"ThrottlingRateLimit":100`, `"ThrottlingBurstLimit":200`, `"MetricsEnabled":true`, `"DataTraceEnabled":false`} {
			if !strings.Contains(ms, want) {
				t.Errorf("stage %s MethodSettings lack %s: %s", id, want, ms)
			}
		}
	}
	for id, r := range s.Resources("AWS::ApiGateway::RestApi") {
		if props(r)["SecurityPolicy"] != "TLS_1_2" {
			t.Errorf("REST API %s: SecurityPolicy = %v, want TLS_1_2 (TLS 1.2 minimum)", id, props(r)["SecurityPolicy"])
		}
	}
	resources := map[string]string{} // logical id -> path part
	for id, r := range s.Resources("AWS::ApiGateway::Resource") {
		resources[id] = props(r)["PathPart"].(string)
	}
	var routes []string
	for _, r := range s.Resources("AWS::ApiGateway::Method") {
		p := props(r)
		path := "/"
		if ref, ok := p["ResourceId"].(map[string]interface{})["Ref"].(string); ok {
			path = resources[ref]
		}
		routes = append(routes, p["HttpMethod"].(string)+" "+path+" "+p["AuthorizationType"].(string))
	}
	sort.Strings(routes)
	want := []string{"GET health NONE", "GET {id} AWS_IAM", "POST payments AWS_IAM"}
	if strings.Join(routes, ";") != strings.Join(want, ";") {
		t.Errorf("routes = %v, want %v", routes, want)
	}
}

func TestPOSTPaymentsStartsTheWorkflowSynchronouslyAndMapsEveryErrorName(t *testing.T) {
	s := synth(t, suffix)
	var integration map[string]interface{}
	for _, r := range s.Resources("AWS::ApiGateway::Method") {
		if props(r)["HttpMethod"] == "POST" {
			integration = props(r)["Integration"].(map[string]interface{})
		}
	}
	uri := toJSON(integration["Uri"])
	if !strings.Contains(uri, ":states:action/StartSyncExecution") || integration["IntegrationHttpMethod"] != "POST" {
		t.Errorf("POST /payments integration is not StartSyncExecution: %s", uri)
	}
	if integration["PassthroughBehavior"] != "NEVER" {
		t.Errorf("PassthroughBehavior = %v, want NEVER (415 for non-JSON)", integration["PassthroughBehavior"])
	}
	var responseTemplate string
	for _, ir := range integration["IntegrationResponses"].([]interface{}) {
		m := ir.(map[string]interface{})
		if m["StatusCode"] == "200" {
			responseTemplate, _ = m["ResponseTemplates"].(map[string]interface{})["application/json"].(string)
		}
	}
	for _, spec := range errorname.All() {
		if !spec.Terminal {
			continue
		}
		// The template is generated from the list; prove it survived
		// synthesis for every terminal error with its status.
		want := `$error == "` + string(spec.Name) + `")` + "\n#set($context.responseOverride.status = " + itoa(spec.Status) + ")"
		if !strings.Contains(responseTemplate, want) {
			t.Errorf("the integration response does not map %s to %d", spec.Name, spec.Status)
		}
	}
	for _, spec := range errorname.Outcomes() {
		want := `$result.error == "` + string(spec.Name) + `")` + "\n#set($context.responseOverride.status = " + itoa(spec.Status) + ")"
		if !strings.Contains(responseTemplate, want) {
			t.Errorf("the integration response does not map the client outcome %s to %d", spec.Name, spec.Status)
		}
	}
	if !strings.Contains(responseTemplate, "header."+api.ReplayedHeader+` = "true"`) {
		t.Errorf("the integration response never sets %s", api.ReplayedHeader)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestThePaymentRoutesAreProtectedByTheWebACL(t *testing.T) {
	s := synth(t, suffix)
	acls := s.Resources("AWS::WAFv2::WebACL")
	if len(acls) != 1 || len(s.Resources("AWS::WAFv2::WebACLAssociation")) != 1 || len(s.Resources("AWS::WAFv2::LoggingConfiguration")) != 1 {
		t.Fatalf("want one web ACL, associated and logging; got %d ACLs", len(acls))
	}
	for id, r := range acls {
		rules := toJSON(props(r)["Rules"])
		for _, want := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "RateBasedStatement"} {
			if !strings.Contains(rules, want) {
				t.Errorf("web ACL %s lacks %s", id, want)
			}
		}
	}
}
