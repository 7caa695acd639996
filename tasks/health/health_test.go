package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

type fixedChecker struct {
	report healthcheck.Report
	calls  int
}

var _ health.Checker = (*fixedChecker)(nil)

func (f *fixedChecker) Check(context.Context) healthcheck.Report {
	f.calls++
	return f.report
}

func report(s healthcheck.Status, reasons ...string) healthcheck.Report {
	return healthcheck.Report{Status: s, Reasons: append([]string{}, reasons...), Notes: []string{},
		AlarmsInAlarm: []string{}, NonBlockingAlarmsInAlarm: []string{}, AlarmsInsufficientData: []string{},
		Table: healthcheck.Table{Name: "transactions-table-dev", Status: "ACTIVE"}, Queues: []healthcheck.QueueDepth{},
		MoveTasks: []healthcheck.MoveTask{}, Redrive: []healthcheck.RedriveCandidate{}}
}

func get() events.APIGatewayProxyRequest {
	return events.APIGatewayProxyRequest{HTTPMethod: http.MethodGet, Path: "/health", Resource: health.PublicResource}
}

// getReport is GET /health/report as API Gateway passes it after checking
// the caller's SigV4 signature.
func getReport() events.APIGatewayProxyRequest {
	req := events.APIGatewayProxyRequest{HTTPMethod: http.MethodGet, Path: "/health/report", Resource: health.ReportResource}
	req.RequestContext.Identity.UserArn = "arn:aws:iam::123456789012:role/operator"
	return req
}

// TestThePublicHealthSaysOnlyItsStatus: GET /health, unsigned, answers the
// status and the HTTP status monitors read, and nothing else: no resource
// name, queue depth, count or alarm name (issue 22).
func TestThePublicHealthSaysOnlyItsStatus(t *testing.T) {
	r := report(healthcheck.Unhealthy, "alarm payments-api-5xx-dev is in ALARM", "table transactions-table-dev could not be described")
	r.AlarmsInAlarm = []string{"payments-api-5xx-dev"}
	r.Queues = []healthcheck.QueueDepth{{Name: "failed-payments-queue-dev", Visible: 7}}
	r.MoveTasks = []healthcheck.MoveTask{{SourceARN: "arn:aws:sqs:us-east-1:123456789012:dlq-dev", Status: "RUNNING", Moved: 3}}
	for _, method := range []string{http.MethodGet, ""} {
		// GIVEN an unhealthy platform WHEN anyone asks GET /health
		resp, err := (&health.Handler{Checker: &fixedChecker{report: r}}).Handle(context.Background(),
			events.APIGatewayProxyRequest{HTTPMethod: method, Path: "/health", Resource: health.PublicResource})
		if err != nil {
			t.Fatal(err)
		}
		// THEN the answer is 503 with {"status":"unhealthy"} alone
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("status code = %d, want 503", resp.StatusCode)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
			t.Fatalf("body %q: %v", resp.Body, err)
		}
		if len(got) != 1 || got["status"] != "unhealthy" {
			t.Errorf(`body = %s, want {"status":"unhealthy"} and nothing else`, resp.Body)
		}
		for _, leak := range []string{"payments-api-5xx-dev", "transactions-table-dev", "failed-payments-queue-dev", "dlq-dev", "7", "3"} {
			if strings.Contains(resp.Body, leak) {
				t.Errorf("the public answer reveals %q: %s", leak, resp.Body)
			}
		}
	}
}

func TestTheReportNeedsAnAuthenticatedCaller(t *testing.T) {
	c := &fixedChecker{report: report(healthcheck.Healthy)}
	req := getReport()
	req.RequestContext.Identity.UserArn = ""
	resp, err := (&health.Handler{Checker: c}).Handle(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden || strings.Contains(resp.Body, "transactions-table-dev") || c.calls != 0 {
		t.Errorf("an unauthenticated report request answered %d %s after %d checks", resp.StatusCode, resp.Body, c.calls)
	}
}

func TestEachCheckLogsTheFullReport(t *testing.T) {
	var buf strings.Builder
	r := report(healthcheck.Unhealthy, "alarm payments-api-5xx-dev is in ALARM")
	r.AlarmsInAlarm = []string{"payments-api-5xx-dev"}
	h := &health.Handler{Checker: &fixedChecker{report: r}, Logger: slog.New(slog.NewJSONHandler(&buf, nil))}
	if _, err := h.Handle(context.Background(), get()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"alarmsInAlarm":["payments-api-5xx-dev"]`) || !strings.Contains(buf.String(), "transactions-table-dev") {
		t.Errorf("the log lacks the report: %s", buf.String())
	}
}

func TestHandle(t *testing.T) {
	tests := []struct {
		name       string
		report     healthcheck.Report
		wantStatus int
	}{
		{"a healthy report is served with 200", report(healthcheck.Healthy), http.StatusOK},
		{"a degraded report is served with 200", report(healthcheck.Degraded, "queue q could not be read"), http.StatusOK},
		{"an unhealthy report is served with 503", report(healthcheck.Unhealthy, "alarm a is in ALARM"), http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &health.Handler{Checker: &fixedChecker{report: tt.report}}
			resp, err := h.Handle(context.Background(), getReport())
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status code = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if resp.Headers["Content-Type"] != "application/json" || resp.Headers["Cache-Control"] != "no-store" {
				t.Errorf("headers = %v", resp.Headers)
			}
			var got healthcheck.Report
			if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
				t.Fatalf("body %q: %v", resp.Body, err)
			}
			if got.Status != tt.report.Status || len(got.Reasons) != len(tt.report.Reasons) || got.Table != tt.report.Table {
				t.Errorf("body = %+v, want %+v", got, tt.report)
			}
		})
	}
}

func TestHandleRefusesOtherMethods(t *testing.T) {
	c := &fixedChecker{report: report(healthcheck.Healthy)}
	h := &health.Handler{Checker: c}
	resp, _ := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: http.MethodPost})
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Headers["Content-Type"] != "application/problem+json" || c.calls != 0 {
		t.Errorf("POST answered %d %v after %d checks", resp.StatusCode, resp.Headers, c.calls)
	}
}

func TestHandleHeadHasStatusButNoBody(t *testing.T) {
	h := &health.Handler{Checker: &fixedChecker{report: report(healthcheck.Unhealthy)}}
	resp, _ := h.Handle(context.Background(), events.APIGatewayProxyRequest{HTTPMethod: http.MethodHead})
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Body != "" {
		t.Errorf("HEAD answered %d with body %q", resp.StatusCode, resp.Body)
	}
}

func TestHandleReusesAReportForMaxAge(t *testing.T) {
	now := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	c := &fixedChecker{report: report(healthcheck.Healthy)}
	h := &health.Handler{Checker: c, MaxAge: 5 * time.Second, Now: func() time.Time { return now }}
	for _, step := range []struct {
		advance   time.Duration
		wantCalls int
	}{{0, 1}, {4 * time.Second, 1}, {2 * time.Second, 2}, {time.Second, 2}} {
		now = now.Add(step.advance)
		if _, err := h.Handle(context.Background(), get()); err != nil {
			t.Fatal(err)
		}
		if c.calls != step.wantCalls {
			t.Errorf("after +%v: %d checks, want %d", step.advance, c.calls, step.wantCalls)
		}
	}
}

// failing fails every AWS call with an error whose text must not reach a client.
type failing struct{}

var errSecret = errors.New("operation error DynamoDB: DescribeTable, https response error StatusCode: 400, RequestID: 42, AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/x")

func (failing) DescribeAlarms(context.Context, *cloudwatch.DescribeAlarmsInput, ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	return nil, errSecret
}
func (failing) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return nil, errSecret
}
func (failing) GetQueueAttributes(context.Context, *sqs.GetQueueAttributesInput, ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return nil, errSecret
}
func (failing) ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	return nil, errSecret
}

func TestHandleNeverLeaksSDKErrors(t *testing.T) {
	// GIVEN a checker whose every AWS call fails with a revealing error
	h := &health.Handler{Checker: &healthcheck.Checker{Alarms: failing{}, Tables: failing{}, Queues: failing{}, MoveTasks: failing{},
		Config: healthcheck.Config{AlarmNamePrefix: "app-", TableName: "transactions-table-dev", QueueURLs: []string{"http://q/0/a"}, RedriveRate: 1}}}
	// WHEN the report is requested
	resp, err := h.Handle(context.Background(), getReport())
	if err != nil {
		t.Fatal(err)
	}
	// THEN it answers 503 with our own reasons and none of the SDK's text
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("status code = %d, want 503", resp.StatusCode)
	}
	for _, leak := range []string{"AccessDenied", "arn:aws:sts", "RequestID", "operation error"} {
		if strings.Contains(resp.Body, leak) {
			t.Errorf("body leaks %q: %s", leak, resp.Body)
		}
	}
	if !strings.Contains(resp.Body, "table transactions-table-dev could not be described") {
		t.Errorf("body lacks the table reason: %s", resp.Body)
	}
}

func TestTheReportCarriesNoURLOrARN(t *testing.T) {
	r := healthcheck.Report{Status: healthcheck.Healthy,
		Queues:    []healthcheck.QueueDepth{{Name: "q-dev", URL: "https://sqs.us-east-1.amazonaws.com/123456789012/q-dev", ARN: "arn:aws:sqs:us-east-1:123456789012:q-dev", SourceQueueARN: "arn:aws:sqs:us-east-1:123456789012:src-dev"}},
		MoveTasks: []healthcheck.MoveTask{{SourceARN: "arn:aws:sqs:us-east-1:123456789012:dlq-dev", DestinationARN: "arn:aws:sqs:us-east-1:123456789012:src-dev"}},
		Redrive:   []healthcheck.RedriveCandidate{{DLQARN: "arn:aws:sqs:us-east-1:123456789012:dlq-dev", DLQName: "dlq-dev", Messages: 2}},
	}
	h := &health.Handler{Checker: &fixedChecker{report: r}}
	resp, err := h.Handle(context.Background(), getReport())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(resp.Body, "123456789012") || strings.Contains(resp.Body, "https://") {
		t.Errorf("the public report leaks an account id or URL: %s", resp.Body)
	}
	if !strings.Contains(resp.Body, `"sourceQueueArn":"src-dev"`) || !strings.Contains(resp.Body, `"dlqName":"dlq-dev"`) {
		t.Errorf("the public report lost the names: %s", resp.Body)
	}
}
