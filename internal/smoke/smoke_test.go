package smoke

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// fakeAPI answers like the deployed API, with faults switched on by name.
type fakeAPI struct {
	faults map[string]bool
	// signedPaths records the paths of requests that carried a signature.
	signedPaths []string
}

func problem(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": http.StatusText(status), "status": status})
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	signed := strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDSMOKE/")
	if signed {
		f.signedPaths = append(f.signedPaths, r.Method+" "+r.URL.Path)
	}
	const id = "pay_aaaaaaaaaaaaaaaaaaaaaaaaab"
	switch {
	case r.URL.Path == "/prod/health":
		w.Write([]byte(`{"status":"healthy"}`))
	case !signed && !f.faults["unsigned accepted"]:
		problem(w, http.StatusForbidden)
	case r.Method == http.MethodPost:
		var b bytes.Buffer
		b.ReadFrom(r.Body)
		if strings.Contains(b.String(), "4242 4242") && !f.faults["card accepted"] {
			problem(w, http.StatusUnprocessableEntity)
			return
		}
		if r.Header.Get("Idempotency-Key") == "smoke-k" && len(f.signedPaths) > 2 && !f.faults["no replay header"] {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"` + id + `"}`))
	case r.URL.Path == "/prod/payments/"+id:
		w.Write([]byte(`{"id":"` + id + `"}`))
	default:
		problem(w, http.StatusNotFound)
	}
}

type fakePlatform struct {
	status string
	alarms []string
	err    error
}

func (p fakePlatform) LastRecovery(context.Context) (string, time.Time, error) {
	return p.status, time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC), p.err
}
func (p fakePlatform) AlarmsInAlarm(context.Context) ([]string, error) { return p.alarms, p.err }

func TestRunReportsEverySurpriseAndOnlyThose(t *testing.T) {
	for _, tc := range []struct {
		name      string
		faults    []string
		platform  fakePlatform
		surprises []string
	}{
		{"a healthy stack is green", nil, fakePlatform{status: "SUCCEEDED"}, nil},
		{"a recovery that has not run yet is green", nil, fakePlatform{}, nil},
		{"an unsigned request that is answered is a surprise", []string{"unsigned accepted"}, fakePlatform{status: "SUCCEEDED"}, []string{"GET /payments/{id} unsigned"}},
		{"a card number that is accepted is a surprise", []string{"card accepted"}, fakePlatform{status: "SUCCEEDED"}, []string{"POST /payments (card number)"}},
		{"a replay without its header is a surprise", []string{"no replay header"}, fakePlatform{status: "SUCCEEDED"}, []string{"POST /payments (replay)"}},
		{"a failed recovery is a surprise", nil, fakePlatform{status: "FAILED"}, []string{"recovery workflow, last execution"}},
		{"an alarm in ALARM is a surprise", nil, fakePlatform{status: "SUCCEEDED", alarms: []string{"dlq-depth-alarm-dev"}}, []string{"alarms in ALARM"}},
		{"an unreadable platform is a surprise", nil, fakePlatform{err: errors.New("AccessDenied")}, []string{"recovery workflow, last execution", "alarms in ALARM"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			api := &fakeAPI{faults: map[string]bool{}}
			for _, f := range tc.faults {
				api.faults[f] = true
			}
			srv := httptest.NewServer(api)
			defer srv.Close()
			rep := Run(context.Background(), Config{BaseURL: srv.URL + "/prod/", Region: "us-east-1", Key: "smoke-k",
				Credentials: credentials.NewStaticCredentialsProvider("AKIDSMOKE", "secret", ""), Platform: tc.platform})
			var got []string
			for _, c := range rep.Checks {
				if !c.OK {
					got = append(got, c.Name)
				}
			}
			if strings.Join(got, "|") != strings.Join(tc.surprises, "|") {
				t.Errorf("surprises = %q, want %q\n%+v", got, tc.surprises, rep.Checks)
			}
			if rep.Failed() != (len(tc.surprises) > 0) || len(rep.Checks) != 8 {
				t.Errorf("Failed() = %v with %d checks", rep.Failed(), len(rep.Checks))
			}
			var out bytes.Buffer
			if err := rep.WriteTable(&out); err != nil {
				t.Fatal(err)
			}
			verdict := "smoke: GREEN"
			if len(tc.surprises) > 0 {
				verdict = "smoke: RED"
			}
			if !strings.Contains(out.String(), verdict) || strings.Count(out.String(), "  SURPRISE\n") != len(tc.surprises) {
				t.Errorf("table:\n%s", out.String())
			}
			if strings.Contains(out.String(), "4242") {
				t.Errorf("the table repeats the card number:\n%s", out.String())
			}
		})
	}
}

func TestRunSignsEveryRequestButTheUnsignedCheckAndHealth(t *testing.T) {
	api := &fakeAPI{faults: map[string]bool{}}
	srv := httptest.NewServer(api)
	defer srv.Close()
	Run(context.Background(), Config{BaseURL: srv.URL + "/prod", Region: "us-east-1", Key: "smoke-k",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDSMOKE", "secret", "")})
	want := "GET /prod/health|POST /prod/payments|POST /prod/payments|GET /prod/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaab|POST /prod/payments"
	if got := strings.Join(api.signedPaths, "|"); got != want {
		t.Errorf("signed requests = %s\nwant %s", got, want)
	}
}

func TestRunWithoutCredentialsFails(t *testing.T) {
	srv := httptest.NewServer(&fakeAPI{faults: map[string]bool{}})
	defer srv.Close()
	if rep := Run(context.Background(), Config{BaseURL: srv.URL + "/prod", Region: "us-east-1"}); !rep.Failed() {
		t.Errorf("a walk without credentials passed: %+v", rep.Checks)
	}
}

// Recorded SDK responses: the shapes DescribeStacks, ListExecutions and
// DescribeAlarms return for a deployed stack (values from a deployment of
// this app, account id replaced).
type fakeCloudFormation struct {
	out *cloudformation.DescribeStacksOutput
	err error
	in  *cloudformation.DescribeStacksInput
}

func (f *fakeCloudFormation) DescribeStacks(_ context.Context, in *cloudformation.DescribeStacksInput, _ ...func(*cloudformation.Options)) (*cloudformation.DescribeStacksOutput, error) {
	f.in = in
	return f.out, f.err
}

type fakeSFN struct {
	out *sfn.ListExecutionsOutput
	in  *sfn.ListExecutionsInput
}

func (f *fakeSFN) ListExecutions(_ context.Context, in *sfn.ListExecutionsInput, _ ...func(*sfn.Options)) (*sfn.ListExecutionsOutput, error) {
	f.in = in
	return f.out, nil
}

type fakeCloudWatch struct {
	pages []*cloudwatch.DescribeAlarmsOutput
	ins   []cloudwatch.DescribeAlarmsInput
}

func (f *fakeCloudWatch) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.ins = append(f.ins, *in)
	return f.pages[len(f.ins)-1], nil
}

var (
	_ stackDescriber  = (*fakeCloudFormation)(nil)
	_ executionLister = (*fakeSFN)(nil)
	_ alarmDescriber  = (*fakeCloudWatch)(nil)
)

func TestReadStackOutputsFindsTheAPIURLAndTheRecoveryWorkflow(t *testing.T) {
	cf := &fakeCloudFormation{out: &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{{
		StackName: aws.String("payment-platform-dev"), StackStatus: cftypes.StackStatusUpdateComplete,
		Outputs: []cftypes.Output{
			{OutputKey: aws.String("PaymentsWorkflowArn"), OutputValue: aws.String("arn:aws:states:us-east-1:111122223333:stateMachine:payments-workflow-dev")},
			{OutputKey: aws.String("ApiUrl"), OutputValue: aws.String("https://abc123.execute-api.us-east-1.amazonaws.com/prod/")},
			{OutputKey: aws.String("RecoveryWorkflowArn"), OutputValue: aws.String("arn:aws:states:us-east-1:111122223333:stateMachine:recovery-workflow-dev")},
			{OutputKey: aws.String("DashboardName"), OutputValue: aws.String("payments-dashboard-dev")},
		}}}}}
	out, err := ReadStackOutputs(context.Background(), cf, "payment-platform-dev")
	if err != nil {
		t.Fatal(err)
	}
	if out.APIURL != "https://abc123.execute-api.us-east-1.amazonaws.com/prod/" || !strings.HasSuffix(out.RecoveryWorkflowArn, ":recovery-workflow-dev") {
		t.Errorf("outputs = %+v", out)
	}
	if aws.ToString(cf.in.StackName) != "payment-platform-dev" {
		t.Errorf("asked for stack %q", aws.ToString(cf.in.StackName))
	}
}

func TestReadStackOutputsFailsWithoutTheStackOrItsURL(t *testing.T) {
	for name, cf := range map[string]*fakeCloudFormation{
		"the stack does not exist": {err: errors.New("ValidationError: Stack with id payment-platform-dev does not exist")},
		"no stack returned":        {out: &cloudformation.DescribeStacksOutput{}},
		"no ApiUrl output":         {out: &cloudformation.DescribeStacksOutput{Stacks: []cftypes.Stack{{StackStatus: cftypes.StackStatusCreateInProgress}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadStackOutputs(context.Background(), cf, "payment-platform-dev"); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestAWSPlatformReadsTheNewestRecoveryExecution(t *testing.T) {
	start := time.Date(2026, 12, 8, 0, 55, 0, 0, time.UTC)
	s := &fakeSFN{out: &sfn.ListExecutionsOutput{Executions: []sfntypes.ExecutionListItem{{
		Name: aws.String("e1"), Status: sfntypes.ExecutionStatusSucceeded, StartDate: aws.Time(start),
		StateMachineArn: aws.String("arn:aws:states:us-east-1:111122223333:stateMachine:recovery-workflow-dev")}}}}
	p := AWSPlatform{SFN: s, RecoveryWorkflowArn: "arn:aws:states:us-east-1:111122223333:stateMachine:recovery-workflow-dev", Suffix: "dev"}
	status, started, err := p.LastRecovery(context.Background())
	if err != nil || status != "SUCCEEDED" || !started.Equal(start) {
		t.Errorf("LastRecovery = %q, %v, %v", status, started, err)
	}
	if s.in.MaxResults != 1 || aws.ToString(s.in.StateMachineArn) != p.RecoveryWorkflowArn {
		t.Errorf("ListExecutions input = %+v", s.in)
	}
	s.out = &sfn.ListExecutionsOutput{}
	if status, _, err := p.LastRecovery(context.Background()); status != "" || err != nil {
		t.Errorf("no executions: %q, %v", status, err)
	}
}

func TestAWSPlatformListsOnlyThisStacksAlarmsInAlarmAcrossPages(t *testing.T) {
	cw := &fakeCloudWatch{pages: []*cloudwatch.DescribeAlarmsOutput{
		{MetricAlarms: []cwtypes.MetricAlarm{{AlarmName: aws.String("dlq-depth-alarm-dev"), StateValue: cwtypes.StateValueAlarm},
			{AlarmName: aws.String("dlq-depth-alarm-prod"), StateValue: cwtypes.StateValueAlarm}},
			NextToken: aws.String("t1")},
		{CompositeAlarms: []cwtypes.CompositeAlarm{{AlarmName: aws.String("platform-unhealthy-alarm-dev"), StateValue: cwtypes.StateValueAlarm}},
			MetricAlarms: []cwtypes.MetricAlarm{{AlarmName: aws.String("someone-elses-alarm"), StateValue: cwtypes.StateValueAlarm}}},
	}}
	got, err := AWSPlatform{CloudWatch: cw, Suffix: "dev"}.AlarmsInAlarm(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "dlq-depth-alarm-dev,platform-unhealthy-alarm-dev" {
		t.Errorf("alarms = %v", got)
	}
	if len(cw.ins) != 2 || cw.ins[0].StateValue != cwtypes.StateValueAlarm || aws.ToString(cw.ins[1].NextToken) != "t1" {
		t.Errorf("DescribeAlarms inputs = %+v", cw.ins)
	}
}
