package test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// These tests check each rule of PRODUCT.md's "Infrastructure rules" over
// the whole synthesized template. GIVEN the real app synthesized with
// cdk.json's context, WHEN a rule is checked over every resource, THEN no
// resource breaks it.

const suffix = "dev"

func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	if p == nil {
		return map[string]interface{}{}
	}
	return p
}

func toJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// nameProperties are the properties that hold a physical name, per type.
var nameProperties = map[string]string{
	"AWS::DynamoDB::Table":              "TableName",
	"AWS::SQS::Queue":                   "QueueName",
	"AWS::Lambda::Function":             "FunctionName",
	"AWS::IAM::Role":                    "RoleName",
	"AWS::SNS::Topic":                   "TopicName",
	"AWS::StepFunctions::StateMachine":  "StateMachineName",
	"AWS::Events::Rule":                 "Name",
	"AWS::CloudWatch::Alarm":            "AlarmName",
	"AWS::CloudWatch::Dashboard":        "DashboardName",
	"AWS::Logs::LogGroup":               "LogGroupName",
	"AWS::ApiGateway::RestApi":          "Name",
	"AWS::KMS::Alias":                   "AliasName",
	"AWS::WAFv2::WebACL":                "Name",
	"AWS::ApiGateway::RequestValidator": "Name",
}

// unnamed are the types that have no physical name we could set, or whose
// name is assigned by AWS.
var unnamed = map[string]bool{
	"AWS::ApiGateway::Account": true, "AWS::ApiGateway::Deployment": true, "AWS::ApiGateway::Method": true,
	"AWS::ApiGateway::Resource": true, "AWS::ApiGateway::Stage": true, "AWS::CDK::Metadata": true,
	"AWS::IAM::Policy": true, "AWS::KMS::Key": true, "AWS::Lambda::EventSourceMapping": true,
	"AWS::Lambda::Permission": true, "AWS::SNS::TopicPolicy": true, "AWS::SQS::QueuePolicy": true,
	"AWS::WAFv2::WebACLAssociation": true, "AWS::WAFv2::LoggingConfiguration": true,
	"AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGateway::ClientCertificate": true,
	// A model's name is scoped to its API, not to the account.
	"AWS::ApiGateway::Model": true,
}

func physicalNames(t *testing.T, s *synthesized) map[string]string {
	t.Helper()
	names := map[string]string{}
	for id, r := range s.Resources("") {
		typ := r["Type"].(string)
		if unnamed[typ] {
			continue
		}
		prop, ok := nameProperties[typ]
		if !ok {
			t.Errorf("%s (%s): no naming rule for this type; add its name property to nameProperties", id, typ)
			continue
		}
		name, ok := props(r)[prop].(string)
		if !ok {
			t.Errorf("%s (%s): %s is %v, want a literal name from the naming helper", id, typ, prop, props(r)[prop])
			continue
		}
		names[id] = name
	}
	return names
}

func TestEveryNamedResourceIsNamedTypeDashSuffix(t *testing.T) {
	s := synth(t, suffix)
	pattern := regexp.MustCompile(`^(alias/|/aws/(lambda|vendedlogs/states|apigateway)/)?[a-z0-9]+(-[a-z0-9]+)*-` + suffix + `(-role|-access)?$`)
	for id, name := range physicalNames(t, s) {
		if !pattern.MatchString(name) {
			t.Errorf("%s: name %q is not {resource-type}-%s", id, name, suffix)
		}
	}
}

func TestTwoSuffixesShareNoPhysicalName(t *testing.T) {
	dev, qa := physicalNames(t, synth(t, "dev")), physicalNames(t, synthStub(t, "qa"))
	seen := map[string]string{}
	for id, n := range dev {
		seen[n] = id
	}
	if len(qa) != len(dev) {
		t.Errorf("dev has %d named resources, qa %d", len(dev), len(qa))
	}
	for id, n := range qa {
		if other, ok := seen[n]; ok {
			t.Errorf("physical name %q is used by %s in dev and %s in qa", n, other, id)
		}
	}
}

// untaggable are the types CloudFormation cannot tag.
var untaggable = map[string]bool{
	"AWS::ApiGateway::Account": true, "AWS::ApiGateway::Deployment": true, "AWS::ApiGateway::Method": true,
	"AWS::ApiGateway::Resource": true, "AWS::CDK::Metadata": true, "AWS::IAM::Policy": true, "AWS::KMS::Alias": true,
	"AWS::Lambda::Permission": true, "AWS::SNS::TopicPolicy": true, "AWS::SQS::QueuePolicy": true,
	"AWS::CloudWatch::Dashboard": true, "AWS::WAFv2::WebACLAssociation": true, "AWS::WAFv2::LoggingConfiguration": true,
	"AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGateway::Model": true, "AWS::ApiGateway::RequestValidator": true,
}

func TestEveryTaggableResourceCarriesTheEnvironmentTag(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("") {
		typ := r["Type"].(string)
		if untaggable[typ] {
			continue
		}
		tags := props(r)["Tags"]
		found := false
		switch tt := tags.(type) {
		case []interface{}: // [{Key, Value}]
			for _, tag := range tt {
				m := tag.(map[string]interface{})
				if m["Key"] == "Environment" && m["Value"] == suffix {
					found = true
				}
			}
		case map[string]interface{}: // {Key: Value} (e.g. SSM, Step Functions use a list; some use a map)
			found = tt["Environment"] == suffix
		}
		if !found {
			t.Errorf("%s (%s) lacks the tag Environment=%s (tags: %s)", id, typ, suffix, toJSON(tags))
		}
	}
}

func TestTheStackIsPinnedToUSEast1(t *testing.T) {
	s := synth(t, suffix)
	if got := *s.Stack.Stack.Region(); got != "us-east-1" {
		t.Errorf("stack region = %q, want us-east-1", got)
	}
	for _, other := range []string{"us-west-2", "eu-west-1", "us-east-2"} {
		if strings.Contains(toJSON(s.Template), other) {
			t.Errorf("the template mentions region %s", other)
		}
	}
}

func TestNothingIsRetainedOrDeletionProtected(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("") {
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if v, ok := r[policy]; ok && v != "Delete" {
				t.Errorf("%s (%s): %s is %v, want Delete", id, r["Type"], policy, v)
			}
		}
		// Stateful resources must say Delete explicitly: CDK defaults
		// tables, keys and log groups to Retain.
		switch r["Type"] {
		case "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SQS::Queue":
			if r["DeletionPolicy"] != "Delete" {
				t.Errorf("%s (%s): DeletionPolicy is %v, want Delete", id, r["Type"], r["DeletionPolicy"])
			}
		}
		p := props(r)
		if p["DeletionProtectionEnabled"] == true || p["DeletionProtection"] == true {
			t.Errorf("%s (%s) has deletion protection", id, r["Type"])
		}
	}
}

func TestTheTransactionsTableIsOnDemandRecoverableEncryptedWithTTL(t *testing.T) {
	tables := synth(t, suffix).Resources("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("want 1 table, got %d", len(tables))
	}
	for id, r := range tables {
		p := props(r)
		if p["BillingMode"] != "PAY_PER_REQUEST" {
			t.Errorf("%s: BillingMode = %v, want PAY_PER_REQUEST", id, p["BillingMode"])
		}
		if !strings.Contains(toJSON(p["PointInTimeRecoverySpecification"]), `"PointInTimeRecoveryEnabled":true`) {
			t.Errorf("%s: point-in-time recovery is off: %s", id, toJSON(p["PointInTimeRecoverySpecification"]))
		}
		sse, _ := p["SSESpecification"].(map[string]interface{})
		if sse["SSEEnabled"] != true || sse["SSEType"] != "KMS" || sse["KMSMasterKeyId"] == nil {
			t.Errorf("%s: not encrypted with the customer-managed key: %s", id, toJSON(sse))
		}
		if got := toJSON(p["TimeToLiveSpecification"]); got != `{"AttributeName":"expires_at","Enabled":true}` {
			t.Errorf("%s: TTL = %s, want expires_at enabled", id, got)
		}
	}
}

func TestEveryQueueHasADeadLetterQueueRetentionTLSAndEncryption(t *testing.T) {
	s := synth(t, suffix)
	queues := s.Resources("AWS::SQS::Queue")
	dlqs := map[string]bool{}
	for _, r := range queues {
		if rp, ok := props(r)["RedrivePolicy"].(map[string]interface{}); ok {
			arn := toJSON(rp["deadLetterTargetArn"])
			for id := range queues {
				if strings.Contains(arn, `"`+id+`"`) {
					dlqs[id] = true
				}
			}
			if n, _ := rp["maxReceiveCount"].(float64); n < 1 {
				t.Errorf("redrive policy without maxReceiveCount: %s", toJSON(rp))
			}
		}
	}
	// EventBridge's target DLQ is a dead-letter queue too.
	for id, r := range s.Resources("AWS::Events::Rule") {
		for _, target := range props(r)["Targets"].([]interface{}) {
			dl := toJSON(target.(map[string]interface{})["DeadLetterConfig"])
			if dl == "null" {
				t.Errorf("rule %s has a target without a dead-letter queue", id)
			}
			for qid := range queues {
				if strings.Contains(dl, `"`+qid+`"`) {
					dlqs[qid] = true
				}
			}
		}
	}
	// So is the dead-letter queue of asynchronous Lambda invocations.
	for _, r := range s.Resources("AWS::Lambda::Function") {
		dl := toJSON(props(r)["DeadLetterConfig"])
		for qid := range queues {
			if strings.Contains(dl, `"`+qid+`"`) {
				dlqs[qid] = true
			}
		}
	}
	policies := toJSON(s.Resources("AWS::SQS::QueuePolicy"))
	for id, r := range queues {
		p := props(r)
		if p["KmsMasterKeyId"] == nil {
			t.Errorf("queue %s is not encrypted with the customer-managed key", id)
		}
		retention, ok := p["MessageRetentionPeriod"].(float64)
		switch {
		case !ok:
			t.Errorf("queue %s has no explicit MessageRetentionPeriod", id)
		case dlqs[id] && retention != 14*24*3600:
			t.Errorf("dead-letter queue %s keeps messages %v s, want 14 days", id, retention)
		}
		if !dlqs[id] && p["RedrivePolicy"] == nil {
			t.Errorf("queue %s has no dead-letter queue", id)
		}
		if !strings.Contains(policies, `{"Ref":"`+id+`"}`) {
			t.Errorf("queue %s has no queue policy (TLS-only access)", id)
		}
	}
	for id, r := range s.Resources("AWS::SQS::QueuePolicy") {
		doc := toJSON(props(r)["PolicyDocument"])
		if !strings.Contains(doc, `"aws:SecureTransport":"false"`) || !strings.Contains(doc, `"Effect":"Deny"`) {
			t.Errorf("queue policy %s does not deny non-TLS access: %s", id, doc)
		}
	}
	if len(dlqs) < 2 {
		t.Errorf("found %d dead-letter queues, want the failed-transactions DLQ and the recovery trigger DLQ", len(dlqs))
	}
}

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
	lc, _ := p["LoggingConfiguration"].(map[string]interface{})
	if lc["Level"] != "ALL" || lc["IncludeExecutionData"] != true || lc["Destinations"] == nil {
		t.Errorf("LoggingConfiguration = %s, want Level ALL with execution data", toJSON(lc))
	}
	if toJSON(p["TracingConfiguration"]) != `{"Enabled":true}` {
		t.Errorf("TracingConfiguration = %s", toJSON(p["TracingConfiguration"]))
	}
	rec, ok := machines["recovery-workflow-"+suffix]
	if !ok || rec["StateMachineType"] != "STANDARD" {
		t.Errorf("recovery workflow missing or not STANDARD: %v", rec["StateMachineType"])
	}
}

func TestEveryAlarmNotifiesTheTopicOnAlarmAndOK(t *testing.T) {
	s := synth(t, suffix)
	topics := s.Resources("AWS::SNS::Topic")
	if len(topics) != 1 {
		t.Fatalf("want one alarm topic, got %d", len(topics))
	}
	var topicID string
	for id, r := range topics {
		topicID = id
		if props(r)["KmsMasterKeyId"] == nil {
			t.Errorf("alarm topic %s is not encrypted with the customer-managed key", id)
		}
	}
	names := map[string]bool{}
	for id, r := range s.Resources("AWS::CloudWatch::Alarm") {
		p := props(r)
		names[p["AlarmName"].(string)] = true
		want := `[{"Ref":"` + topicID + `"}]`
		if toJSON(p["AlarmActions"]) != want || toJSON(p["OKActions"]) != want {
			t.Errorf("alarm %s: AlarmActions %s OKActions %s, want both %s", id, toJSON(p["AlarmActions"]), toJSON(p["OKActions"]), want)
		}
	}
	want := []string{"api-latency-p99-alarm", "api-5xx-alarm", "table-read-throttles-alarm", "table-write-throttles-alarm",
		"payments-workflow-failed-alarm", "payments-workflow-timed-out-alarm", "failed-transactions-dlq-depth-alarm",
		"failed-transactions-oldest-message-alarm", "recovery-trigger-dlq-depth-alarm", "recovery-workflow-failed-alarm"}
	for _, fn := range []string{paymentstack.FnValidate, paymentstack.FnPersist, paymentstack.FnEnqueue, paymentstack.FnReprocess,
		paymentstack.FnGetPayment, paymentstack.FnHealth, paymentstack.FnHealthMonitor} {
		want = append(want, fn+"-errors-alarm", fn+"-throttles-alarm")
	}
	for _, w := range want {
		if !names[w+"-"+suffix] {
			t.Errorf("missing alarm %s-%s", w, suffix)
		}
	}
}

func TestTheDashboardShowsEveryComponentAndAlarmStatus(t *testing.T) {
	s := synth(t, suffix)
	dashboards := s.Resources("AWS::CloudWatch::Dashboard")
	if len(dashboards) != 1 {
		t.Fatalf("want 1 dashboard, got %d", len(dashboards))
	}
	for _, r := range dashboards {
		body := toJSON(props(r)["DashboardBody"])
		for _, want := range []string{"## API", "## Workflow: payments-workflow", "## Lambda functions", "## DynamoDB",
			"## Queue: failed-transactions", "## Recovery", "## Alarm status", `\"type\":\"alarm\"`,
			"AWS/ApiGateway", "AWS/States", "AWS/Lambda", "AWS/DynamoDB", "AWS/SQS", "ResilientPay/Recovery"} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard body lacks %s", want)
			}
		}
	}
}

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
	if !strings.Contains(responseTemplate, "header."+api.ReplayedHeader+` = "true"`) {
		t.Errorf("the integration response never sets %s", api.ReplayedHeader)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// wildcardActions are the only actions allowed on Resource "*": AWS offers
// no resource-level permission for them.
var wildcardActions = map[string]bool{
	"xray:puttracesegments": true, "xray:puttelemetryrecords": true, "xray:getsamplingrules": true, "xray:getsamplingtargets": true,
	"logs:createlogdelivery": true, "logs:getlogdelivery": true, "logs:updatelogdelivery": true, "logs:deletelogdelivery": true,
	"logs:listlogdeliveries": true, "logs:putresourcepolicy": true, "logs:describeresourcepolicies": true, "logs:describeloggroups": true,
	"cloudwatch:putmetricdata": true,
}

func TestNoWildcardResourceOutsideServicesThatRequireIt(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("AWS::IAM::Policy") {
		doc := props(r)["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			stmt := st.(map[string]interface{})
			if toJSON(stmt["Resource"]) != `"*"` {
				continue
			}
			actions, ok := stmt["Action"].([]interface{})
			if !ok {
				actions = []interface{}{stmt["Action"]}
			}
			for _, a := range actions {
				// IAM action names are case-insensitive.
				if !wildcardActions[strings.ToLower(a.(string))] {
					t.Errorf("%s allows %v on every resource", id, a)
				}
				if strings.Contains(a.(string), "*") {
					t.Errorf("%s has a wildcard action %v", id, a)
				}
			}
		}
	}
}

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

// The health functions must read every alarm that gates recovery (the
// API's included) and be allowed to describe exactly those.
func TestHealthFunctionsReadEveryGatingAlarm(t *testing.T) {
	s := synth(t, suffix)
	var gating []string
	for _, r := range s.Resources("AWS::Events::Rule") {
		pattern, _ := props(r)["EventPattern"].(map[string]interface{})
		detail, _ := pattern["detail"].(map[string]interface{})
		if names, ok := detail["alarmName"].([]interface{}); ok {
			for _, n := range names {
				gating = append(gating, n.(string))
			}
		}
	}
	if len(gating) == 0 || !strings.Contains(strings.Join(gating, ","), "api-5xx-alarm-"+suffix) {
		t.Fatalf("the alarm-OK rule's alarms %v lack the API's", gating)
	}
	found := 0
	for id, r := range s.Resources("AWS::Lambda::Function") {
		name := props(r)["FunctionName"].(string)
		if name != paymentstack.FnHealth+"-"+suffix && name != paymentstack.FnHealthMonitor+"-"+suffix {
			continue
		}
		found++
		env, _ := props(r)["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		if got := env["ALARM_NAMES"]; got != strings.Join(gating, ",") {
			t.Errorf("%s: ALARM_NAMES = %v, want %s", id, got, strings.Join(gating, ","))
		}
	}
	if found != 2 {
		t.Errorf("found %d health functions, want 2", found)
	}
}
