package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/dashboards"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Tests of the dashboards construct: alarms, the alarm topic, the dashboard.

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
		"table-system-errors-alarm", "store-unavailable-alarm", "payments-parked-alarm",
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

// alarmMetric is one metric an alarm reads.
type alarmMetric struct {
	Namespace, MetricName string
	Dimensions            map[string]string
}

// alarmMetrics returns the metrics an alarm reads, directly or through a
// metric math expression.
func alarmMetrics(p map[string]interface{}) []alarmMetric {
	dims := func(v interface{}) map[string]string {
		out := map[string]string{}
		list, _ := v.([]interface{})
		for _, d := range list {
			m := d.(map[string]interface{})
			out[m["Name"].(string)] = toJSON(m["Value"])
		}
		return out
	}
	if name, ok := p["MetricName"].(string); ok {
		return []alarmMetric{{Namespace: p["Namespace"].(string), MetricName: name, Dimensions: dims(p["Dimensions"])}}
	}
	var out []alarmMetric
	metrics, _ := p["Metrics"].([]interface{})
	for _, m := range metrics {
		stat, ok := m.(map[string]interface{})["MetricStat"].(map[string]interface{})
		if !ok {
			continue
		}
		metric := stat["Metric"].(map[string]interface{})
		out = append(out, alarmMetric{Namespace: metric["Namespace"].(string), MetricName: metric["MetricName"].(string), Dimensions: dims(metric["Dimensions"])})
	}
	return out
}

// Recovery may be held back only by alarms that say the platform is
// unwell: store and queue failures, throttles, Lambda service errors and
// timeouts, failed or timed-out executions, 5XX of the payment routes.
// Nothing a client sends counts in them: client outcomes are results of
// the handlers, not function errors, and end in Succeed states, not failed
// executions (TestHandlersWorkflowAndAPIAgreeOnErrorNames); /health's own
// 503 and 4XX answers are not read.
func TestRecoveryIsGatedOnlyByPlatformSignals(t *testing.T) {
	s := synth(t, suffix)
	var gating []string
	for _, r := range s.Resources("AWS::Lambda::Function") {
		if props(r)["FunctionName"] == paymentstack.FnHealthMonitor+"-"+suffix {
			env := props(r)["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			gating = strings.Split(env["ALARM_NAMES"].(string), ",")
		}
	}
	if len(gating) == 0 {
		t.Fatal("the health monitor reads no alarms")
	}
	platform := map[string]bool{
		"AWS/DynamoDB ReadThrottleEvents": true, "AWS/DynamoDB WriteThrottleEvents": true, "AWS/DynamoDB SystemErrors": true,
		dashboards.PaymentsNamespace + " " + dashboards.MetricStoreUnavailable: true,
		"AWS/Lambda Errors": true, "AWS/Lambda Throttles": true,
		"AWS/States ExecutionsFailed": true, "AWS/States ExecutionsTimedOut": true,
	}
	paymentRoutes := map[string]bool{`"/payments"`: true, `"/payments/{id}"`: true}
	alarms := map[string]map[string]interface{}{}
	for _, r := range s.Resources("AWS::CloudWatch::Alarm") {
		alarms[props(r)["AlarmName"].(string)] = props(r)
	}
	read5xx := map[string]bool{}
	for _, name := range gating {
		p, ok := alarms[name]
		if !ok {
			t.Errorf("gating alarm %s does not exist", name)
			continue
		}
		metrics := alarmMetrics(p)
		if len(metrics) == 0 {
			t.Errorf("gating alarm %s reads no metric", name)
		}
		for _, m := range metrics {
			key := m.Namespace + " " + m.MetricName
			switch {
			case platform[key]:
			case key == "AWS/SQS ApproximateAgeOfOldestMessage" && strings.Contains(m.Dimensions["QueueName"], `"FailedTransactionsQueue`):
				// The source queue's oldest payment: reprocessing stuck.
			case key == "AWS/ApiGateway 5XXError" && paymentRoutes[m.Dimensions["Resource"]]:
				read5xx[m.Dimensions["Method"]+" "+m.Dimensions["Resource"]] = true
			default:
				t.Errorf("gating alarm %s reads %s %v: not a platform-health signal a client cannot move", name, key, m.Dimensions)
			}
		}
	}
	for _, route := range []string{`"POST" "/payments"`, `"GET" "/payments/{id}"`} {
		if !read5xx[route] {
			t.Errorf("no gating alarm reads the 5XX answers of %s (read: %v)", route, read5xx)
		}
	}
}

// Dead letters expire after the DLQ's 14 days: an alarm on the age of the
// oldest one fires well before, whatever recovery is doing.
func TestEveryDeadLetterQueueAlarmsOnItsOldestMessageWellBeforeItExpires(t *testing.T) {
	s := synth(t, suffix)
	byQueue := map[string]float64{} // queue logical id -> threshold
	for _, r := range s.Resources("AWS::CloudWatch::Alarm") {
		p := props(r)
		for _, m := range alarmMetrics(p) {
			if m.Namespace == "AWS/SQS" && m.MetricName == "ApproximateAgeOfOldestMessage" {
				byQueue[m.Dimensions["QueueName"]] = p["Threshold"].(float64)
			}
		}
	}
	found := 0
	for id, r := range s.Resources("AWS::SQS::Queue") {
		p := props(r)
		if p["MessageRetentionPeriod"] != float64(14*24*3600) {
			continue // not a dead-letter queue
		}
		found++
		threshold, ok := byQueue[`{"Fn::GetAtt":["`+id+`","QueueName"]}`]
		switch {
		case !ok:
			t.Errorf("dead-letter queue %s (%s) has no oldest-message alarm", id, p["QueueName"])
		case threshold <= 0 || threshold > 7*24*3600:
			t.Errorf("dead-letter queue %s alarms at %v s, want well under its 14-day retention (at most 7 days)", id, threshold)
		}
	}
	if found < 3 {
		t.Errorf("found %d dead-letter queues, want the failed-transactions, recovery-trigger and Lambda async DLQs", found)
	}
}

// The alarm topic's policy replaces SNS's default one: CloudWatch may
// publish only because it says so, for this account's alarms.
func TestCloudWatchMayPublishTheAppsAlarmsToTheTopic(t *testing.T) {
	s := synth(t, suffix)
	var topicID string
	for id := range s.Resources("AWS::SNS::Topic") {
		topicID = id
	}
	var alarmNames []string
	for _, r := range s.Resources("AWS::CloudWatch::Alarm") {
		alarmNames = append(alarmNames, props(r)["AlarmName"].(string))
	}
	policies := s.Resources("AWS::SNS::TopicPolicy")
	var statement map[string]interface{}
	for _, r := range policies {
		p := props(r)
		if !strings.Contains(toJSON(p["Topics"]), `"Ref":"`+topicID+`"`) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]interface{})["Statement"].([]interface{}) {
			m := st.(map[string]interface{})
			if m["Effect"] == "Allow" && toJSON(m["Principal"]) == `{"Service":"cloudwatch.amazonaws.com"}` {
				statement = m
			}
		}
	}
	if statement == nil {
		t.Fatalf("the alarm topic's policy does not allow cloudwatch.amazonaws.com: %s", toJSON(policies))
	}
	if toJSON(statement["Action"]) != `"sns:Publish"` || toJSON(statement["Resource"]) != `{"Ref":"`+topicID+`"}` {
		t.Errorf("CloudWatch may %s on %s, want sns:Publish on the topic", toJSON(statement["Action"]), toJSON(statement["Resource"]))
	}
	cond := statement["Condition"].(map[string]interface{})
	if got := toJSON(cond["StringEquals"]); got != `{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}` {
		t.Errorf("aws:SourceAccount condition = %s", got)
	}
	arns := toJSON(cond["ArnLike"])
	if !strings.HasPrefix(arns, `{"aws:SourceArn":[`) {
		t.Errorf("no aws:SourceArn condition naming the alarms: %s", arns)
	}
	for _, name := range alarmNames {
		if !strings.Contains(arns, ":alarm:"+name+`"`) {
			t.Errorf("alarm %s may not publish to the topic (aws:SourceArn %s)", name, arns)
		}
	}
}

// Parked payments are a level: the number parked now, published by the
// recovery workflow from the health monitor's count, alarmed while above 0
// and kept in ALARM when a run could not count. The edge it replaced (a
// count of parkings per period) returned to OK after five minutes while
// the payment stayed parked.
func TestParkedPaymentsAreALevelAlarmedWhileAboveZero(t *testing.T) {
	s := synth(t, suffix)
	p := alarmNamed(t, s, "payments-parked-alarm-"+suffix)
	if p["Namespace"] != dashboards.RecoveryNamespace || p["MetricName"] != dashboards.MetricPaymentsParked || p["Statistic"] != "Maximum" {
		t.Errorf("parked alarm reads %v %v %v, want the Maximum of %s/%s", p["Namespace"], p["MetricName"], p["Statistic"],
			dashboards.RecoveryNamespace, dashboards.MetricPaymentsParked)
	}
	if p["Threshold"] != float64(0) || p["ComparisonOperator"] != "GreaterThanThreshold" || p["TreatMissingData"] != "ignore" {
		t.Errorf("parked alarm: %v %v, missing data %v; want > 0, missing data keeping the state", p["ComparisonOperator"], p["Threshold"], p["TreatMissingData"])
	}
	def := string(recoveryDefinition(t))
	if !strings.Contains(def, `"MetricName":"`+dashboards.MetricPaymentsParked+`"`) || !strings.Contains(def, `"Value.$":"$.health.parkedPayments"`) {
		t.Errorf("the recovery workflow does not publish the parked count: %s", def)
	}
	if n := len(s.Resources("AWS::Logs::MetricFilter")); n == 0 {
		t.Error("no metric filter: the store-unavailable signal needs them")
	}
	for id, r := range s.Resources("AWS::Logs::MetricFilter") {
		if strings.Contains(fmt.Sprint(props(r)["FilterPattern"]), "parked") {
			t.Errorf("metric filter %s still counts parkings (an edge): %v", id, props(r)["FilterPattern"])
		}
	}
}

// Gating alarms do not flap back to OK on one quiet period: an alarm on a
// failure count evaluates three periods and alarms on one (so an outage
// with an idle hour between failures stays in ALARM), treats missing data
// as not breaching (no traffic is no outage), and reads DynamoDB metrics
// only through FILL (CloudWatch keeps an alarm on a raw AWS/DynamoDB metric
// in its state while data is missing, whatever TreatMissingData says).
func TestGatingAlarmsDoNotFlapOnAQuietPeriod(t *testing.T) {
	s := synth(t, suffix)
	gating := gatingAlarms(t, s)
	for _, r := range s.Resources("AWS::CloudWatch::Alarm") {
		p := props(r)
		name := p["AlarmName"].(string)
		if p["DatapointsToAlarm"] == nil || p["TreatMissingData"] == nil {
			t.Errorf("alarm %s leaves DatapointsToAlarm or TreatMissingData to defaults", name)
		}
		if ns, _ := p["Namespace"].(string); ns == "AWS/DynamoDB" {
			t.Errorf("alarm %s reads a raw AWS/DynamoDB metric: it would stay in ALARM through quiet hours", name)
		}
		if !gating[name] {
			continue
		}
		periods, _ := p["EvaluationPeriods"].(float64)
		datapoints, _ := p["DatapointsToAlarm"].(float64)
		if p["TreatMissingData"] == "ignore" {
			continue // a level published every period (the queue's age)
		}
		if periods < 3 || datapoints != 1 || p["TreatMissingData"] != "notBreaching" {
			t.Errorf("gating alarm %s: %v of %v periods, missing data %v; want 1 of at least 3, not breaching", name, datapoints, periods, p["TreatMissingData"])
		}
		if strings.Contains(toJSON(p["Metrics"]), `"AWS/DynamoDB"`) && !strings.Contains(toJSON(p["Metrics"]), "FILL(") {
			t.Errorf("gating alarm %s reads DynamoDB without FILL", name)
		}
	}
	for _, want := range []string{"table-system-errors-alarm", "store-unavailable-alarm"} {
		if !gating[want+"-"+suffix] {
			t.Errorf("%s does not gate recovery", want)
		}
	}
}

// The store-unavailable alarm counts the outage lines of every function
// that meets the store: a payment attempt, a queued payment's retry, a
// health probe.
func TestStoreOutagesAsTheFunctionsSeeThemAreCounted(t *testing.T) {
	s := synth(t, suffix)
	groups := map[string]bool{}
	for _, r := range s.Resources("AWS::Logs::MetricFilter") {
		p := props(r)
		if !strings.Contains(fmt.Sprint(p["FilterPattern"]), store.UnavailableLogMessage) {
			continue
		}
		groups[toJSON(p["LogGroupName"])] = true
		mt := p["MetricTransformations"].([]interface{})[0].(map[string]interface{})
		if mt["MetricName"] != dashboards.MetricStoreUnavailable {
			t.Errorf("filter counts into %v", mt["MetricName"])
		}
	}
	for _, fn := range []string{"Persist", "Reprocess", "HealthMonitor"} {
		found := false
		for g := range groups {
			found = found || strings.Contains(g, fn)
		}
		if !found {
			t.Errorf("no store-unavailable filter on the %s log group (filters on %v)", fn, groups)
		}
	}
}

// alarmNamed returns the properties of the alarm with this name.
func alarmNamed(t *testing.T, s *synthesized, name string) map[string]interface{} {
	t.Helper()
	for _, r := range s.Resources("AWS::CloudWatch::Alarm") {
		if props(r)["AlarmName"] == name {
			return props(r)
		}
	}
	t.Fatalf("no alarm %s", name)
	return nil
}

// gatingAlarms are the alarms the health monitor reads.
func gatingAlarms(t *testing.T, s *synthesized) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, r := range s.Resources("AWS::Lambda::Function") {
		if props(r)["FunctionName"] == paymentstack.FnHealthMonitor+"-"+suffix {
			env := props(r)["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
			for _, n := range strings.Split(env["ALARM_NAMES"].(string), ",") {
				out[n] = true
			}
		}
	}
	return out
}
