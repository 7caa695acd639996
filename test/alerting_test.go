package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
)

// Tests of the rule that alarms reach a person: every environment but dev
// has an email subscriber or an on-call topic.

const (
	testAlarmEmail    = "oncall@example.com"
	testAlarmTopicArn = "arn:aws:sns:us-east-1:111122223333:oncall-pager"
)

func TestAnEnvironmentOtherThanDevIsRefusedWithoutAnAlarmSubscriber(t *testing.T) {
	moduleDir, err := golambda.ModuleDir("..")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		suffix  string
		context map[string]interface{}
		wantErr string // empty: the configuration is accepted
	}{
		{name: "prod without a subscriber is refused", suffix: "prod", wantErr: "has no alarm subscriber"},
		{name: "prod with blank settings is refused", suffix: "prod",
			context: map[string]interface{}{"alarmEmail": "  ", "alarmTopicArn": ""}, wantErr: "has no alarm subscriber"},
		{name: "prod with an email address is accepted", suffix: "prod", context: map[string]interface{}{"alarmEmail": testAlarmEmail}},
		{name: "prod with a topic ARN is accepted", suffix: "prod", context: map[string]interface{}{"alarmTopicArn": testAlarmTopicArn}},
		{name: "a malformed email address is refused", suffix: "prod",
			context: map[string]interface{}{"alarmEmail": "oncall"}, wantErr: "is not an email address"},
		{name: "a topic ARN of another region is refused", suffix: "prod",
			context: map[string]interface{}{"alarmTopicArn": "arn:aws:sns:eu-west-1:111122223333:oncall"}, wantErr: "is not the ARN"},
		{name: "a queue ARN is refused", suffix: "prod",
			context: map[string]interface{}{"alarmTopicArn": "arn:aws:sqs:us-east-1:111122223333:oncall"}, wantErr: "is not the ARN"},
		{name: "dev needs no subscriber", suffix: "dev"},
		{name: "a stub-code synthesis of prod (local runs, the cost model: never deployed) needs none", suffix: "prod",
			context: map[string]interface{}{golambda.StubCodeContextKey: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// WHEN the app's configuration is read with cdk.json's context
			// (the same code path as cdk synth), without synthesizing
			app, err := appConfig(moduleDir, tc.suffix, tc.context)
			// THEN it is refused with a message that says what to set
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.wantErr != "" && err == nil:
				t.Fatalf("accepted %+v, want an error containing %q", app, tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			case tc.wantErr == "has no alarm subscriber":
				for _, want := range []string{paymentstack.KeyAlarmEmail, paymentstack.KeyAlarmTopicArn, tc.suffix} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %q", err, want)
					}
				}
			}
		})
	}
}

// appConfig reads the app's configuration as the synthesis does.
func appConfig(moduleDir, suffix string, extra map[string]interface{}) (paymentstack.Config, error) {
	overrides := map[string]interface{}{"environmentSuffix": suffix}
	for k, v := range extra {
		overrides[k] = v
	}
	ctx, err := paymentstack.CDKJSONContext(moduleDir+"/cdk.json", overrides)
	if err != nil {
		return paymentstack.Config{}, err
	}
	return paymentstack.ConfigFromContext(awscdk.NewApp(&awscdk.AppProps{Context: &ctx}))
}

func TestAnEnvironmentWithSubscribersNotifiesThemOfEveryAlarm(t *testing.T) {
	// GIVEN the qa environment synthesized with an email and an on-call
	// topic (synth_test.go)
	s := synthStub(t, "qa")
	// THEN the email address is subscribed to the alarm topic
	var emails []string
	for _, r := range s.Resources("AWS::SNS::Subscription") {
		p := props(r)
		if p["Protocol"] == "email" {
			emails = append(emails, p["Endpoint"].(string))
		}
	}
	if len(emails) != 1 || emails[0] != testAlarmEmail {
		t.Errorf("email subscriptions %v, want [%s]", emails, testAlarmEmail)
	}
	// AND every alarm notifies the on-call topic on ALARM and on OK, besides
	// the stack's topic
	alarms := s.Resources("AWS::CloudWatch::Alarm")
	if len(alarms) == 0 {
		t.Fatal("no alarms")
	}
	for id, r := range alarms {
		p := props(r)
		for _, key := range []string{"AlarmActions", "OKActions"} {
			actions := toJSON(p[key])
			if !strings.Contains(actions, `"`+testAlarmTopicArn+`"`) || !strings.Contains(actions, `"Ref"`) {
				t.Errorf("alarm %s: %s %s, want the stack's topic and %s", id, key, actions, testAlarmTopicArn)
			}
		}
	}
}
