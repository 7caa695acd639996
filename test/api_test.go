package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Tests of the api construct: routes, the StartSyncExecution integration, the WAF.

func TestTheAPIHasFourRoutesThrottlingAccessLogsAndTracing(t *testing.T) {
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
	want := []string{"GET health NONE", "GET report AWS_IAM", "GET {id} AWS_IAM", "POST payments AWS_IAM"}
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
	// The WAF log keeps every blocked or counted request; allowed ones are
	// in the access log.
	for id, r := range s.Resources("AWS::WAFv2::LoggingConfiguration") {
		filter := toJSON(props(r)["LoggingFilter"])
		for _, want := range []string{`"DefaultBehavior":"DROP"`, `"Behavior":"KEEP"`, `"Action":"BLOCK"`, `"Action":"COUNT"`} {
			if !strings.Contains(filter, want) {
				t.Errorf("WAF logging %s: filter %s lacks %s", id, filter, want)
			}
		}
	}
}

// wafLoggingConfig returns the web ACL's logging configuration and the web
// ACL's properties.
func wafLogging(t *testing.T, s *synthesized) (logging, acl map[string]interface{}) {
	t.Helper()
	for _, r := range s.Resources("AWS::WAFv2::LoggingConfiguration") {
		logging = props(r)
	}
	for _, r := range s.Resources("AWS::WAFv2::WebACL") {
		acl = props(r)
	}
	if logging == nil || acl == nil {
		t.Fatal("no web ACL with a logging configuration")
	}
	return logging, acl
}

// TestWAFLogsKeepNoQueryStringPathOrHeaderValue checks what the WAF can put
// in its log group and its sampled requests: a card number or a key sent in
// the query string, the path (GET /payments/{id} with anything as the id),
// a header or the body must not be there.
func TestWAFLogsKeepNoQueryStringPathOrHeaderValue(t *testing.T) {
	s := synth(t, suffix)
	logging, acl := wafLogging(t, s)

	// GIVEN the logging configuration THEN it redacts the query string,
	// the URI path and the credential headers (whatever data protection
	// does, these never leave the WAF)
	redacted := map[string]bool{}
	for _, f := range logging["RedactedFields"].([]interface{}) {
		m := f.(map[string]interface{})
		switch {
		case m["QueryString"] != nil:
			redacted["querystring"] = true
		case m["UriPath"] != nil:
			redacted["uripath"] = true
		case m["SingleHeader"] != nil:
			redacted[strings.ToLower(m["SingleHeader"].(map[string]interface{})["Name"].(string))] = true
		}
	}
	for _, want := range []string{"querystring", "uripath", "authorization", "x-amz-security-token", "idempotency-key"} {
		if !redacted[want] {
			t.Errorf("WAF logs do not redact %s: %s", want, toJSON(logging["RedactedFields"]))
		}
	}

	// AND the web ACL's data protection replaces every header value, every
	// cookie, the query string and any body excerpt (rule match details)
	// in the logs and sampled requests: no header value is kept, which is
	// shorter than any allow-list (WAF offers only deny-lists or all).
	protected := map[string]bool{}
	dpc, _ := acl["DataProtectionConfig"].(map[string]interface{})
	dps, _ := dpc["DataProtections"].([]interface{})
	for _, d := range dps {
		m := d.(map[string]interface{})
		field := m["Field"].(map[string]interface{})
		if m["Action"] != "SUBSTITUTION" || field["FieldKeys"] != nil || m["ExcludeRuleMatchDetails"] == true || m["ExcludeRateBasedDetails"] == true {
			t.Errorf("data protection %s is not a substitution of every key, match details included", toJSON(m))
			continue
		}
		protected[field["FieldType"].(string)] = true
	}
	for _, want := range []string{"SINGLE_HEADER", "SINGLE_COOKIE", "QUERY_STRING", "SINGLE_QUERY_ARGUMENT", "BODY"} {
		if !protected[want] {
			t.Errorf("the web ACL's data protection does not substitute %s: %s", want, toJSON(dpc))
		}
	}

	// AND no sampled requests are kept: they would show the URI path,
	// which data protection does not cover.
	visibility := []interface{}{acl["VisibilityConfig"]}
	for _, r := range acl["Rules"].([]interface{}) {
		visibility = append(visibility, r.(map[string]interface{})["VisibilityConfig"])
	}
	for _, v := range visibility {
		if v.(map[string]interface{})["SampledRequestsEnabled"] != false {
			t.Errorf("sampled requests are kept: %s", toJSON(v))
		}
	}
}

// accessLogVariables are the only $context variables the access log may
// hold: who called (the SigV4 identity and source IP), what route and
// method, when, the outcome and its size. Never $input (the body), a
// header or parameter value ($method.request, $context.identity.userAgent),
// nor $context.path, which holds whatever id a client typed.
var accessLogVariables = map[string]bool{
	"$context.requestId": true, "$context.extendedRequestId": true, "$context.identity.sourceIp": true,
	"$context.identity.caller": true, "$context.identity.user": true, "$context.identity.userArn": true,
	"$context.identity.accountId": true, "$context.requestTime": true, "$context.requestTimeEpoch": true,
	"$context.httpMethod": true, "$context.resourcePath": true, "$context.status": true, "$context.protocol": true,
	"$context.responseLength": true, "$context.responseLatency": true, "$context.integrationLatency": true,
	"$context.error.responseType": true, "$context.waf.status": true, "$context.wafResponseCode": true,
	"$context.stage": true, "$context.domainName": true,
}

func TestTheAccessLogCarriesNoBodyKeyOrHeaderValue(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("AWS::ApiGateway::Stage") {
		format, _ := props(r)["AccessLogSetting"].(map[string]interface{})["Format"].(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil {
			t.Fatalf("stage %s: the access log format is not a JSON object: %s", id, format)
		}
		vars := regexp.MustCompile(`\$[a-zA-Z][a-zA-Z0-9_.\-]*`).FindAllString(format, -1)
		if len(vars) < 5 {
			t.Fatalf("stage %s: only %d variables in %s", id, len(vars), format)
		}
		for _, v := range vars {
			if !accessLogVariables[v] {
				t.Errorf("stage %s: the access log holds %s, which may carry client data: %s", id, v, format)
			}
		}
		for name, v := range fields {
			if !strings.HasPrefix(v, "$context.") {
				t.Errorf("stage %s: access log field %s is %q, not one context variable", id, name, v)
			}
		}
	}
}

// A body over the contract's 16 KiB never reaches the workflow: the web
// ACL blocks it with 413 before API Gateway starts an execution, inspecting
// at least as much body as the limit.
func TestTheWebACLBlocksBodiesOverTheContractsLimitWith413(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("AWS::WAFv2::WebACL") {
		p := props(r)
		if got := toJSON(p["AssociationConfig"]); got != `{"RequestBody":{"API_GATEWAY":{"DefaultSizeInspectionLimit":"KB_16"}}}` {
			t.Errorf("web ACL %s inspects %s, want the first 16 KiB of API Gateway bodies", id, got)
		}
		var sizeRule map[string]interface{}
		for _, rule := range p["Rules"].([]interface{}) {
			m := rule.(map[string]interface{})
			if st, ok := m["Statement"].(map[string]interface{})["SizeConstraintStatement"].(map[string]interface{}); ok &&
				toJSON(st["FieldToMatch"]) == `{"Body":{"OversizeHandling":"MATCH"}}` {
				sizeRule = m
				if st["ComparisonOperator"] != "GT" || st["Size"] != float64(payment.MaxBodyBytes) {
					t.Errorf("the body-size rule matches %v %v, want GT %d", st["ComparisonOperator"], st["Size"], payment.MaxBodyBytes)
				}
			}
		}
		if sizeRule == nil {
			t.Fatalf("web ACL %s has no body-size rule (a SizeConstraintStatement on the body, oversize matching)", id)
		}
		block, _ := sizeRule["Action"].(map[string]interface{})["Block"].(map[string]interface{})
		custom, _ := block["CustomResponse"].(map[string]interface{})
		if custom["ResponseCode"] != float64(http.StatusRequestEntityTooLarge) {
			t.Errorf("the body-size rule answers %s, want Block with 413", toJSON(sizeRule["Action"]))
		}
		bodies, _ := p["CustomResponseBodies"].(map[string]interface{})
		body, _ := bodies[fmt.Sprint(custom["CustomResponseBodyKey"])].(map[string]interface{})
		if body["Content"] != api.TooLargeProblemBody() || body["ContentType"] != "APPLICATION_JSON" {
			t.Errorf("the 413 body is %s, want %s", toJSON(body), api.TooLargeProblemBody())
		}
		if pr := sizeRule["Priority"].(float64); pr != 0 {
			t.Errorf("the body-size rule has priority %v, want 0 (before every other rule)", pr)
		}
	}
}

// When Step Functions refuses StartSyncExecution with a client error (an
// execution input over 256 KiB, throttling), the answer is a 4xx problem:
// never 503, which promises that a retry can succeed and counts as a 5XX.
func TestStepFunctionsClientErrorsAreNeverAnswered503(t *testing.T) {
	s := synth(t, suffix)
	var integration map[string]interface{}
	for _, r := range s.Resources("AWS::ApiGateway::Method") {
		if props(r)["HttpMethod"] == "POST" {
			integration = props(r)["Integration"].(map[string]interface{})
		}
	}
	found4xx := false
	for _, ir := range integration["IntegrationResponses"].([]interface{}) {
		m := ir.(map[string]interface{})
		pattern, _ := m["SelectionPattern"].(string)
		if pattern == "" {
			continue
		}
		re := regexp.MustCompile("^(?:" + pattern + ")$")
		if re.MatchString("400") {
			found4xx = true
			if m["StatusCode"] == "503" {
				t.Errorf("Step Functions' 4xx is answered 503: %s", toJSON(m))
			}
			if got := m["ResponseTemplates"].(map[string]interface{})["application/json"]; got != api.StartFailureTemplate() {
				t.Errorf("Step Functions' 4xx is mapped by %v, want api.StartFailureTemplate()", got)
			}
		}
	}
	if !found4xx {
		t.Error("no integration response selects Step Functions' 4xx")
	}
}

// RFC 9457: a problem's status is the response's. Every gateway response
// type API Gateway documents has a problem document sent with the status
// it states (issue 22); the only variable a body may read is
// $context.error.responseType, an identifier API Gateway chooses, and
// DEFAULT_4XX, sent with the error's own status, states none.
func TestGatewayProblemsSayTheStatusTheyAreSentWith(t *testing.T) {
	s := synth(t, suffix)
	seen := map[string]bool{}
	for id, r := range s.Resources("AWS::ApiGateway::GatewayResponse") {
		p := props(r)
		typ := p["ResponseType"].(string)
		seen[typ] = true
		tpl, _ := p["ResponseTemplates"].(map[string]interface{})["application/json"].(string)
		code, _ := p["StatusCode"].(string)
		// API Gateway substitutes variables in gateway response templates
		// (no Velocity); the response type is the only one used.
		body := strings.ReplaceAll(tpl, "$context.error.responseType", typ)
		if strings.Contains(body, "$") {
			t.Errorf("%s (%s): template %s reads a variable other than $context.error.responseType", id, typ, tpl)
		}
		var problem struct {
			Type, Title string
			Status      *int
		}
		if err := json.Unmarshal([]byte(body), &problem); err != nil || problem.Type == "" || problem.Title == "" {
			t.Errorf("%s (%s): body %s is not a problem document", id, typ, body)
			continue
		}
		if code == "" {
			if problem.Status != nil {
				t.Errorf("%s: sent with the error's own status, its problem says %d", typ, *problem.Status)
			}
			continue
		}
		if problem.Status == nil || strconv.Itoa(*problem.Status) != code {
			t.Errorf("%s: sent with status %q, its problem says %v", typ, code, problem.Status)
		}
	}
	for typ := range api.GatewayResponseTypes {
		if !seen[typ] {
			t.Errorf("no gateway response for %s", typ)
		}
	}
}

// TestUnsignedHealthSaysOnlyItsStatus (issue 22): the template's only
// unauthenticated method is GET /health; the health function, given the
// event API Gateway builds for that route and a report full of names and
// counts, answers the status alone. GET /health/report, the same
// function, is AWS_IAM. The route has its own WAF rule (per IP, scoped to
// the path, 429) and method throttle, so one client cannot starve it.
func TestUnsignedHealthSaysOnlyItsStatus(t *testing.T) {
	s := synth(t, suffix)
	// GIVEN the synthesized API's resources and methods
	paths := map[string]string{} // logical id -> full resource path
	resources := s.Resources("AWS::ApiGateway::Resource")
	var pathOf func(id string) string
	pathOf = func(id string) string {
		r, ok := resources[id]
		if !ok {
			return ""
		}
		p := props(r)
		parent, _ := p["ParentId"].(map[string]interface{})["Ref"].(string)
		return pathOf(parent) + "/" + p["PathPart"].(string)
	}
	for id := range resources {
		paths[id] = pathOf(id)
	}
	integrations := map[string]string{}
	for _, r := range s.Resources("AWS::ApiGateway::Method") {
		p := props(r)
		ref, _ := p["ResourceId"].(map[string]interface{})["Ref"].(string)
		path, auth := paths[ref], p["AuthorizationType"].(string)
		if auth == "NONE" && (path != health.PublicResource || p["HttpMethod"] != "GET") {
			t.Errorf("%s %s is unauthenticated; only GET %s may be", p["HttpMethod"], path, health.PublicResource)
		}
		if path == health.ReportResource && auth != "AWS_IAM" {
			t.Errorf("GET %s has authorization %s, want AWS_IAM", path, auth)
		}
		if path == health.PublicResource || path == health.ReportResource {
			integrations[path] = toJSON(p["Integration"].(map[string]interface{})["Uri"])
		}
	}
	if len(integrations) != 2 || integrations[health.PublicResource] != integrations[health.ReportResource] {
		t.Fatalf("GET /health and GET /health/report must both exist and proxy to the health function: %v", integrations)
	}
	// WHEN the health function answers the public route's event
	r := healthcheck.Report{Status: healthcheck.Unhealthy, Reasons: []string{"alarm api-5xx-" + suffix + " is in ALARM"},
		AlarmsInAlarm: []string{"api-5xx-" + suffix}, Table: healthcheck.Table{Name: "transactions-" + suffix, Status: "ACTIVE"},
		Queues: []healthcheck.QueueDepth{{Name: "failed-" + suffix, Visible: 42}}}
	h := &health.Handler{Checker: fixedReport(r)}
	resp, err := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: "GET", Resource: health.PublicResource, Path: "/health"})
	if err != nil {
		t.Fatal(err)
	}
	// THEN it says the status and nothing else
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Body != `{"status":"unhealthy"}` {
		t.Errorf("unsigned GET /health answered %d %s, want 503 {\"status\":\"unhealthy\"}", resp.StatusCode, resp.Body)
	}
	for _, leak := range []string{suffix, "42"} {
		if strings.Contains(resp.Body, leak) {
			t.Errorf("unsigned GET /health reveals %q: %s", leak, resp.Body)
		}
	}
	// AND the route has its own protection against starvation
	for _, r := range s.Resources("AWS::ApiGateway::Stage") {
		ms := toJSON(props(r)["MethodSettings"])
		if !strings.Contains(ms, `"HttpMethod":"GET","ResourcePath":"/~1health","ThrottlingBurstLimit":40,"ThrottlingRateLimit":20`) {
			t.Errorf("GET /health's method throttle is not 20 req/s, burst 40: %s", ms)
		}
	}
	found := false
	for _, acl := range s.Resources("AWS::WAFv2::WebACL") {
		for _, rule := range props(acl)["Rules"].([]interface{}) {
			rb, ok := rule.(map[string]interface{})["Statement"].(map[string]interface{})["RateBasedStatement"].(map[string]interface{})
			if !ok || rb["ScopeDownStatement"] == nil {
				continue
			}
			scope := toJSON(rb["ScopeDownStatement"])
			action := toJSON(rule.(map[string]interface{})["Action"])
			if strings.Contains(scope, `"PositionalConstraint":"ENDS_WITH"`) && strings.Contains(scope, `"SearchString":"/health"`) &&
				strings.Contains(scope, `"UriPath"`) && rb["AggregateKeyType"] == "IP" && rb["Limit"] == float64(100) &&
				strings.Contains(action, `"ResponseCode":429`) {
				found = true
			}
		}
	}
	if !found {
		t.Error("no per-IP WAF rate rule of 100 per 5 minutes scoped to paths ending in /health that answers 429")
	}
}

// fixedReport is a health checker that always answers one report.
type fixedReport healthcheck.Report

func (f fixedReport) Check(context.Context) healthcheck.Report { return healthcheck.Report(f) }
