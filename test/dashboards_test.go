package test

import (
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
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
