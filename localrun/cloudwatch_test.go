package localrun

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// alarmTemplate is a template with one alarm on a metric of the given
// namespace (or a FILL expression over it), its evaluation settings, and
// a metric filter on a log group.
func alarmTemplate(t *testing.T, namespace string, periods, datapoints int, missing string, fill bool) *cfn.Template {
	t.Helper()
	metric := fmt.Sprintf(`"Namespace":%q,"MetricName":"Errors","Dimensions":[{"Name":"FunctionName","Value":"fn-dev"}],"Statistic":"Sum","Period":300`, namespace)
	if fill {
		metric = fmt.Sprintf(`"Metrics":[{"Id":"m","ReturnData":false,"MetricStat":{"Metric":{"Namespace":%q,"MetricName":"Errors","Dimensions":[{"Name":"FunctionName","Value":"fn-dev"}]},"Stat":"Sum","Period":300}},`+
			`{"Id":"expr_1","Expression":"FILL(m, 0)","Period":300}]`, namespace)
	}
	tpl, err := cfn.Parse([]byte(fmt.Sprintf(`{"Resources":{
		"A":{"Type":"AWS::CloudWatch::Alarm","Properties":{"AlarmName":"a-dev",%s,"Threshold":0,
			"ComparisonOperator":"GreaterThanThreshold","EvaluationPeriods":%d,"DatapointsToAlarm":%d,"TreatMissingData":%q}},
		"R":{"Type":"AWS::Events::Rule","Properties":{"EventPattern":{"source":["aws.cloudwatch"],"detail":{"alarmName":["a-dev"],"state":{"value":["OK"]}}}}},
		"F":{"Type":"AWS::Logs::MetricFilter","Properties":{"LogGroupName":"/aws/lambda/fn-dev","FilterPattern":"\"store down\"",
			"MetricTransformations":[{"MetricNamespace":"NS","MetricName":"Down","MetricValue":"1","Dimensions":[{"Key":"Environment","Value":"dev"}]}]}}
	}}`, metric, periods, datapoints, missing)))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// fakeClock is a clock the test moves.
type fakeClock struct{ now time.Time }

func (c *fakeClock) Now() time.Time { return c.now }

// step is one five-minute period of a scenario: the errors in it (-1: no
// datapoint at all, the quiet period of an idle platform).
type step int

const quiet step = -1

// runAlarm evaluates the alarm at the end of every period and returns the
// state after each.
func runAlarm(t *testing.T, tpl *cfn.Template, steps []step) []cwtypes.StateValue {
	t.Helper()
	cw, err := newCloudWatch(tpl, 1, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	cw.now = clock.Now
	var states []cwtypes.StateValue
	for _, s := range steps {
		clock.now = clock.now.Add(time.Minute)
		if s != quiet {
			cw.put("AWS/Lambda", "Errors", map[string]string{"FunctionName": "fn-dev"}, float64(s))
			cw.put("AWS/DynamoDB", "Errors", map[string]string{"FunctionName": "fn-dev"}, float64(s))
		}
		clock.now = clock.now.Add(4 * time.Minute)
		cw.evaluate()
		states = append(states, cw.states()["a-dev"])
	}
	return states
}

func statesString(states []cwtypes.StateValue) string {
	var b []string
	for _, s := range states {
		b = append(b, map[cwtypes.StateValue]string{cwtypes.StateValueOk: "OK", cwtypes.StateValueAlarm: "ALARM",
			cwtypes.StateValueInsufficientData: "INSUFFICIENT"}[s])
	}
	return strings.Join(b, " ")
}

// The local CloudWatch evaluates an alarm as CloudWatch does: M of N
// periods, and missing data treated as the alarm says.
func TestLocalAlarmsEvaluateLikeCloudWatch(t *testing.T) {
	outage := []step{1, quiet, 1, quiet, quiet, 1, quiet, quiet, quiet, quiet}
	tests := []struct {
		name       string
		namespace  string
		periods    int
		datapoints int
		missing    string
		fill       bool
		steps      []step
		want       string
	}{
		{"one period, missing not breaching: a quiet period in an outage returns the alarm to OK (the flapping of the old settings)",
			"AWS/Lambda", 1, 1, "notBreaching", false, outage, "ALARM OK ALARM OK OK ALARM OK OK OK OK"},
		{"one of three periods: the alarm holds through two quiet periods and clears after three",
			"AWS/Lambda", 3, 1, "notBreaching", false, outage, "ALARM ALARM ALARM ALARM ALARM ALARM ALARM ALARM OK OK"},
		{"missing treated as missing: no data at all is INSUFFICIENT_DATA",
			"AWS/Lambda", 1, 1, "missing", false, []step{quiet, 1, quiet}, "INSUFFICIENT ALARM INSUFFICIENT"},
		{"ignore keeps the state while data is missing",
			"AWS/Lambda", 1, 1, "ignore", false, []step{1, quiet, quiet, 0, quiet}, "ALARM ALARM ALARM OK OK"},
		{"a raw AWS/DynamoDB metric keeps its state when data is missing, whatever the alarm says",
			"AWS/DynamoDB", 1, 1, "notBreaching", false, []step{1, quiet, quiet}, "ALARM ALARM ALARM"},
		{"FILL(m, 0) over an AWS/DynamoDB metric lets the alarm return to OK",
			"AWS/DynamoDB", 1, 1, "notBreaching", true, []step{1, quiet, quiet}, "ALARM OK OK"},
		{"three of three periods: one bad period does not alarm",
			"AWS/Lambda", 3, 3, "notBreaching", false, []step{1, 0, 1, 1, 1, 0}, "OK OK OK OK ALARM OK"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := statesString(runAlarm(t, alarmTemplate(t, tt.namespace, tt.periods, tt.datapoints, tt.missing, tt.fill), tt.steps))
			if got != tt.want {
				t.Errorf("states\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestLocalMetricFiltersCountMatchingLogLines(t *testing.T) {
	cw, err := newCloudWatch(alarmTemplate(t, "AWS/Lambda", 1, 1, "notBreaching", false), 1, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(&logFilterHandler{next: slog.DiscardHandler, cw: cw, group: "/aws/lambda/fn-dev"}).With("function", "fn-dev")
	log.Warn("store down", "error_name", "Payment.StoreUnavailable")
	log.Info("payment persisted")
	other := slog.New(&logFilterHandler{next: slog.DiscardHandler, cw: cw, group: "/aws/lambda/other-dev"})
	other.Warn("store down")
	points := cw.series[keyOf("NS", "Down", map[string]string{"Environment": "dev"})]
	if len(points) != 1 || points[0].v != 1 {
		t.Errorf("datapoints %v, want one of 1 (the matching line of the filtered log group)", points)
	}
}

func TestLocalAlarmsAnswerDescribeAlarmsAndStartRecoveryWhenBackToOK(t *testing.T) {
	cw, err := newCloudWatch(alarmTemplate(t, "AWS/Lambda", 1, 1, "notBreaching", false), 1, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: time.Unix(1_000_000, 0)}
	cw.now = clock.Now
	cw.put("AWS/Lambda", "Errors", map[string]string{"FunctionName": "fn-dev"}, 2)
	if ch := cw.evaluate(); len(ch) != 1 || ch[0].to != cwtypes.StateValueAlarm {
		t.Fatalf("changes %+v, want one to ALARM", ch)
	}
	out, err := cw.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNames: []string{"a-dev", "other"}})
	if err != nil || len(out.MetricAlarms) != 1 || out.MetricAlarms[0].StateValue != cwtypes.StateValueAlarm {
		t.Fatalf("DescribeAlarms = %+v, %v", out, err)
	}
	if out, _ := cw.DescribeAlarms(context.Background(), &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String("a-")}); len(out.MetricAlarms) != 1 {
		t.Errorf("by prefix: %+v", out.MetricAlarms)
	}
	clock.now = clock.now.Add(6 * time.Minute)
	ch := cw.evaluate()
	if len(ch) != 1 || ch[0].to != cwtypes.StateValueOk || cw.okRule[0] != "a-dev" {
		t.Errorf("changes %+v, rule %v: want a-dev back to OK, an alarm of the OK rule", ch, cw.okRule)
	}
}
