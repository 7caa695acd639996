package healthmonitor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/healthmonitor"
)

// fixedChecker returns the same report on every check and counts checks.
type fixedChecker struct {
	report healthcheck.Report
	calls  int
}

var _ healthmonitor.Checker = (*fixedChecker)(nil)

func (f *fixedChecker) Check(context.Context) healthcheck.Report {
	f.calls++
	return f.report
}

func unhealthyReport() healthcheck.Report {
	return healthcheck.Report{
		Status: healthcheck.Unhealthy, Reasons: []string{"alarm api-5xx-alarm-dev is in ALARM"}, Notes: []string{},
		AlarmsInAlarm: []string{"api-5xx-alarm-dev"}, NonBlockingAlarmsInAlarm: []string{}, AlarmsInsufficientData: []string{},
		Table: healthcheck.Table{Name: "transactions-table-dev", Status: "ACTIVE"}, Queues: []healthcheck.QueueDepth{},
		MoveTasks: []healthcheck.MoveTask{}, Redrive: []healthcheck.RedriveCandidate{},
	}
}

func TestHandleReturnsTheReportWhateverTheInput(t *testing.T) {
	inputs := map[string]string{
		"an empty object from the workflow":     `{}`,
		"a null input":                          `null`,
		"an EventBridge scheduled event":        `{"source":"aws.events","detail-type":"Scheduled Event","detail":{}}`,
		"an alarm state change event":           `{"source":"aws.cloudwatch","detail":{"state":{"value":"OK"}}}`,
		"a bare string from a hand-started run": `"check"`,
	}
	for name, in := range inputs {
		t.Run(name+" yields the report", func(t *testing.T) {
			c := &fixedChecker{report: unhealthyReport()}
			var logs bytes.Buffer
			h := &healthmonitor.Handler{Checker: c, Logger: slog.New(slog.NewJSONHandler(&logs, nil))}
			out, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), []byte(in))
			if err != nil {
				t.Fatalf("Invoke: %v", err)
			}
			var got map[string]any
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got["status"] != "unhealthy" || got["redriveNeeded"] != false || c.calls != 1 {
				t.Errorf("got %s after %d checks", out, c.calls)
			}
			if list, ok := got["redrive"].([]any); !ok || len(list) != 0 {
				t.Errorf("redrive = %#v, want []", got["redrive"])
			}
			if !strings.Contains(logs.String(), `"status":"unhealthy"`) {
				t.Errorf("verdict not logged: %s", logs.String())
			}
		})
	}
}
