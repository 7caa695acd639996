package healthcheck_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

// sdkSecret is the text of every fake SDK error; no report may contain it.
const sdkSecret = "operation error: AccessDenied arn:aws:iam::123456789012:role/secret"

var errSDK = errors.New(sdkSecret)

// alarm is one alarm in a fake DescribeAlarms page.
type alarm struct {
	name      string
	state     cwtypes.StateValue
	composite bool
}

// alarmPage is one page of the fake prefix query.
type alarmPage struct {
	alarms []alarm
	err    error
}

// fakeAlarms serves prefix queries page by page (token "page-N" leads to
// page N) and name queries from named.
type fakeAlarms struct {
	pages         []alarmPage
	named         map[string]cwtypes.StateValue
	namedErr      error
	repeatToken   bool
	calls         int
	sawAlarmTypes bool
	sawComposite  bool
}

var _ healthcheck.AlarmReader = (*fakeAlarms)(nil)

func (f *fakeAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	f.calls++
	f.sawAlarmTypes = slices.Contains(in.AlarmTypes, cwtypes.AlarmTypeMetricAlarm)
	f.sawComposite = slices.Contains(in.AlarmTypes, cwtypes.AlarmTypeCompositeAlarm)
	if in.AlarmNamePrefix != nil && len(in.AlarmNames) > 0 {
		return nil, errors.New("prefix and names are mutually exclusive")
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	add := func(a alarm) {
		if a.composite {
			if !slices.Contains(in.AlarmTypes, cwtypes.AlarmTypeCompositeAlarm) {
				return // CloudWatch returns metric alarms only unless asked
			}
			out.CompositeAlarms = append(out.CompositeAlarms, cwtypes.CompositeAlarm{AlarmName: aws.String(a.name), StateValue: a.state})
		} else {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(a.name), StateValue: a.state})
		}
	}
	if len(in.AlarmNames) > 0 {
		if len(in.AlarmNames) > 100 {
			return nil, errors.New("too many names")
		}
		if f.namedErr != nil {
			return nil, f.namedErr
		}
		for _, n := range in.AlarmNames {
			if s, ok := f.named[n]; ok {
				add(alarm{name: n, state: s})
			}
		}
		return out, nil
	}
	page := 0
	if in.NextToken != nil {
		if _, err := fmt.Sscanf(*in.NextToken, "page-%d", &page); err != nil {
			return nil, err
		}
	}
	if page >= len(f.pages) {
		return out, nil
	}
	p := f.pages[page]
	if p.err != nil {
		return nil, p.err
	}
	for _, a := range p.alarms {
		if strings.HasPrefix(a.name, aws.ToString(in.AlarmNamePrefix)) {
			add(a)
		}
	}
	switch {
	case f.repeatToken:
		out.NextToken = aws.String("page-0")
	case page+1 < len(f.pages):
		out.NextToken = aws.String(fmt.Sprintf("page-%d", page+1))
	}
	return out, nil
}

type fakeTable struct {
	status ddbtypes.TableStatus
	err    error
}

var _ healthcheck.TableReader = fakeTable{}

func (f fakeTable) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &dynamodb.DescribeTableOutput{Table: &ddbtypes.TableDescription{TableName: in.TableName, TableStatus: f.status}}, nil
}

// fakeQueues serves GetQueueAttributes from attrs, failing for URLs in errs.
type fakeQueues struct {
	attrs map[string]map[string]string
	errs  map[string]error
}

var _ healthcheck.QueueReader = fakeQueues{}

func (f fakeQueues) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	u := aws.ToString(in.QueueUrl)
	if err := f.errs[u]; err != nil {
		return nil, err
	}
	a, ok := f.attrs[u]
	if !ok {
		return nil, errors.New("AWS.SimpleQueueService.NonExistentQueue")
	}
	return &sqs.GetQueueAttributesOutput{Attributes: a}, nil
}

// fakeMoves serves ListMessageMoveTasks by source ARN.
type fakeMoves struct {
	tasks map[string][]sqstypes.ListMessageMoveTasksResultEntry
	errs  map[string]error
}

var _ healthcheck.MoveTaskLister = fakeMoves{}

func (f fakeMoves) ListMessageMoveTasks(_ context.Context, in *sqs.ListMessageMoveTasksInput, _ ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	arn := aws.ToString(in.SourceArn)
	if err := f.errs[arn]; err != nil {
		return nil, err
	}
	return &sqs.ListMessageMoveTasksOutput{Results: f.tasks[arn]}, nil
}

const (
	srcURL = "http://sqs.local:9324/000000000000/failed-transactions-queue-dev"
	dlqURL = "http://sqs.local:9324/000000000000/failed-transactions-dlq-dev"
	srcARN = "arn:aws:sqs:us-east-1:000000000000:failed-transactions-queue-dev"
	dlqARN = "arn:aws:sqs:us-east-1:000000000000:failed-transactions-dlq-dev"
)

func queueAttrs(arn string, visible int, redriveTo string) map[string]string {
	a := map[string]string{
		"QueueArn":                              arn,
		"ApproximateNumberOfMessages":           fmt.Sprint(visible),
		"ApproximateNumberOfMessagesNotVisible": "1",
		"ApproximateNumberOfMessagesDelayed":    "0",
	}
	if redriveTo != "" {
		a["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"5"}`, redriveTo)
	}
	return a
}

// fixture is the world one test case sees: a healthy app with two pages
// of alarms, an ACTIVE table and a source queue whose DLQ holds dlqDepth
// messages. Cases change it through their arrange function.
type fixture struct {
	alarms *fakeAlarms
	table  fakeTable
	queues fakeQueues
	moves  fakeMoves
	config healthcheck.Config
}

func newFixture(dlqDepth int) *fixture {
	return &fixture{
		alarms: &fakeAlarms{pages: []alarmPage{
			{alarms: []alarm{{name: "app-api-5xx-dev", state: cwtypes.StateValueOk}, {name: "app-api-latency-dev", state: cwtypes.StateValueOk}}},
			{alarms: []alarm{{name: "app-persist-errors-dev", state: cwtypes.StateValueOk}, {name: "app-recovery-dev", state: cwtypes.StateValueOk, composite: true}}},
		}},
		table: fakeTable{status: ddbtypes.TableStatusActive},
		queues: fakeQueues{attrs: map[string]map[string]string{
			srcURL: queueAttrs(srcARN, 0, dlqARN),
			dlqURL: queueAttrs(dlqARN, dlqDepth, ""),
		}, errs: map[string]error{}},
		moves: fakeMoves{tasks: map[string][]sqstypes.ListMessageMoveTasksResultEntry{}, errs: map[string]error{}},
		config: healthcheck.Config{
			AlarmNamePrefix: "app-",
			TableName:       "transactions-table-dev",
			QueueURLs:       []string{srcURL, dlqURL},
			RedriveRate:     7,
		},
	}
}

var checkedAt = time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)

func (f *fixture) check(t testing.TB) healthcheck.Report {
	t.Helper()
	c := &healthcheck.Checker{Alarms: f.alarms, Tables: f.table, Queues: f.queues, MoveTasks: f.moves, Config: f.config,
		Now: func() time.Time { return checkedAt }}
	return c.Check(context.Background())
}

func setState(f *fixture, name string, s cwtypes.StateValue) {
	for i := range f.alarms.pages {
		for j := range f.alarms.pages[i].alarms {
			if f.alarms.pages[i].alarms[j].name == name {
				f.alarms.pages[i].alarms[j].state = s
			}
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		dlqDepth int
		arrange  func(f *fixture)
		// want
		status        healthcheck.Status
		inAlarm       []string
		redrive       bool
		reason        string // a substring of some reason ("" for none expected)
		note          string // a substring of some note
		alarmPagesMin int
	}{
		{
			name:   "everything OK and the DLQ empty is healthy with nothing to redrive",
			status: healthcheck.Healthy, alarmPagesMin: 2,
		},
		{
			name: "a non-empty DLQ on a healthy app is a redrive candidate", dlqDepth: 3,
			status: healthcheck.Healthy, redrive: true,
		},
		{
			name: "an alarm in ALARM on the second page makes it unhealthy and blocks redrive", dlqDepth: 3,
			arrange: func(f *fixture) { setState(f, "app-persist-errors-dev", cwtypes.StateValueAlarm) },
			status:  healthcheck.Unhealthy, inAlarm: []string{"app-persist-errors-dev"}, reason: "alarm app-persist-errors-dev is in ALARM",
			note: "redrive deferred while unhealthy", alarmPagesMin: 2,
		},
		{
			name: "a composite alarm in ALARM makes it unhealthy when composite alarms are included",
			arrange: func(f *fixture) {
				setState(f, "app-recovery-dev", cwtypes.StateValueAlarm)
				f.config.IncludeCompositeAlarms = true
			},
			status: healthcheck.Unhealthy, inAlarm: []string{"app-recovery-dev"},
		},
		{
			name:    "composite alarms are not asked for by default",
			arrange: func(f *fixture) { setState(f, "app-recovery-dev", cwtypes.StateValueAlarm) },
			status:  healthcheck.Healthy,
		},
		{
			name: "a failure reading the second page of alarms is degraded and blocks redrive", dlqDepth: 3,
			arrange: func(f *fixture) { f.alarms.pages[1].err = errSDK },
			status:  healthcheck.Degraded, reason: "alarm states could not be read completely (2 read)",
		},
		{
			name: "a failure on page two after an ALARM on page one is still unhealthy", dlqDepth: 3,
			arrange: func(f *fixture) {
				setState(f, "app-api-5xx-dev", cwtypes.StateValueAlarm)
				f.alarms.pages[1].err = errSDK
			},
			status: healthcheck.Unhealthy, inAlarm: []string{"app-api-5xx-dev"}, reason: "alarm states could not be read completely",
		},
		{
			name: "a page token that repeats ends pagination as degraded", dlqDepth: 3,
			arrange: func(f *fixture) { f.alarms.repeatToken = true },
			status:  healthcheck.Degraded, reason: "alarm states could not be read completely",
		},
		{
			name: "an alarm with insufficient data is noted but still healthy and redrives", dlqDepth: 2,
			arrange: func(f *fixture) { setState(f, "app-api-latency-dev", cwtypes.StateValueInsufficientData) },
			status:  healthcheck.Healthy, redrive: true, note: "alarm app-api-latency-dev has insufficient data",
		},
		{
			name: "a non-blocking alarm in ALARM (DLQ depth) does not block its own redrive", dlqDepth: 2,
			arrange: func(f *fixture) {
				f.alarms.pages[1].alarms = append(f.alarms.pages[1].alarms, alarm{name: "app-dlq-depth-dev", state: cwtypes.StateValueAlarm})
				f.config.NonBlockingAlarmNames = []string{"app-dlq-depth-dev"}
			},
			status: healthcheck.Healthy, redrive: true, note: "alarm app-dlq-depth-dev is in ALARM (non-blocking)",
		},
		{
			name: "alarms selected by name are read and a missing one is degraded",
			arrange: func(f *fixture) {
				f.config.AlarmNamePrefix = ""
				f.config.AlarmNames = []string{"app-api-5xx-dev", "app-gone-dev"}
				f.alarms.named = map[string]cwtypes.StateValue{"app-api-5xx-dev": cwtypes.StateValueOk}
			},
			status: healthcheck.Degraded, reason: "alarm app-gone-dev was not found",
		},
		{
			name: "alarms selected by name in ALARM make it unhealthy",
			arrange: func(f *fixture) {
				f.config.AlarmNamePrefix = ""
				f.config.AlarmNames = []string{"app-api-5xx-dev"}
				f.alarms.named = map[string]cwtypes.StateValue{"app-api-5xx-dev": cwtypes.StateValueAlarm}
			},
			status: healthcheck.Unhealthy, inAlarm: []string{"app-api-5xx-dev"},
		},
		{
			name: "more than 100 alarm names are asked for in chunks",
			arrange: func(f *fixture) {
				f.config.AlarmNamePrefix = ""
				f.alarms.named = map[string]cwtypes.StateValue{}
				for i := range 150 {
					n := fmt.Sprintf("app-alarm-%03d", i)
					f.config.AlarmNames = append(f.config.AlarmNames, n)
					f.alarms.named[n] = cwtypes.StateValueOk
				}
				f.alarms.named["app-alarm-149"] = cwtypes.StateValueAlarm
			},
			status: healthcheck.Unhealthy, inAlarm: []string{"app-alarm-149"}, alarmPagesMin: 2,
		},
		{
			name: "a prefix that matches no alarm is degraded, not healthy", dlqDepth: 1,
			arrange: func(f *fixture) { f.config.AlarmNamePrefix = "other-" },
			status:  healthcheck.Degraded, reason: "no alarm matches the prefix other-",
		},
		{
			name: "a table that is UPDATING is degraded", dlqDepth: 1,
			arrange: func(f *fixture) { f.table.status = ddbtypes.TableStatusUpdating },
			status:  healthcheck.Degraded, reason: "is UPDATING",
		},
		{
			name:    "a table that is not ACTIVE is unhealthy",
			arrange: func(f *fixture) { f.table.status = ddbtypes.TableStatusInaccessibleEncryptionCredentials },
			status:  healthcheck.Unhealthy, reason: "is INACCESSIBLE_ENCRYPTION_CREDENTIALS, not ACTIVE",
		},
		{
			name: "a table that cannot be described is unhealthy", dlqDepth: 1,
			arrange: func(f *fixture) { f.table.err = errSDK },
			status:  healthcheck.Unhealthy, reason: "table transactions-table-dev could not be described",
		},
		{
			name: "a source queue that cannot be read is degraded and its DLQ is not redriven", dlqDepth: 4,
			arrange: func(f *fixture) { f.queues.errs[srcURL] = errSDK },
			status:  healthcheck.Degraded, reason: "queue failed-transactions-queue-dev could not be read",
		},
		{
			name:    "a DLQ that cannot be read is degraded",
			arrange: func(f *fixture) { f.queues.errs[dlqURL] = errSDK },
			status:  healthcheck.Degraded, reason: "queue failed-transactions-dlq-dev could not be read",
		},
		{
			name: "a malformed redrive policy is degraded", dlqDepth: 4,
			arrange: func(f *fixture) { f.queues.attrs[srcURL]["RedrivePolicy"] = "{not json" },
			status:  healthcheck.Degraded, reason: "unusable attributes: RedrivePolicy",
		},
		{
			name: "a non-numeric depth is degraded", dlqDepth: 4,
			arrange: func(f *fixture) { f.queues.attrs[dlqURL]["ApproximateNumberOfMessages"] = "lots" },
			status:  healthcheck.Degraded, reason: "unusable attributes: ApproximateNumberOfMessages",
		},
		{
			name: "a running move task on the DLQ means no second redrive", dlqDepth: 5,
			arrange: func(f *fixture) {
				f.moves.tasks[dlqARN] = []sqstypes.ListMessageMoveTasksResultEntry{{SourceArn: aws.String(dlqARN), DestinationArn: aws.String(srcARN), Status: aws.String("RUNNING"), ApproximateNumberOfMessagesMoved: 2, ApproximateNumberOfMessagesToMove: aws.Int64(7)}}
			},
			status: healthcheck.Healthy, note: "already running on queue failed-transactions-dlq-dev",
		},
		{
			name: "a completed move task does not stop a new redrive", dlqDepth: 5,
			arrange: func(f *fixture) {
				f.moves.tasks[dlqARN] = []sqstypes.ListMessageMoveTasksResultEntry{{SourceArn: aws.String(dlqARN), Status: aws.String("COMPLETED"), ApproximateNumberOfMessagesMoved: 7, StartedTimestamp: 1_700_000_000_000}}
			},
			status: healthcheck.Healthy, redrive: true,
		},
		{
			name: "move tasks that cannot be listed are degraded and block redrive", dlqDepth: 5,
			arrange: func(f *fixture) { f.moves.errs[dlqARN] = errSDK },
			status:  healthcheck.Degraded, reason: "move tasks of queue failed-transactions-dlq-dev could not be listed",
		},
		{
			name: "a DLQ shared by two sources is noted and not redriven", dlqDepth: 5,
			arrange: func(f *fixture) {
				other := "http://sqs.local:9324/000000000000/other-queue-dev"
				f.queues.attrs[other] = queueAttrs("arn:aws:sqs:us-east-1:000000000000:other-queue-dev", 0, dlqARN)
				f.config.QueueURLs = append(f.config.QueueURLs, other)
			},
			status: healthcheck.Healthy, note: "dead-letter queue of 2 queues",
		},
		{
			name:    "a DLQ that is not watched is noted",
			arrange: func(f *fixture) { f.config.QueueURLs = []string{srcURL} },
			status:  healthcheck.Healthy, note: "dead-letter queue failed-transactions-dlq-dev is not in QUEUE_URLS",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(tt.dlqDepth)
			if tt.arrange != nil {
				tt.arrange(f)
			}
			r := f.check(t)

			if r.Status != tt.status {
				t.Errorf("status = %s, want %s (reasons %q)", r.Status, tt.status, r.Reasons)
			}
			if want := tt.inAlarm; !slices.Equal(r.AlarmsInAlarm, append([]string{}, want...)) {
				t.Errorf("alarmsInAlarm = %q, want %q", r.AlarmsInAlarm, want)
			}
			if r.RedriveNeeded != tt.redrive || r.RedriveNeeded != (len(r.Redrive) > 0) {
				t.Errorf("redriveNeeded = %v with %d candidates, want %v", r.RedriveNeeded, len(r.Redrive), tt.redrive)
			}
			if r.RedriveNeeded && r.Status != healthcheck.Healthy {
				t.Errorf("redrive planned on a %s report", r.Status)
			}
			if tt.redrive {
				want := healthcheck.RedriveCandidate{DLQARN: dlqARN, DLQURL: dlqURL, DLQName: "failed-transactions-dlq-dev",
					SourceARN: srcARN, SourceURL: srcURL, SourceName: "failed-transactions-queue-dev",
					Messages: int64(tt.dlqDepth), MaxNumberOfMessagesPerSecond: 7}
				if len(r.Redrive) != 1 || r.Redrive[0] != want {
					t.Errorf("redrive = %+v, want [%+v]", r.Redrive, want)
				}
			}
			if tt.reason != "" && !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, tt.reason) }) {
				t.Errorf("reasons %q lack %q", r.Reasons, tt.reason)
			}
			if tt.reason == "" && tt.status == healthcheck.Healthy && len(r.Reasons) != 0 {
				t.Errorf("healthy report has reasons %q", r.Reasons)
			}
			if tt.note != "" && !slices.ContainsFunc(r.Notes, func(s string) bool { return strings.Contains(s, tt.note) }) {
				t.Errorf("notes %q lack %q", r.Notes, tt.note)
			}
			if f.alarms.calls < tt.alarmPagesMin {
				t.Errorf("DescribeAlarms called %d times, want at least %d", f.alarms.calls, tt.alarmPagesMin)
			}
			if !f.alarms.sawAlarmTypes {
				t.Error("DescribeAlarms did not ask for metric alarms")
			}
			if f.alarms.sawComposite != f.config.IncludeCompositeAlarms {
				t.Errorf("DescribeAlarms asked for composite alarms: %v, configured: %v", f.alarms.sawComposite, f.config.IncludeCompositeAlarms)
			}
			body, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(body), sdkSecret) || strings.Contains(string(body), "NonExistentQueue") {
				t.Errorf("report leaks an SDK error: %s", body)
			}
			if !r.CheckedAt.Equal(checkedAt) {
				t.Errorf("checkedAt = %v, want %v", r.CheckedAt, checkedAt)
			}
		})
	}
}

func TestCheckReportsWhatItCouldReadWhenOneQueueFails(t *testing.T) {
	// GIVEN a source queue that cannot be read and a DLQ holding 4 messages
	f := newFixture(4)
	f.queues.errs[srcURL] = errSDK
	// WHEN the health is checked
	r := f.check(t)
	// THEN the DLQ's depth is still reported and the failed queue is marked unreadable
	if len(r.Queues) != 2 {
		t.Fatalf("queues = %+v, want 2", r.Queues)
	}
	src, dlq := r.Queues[0], r.Queues[1]
	if src.Readable || src.Name != "failed-transactions-queue-dev" || src.ARN != "" {
		t.Errorf("failed source queue reported as %+v", src)
	}
	if !dlq.Readable || dlq.Visible != 4 || dlq.InFlight != 1 || dlq.ARN != dlqARN {
		t.Errorf("DLQ reported as %+v", dlq)
	}
}

func TestCheckPairsDLQWithItsSourceFromTheRedrivePolicy(t *testing.T) {
	r := newFixture(0).check(t)
	want := []healthcheck.QueueDepth{
		{Name: "failed-transactions-queue-dev", URL: srcURL, ARN: srcARN, InFlight: 1, DeadLetterTargetARN: dlqARN, Readable: true},
		{Name: "failed-transactions-dlq-dev", URL: dlqURL, ARN: dlqARN, InFlight: 1, IsDLQ: true, SourceQueueARN: srcARN, Readable: true},
	}
	if !slices.Equal(r.Queues, want) {
		t.Errorf("queues = %+v\nwant %+v", r.Queues, want)
	}
}

func TestCheckReportsMoveTasks(t *testing.T) {
	f := newFixture(0)
	f.moves.tasks[dlqARN] = []sqstypes.ListMessageMoveTasksResultEntry{{
		SourceArn: aws.String(dlqARN), DestinationArn: aws.String(srcARN), Status: aws.String("COMPLETED"),
		ApproximateNumberOfMessagesMoved: 3, ApproximateNumberOfMessagesToMove: aws.Int64(3), StartedTimestamp: 1_764_100_800_000,
	}}
	r := f.check(t)
	want := []healthcheck.MoveTask{{SourceARN: dlqARN, DestinationARN: srcARN, Status: "COMPLETED", Moved: 3, ToMove: 3,
		StartedAt: time.UnixMilli(1_764_100_800_000).UTC()}}
	if !slices.Equal(r.MoveTasks, want) {
		t.Errorf("moveTasks = %+v, want %+v", r.MoveTasks, want)
	}
}

func BenchmarkCheck(b *testing.B) {
	f := newFixture(3)
	b.ReportAllocs()
	for b.Loop() {
		_ = f.check(b)
	}
}

// slowTable answers DescribeTable only when ctx ends, like a hung endpoint.
type slowTable struct{}

func (slowTable) DescribeTable(ctx context.Context, _ *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestCheckReturnsWithinItsBudgetWhenAServiceHangs(t *testing.T) {
	// GIVEN a table endpoint that never answers and a check budget
	f := newFixture(2)
	c := &healthcheck.Checker{Alarms: f.alarms, Tables: slowTable{}, Queues: f.queues, MoveTasks: f.moves, Config: f.config,
		Budget: 20 * time.Millisecond}
	// WHEN health is checked
	r := c.Check(context.Background())
	// THEN the report comes back unhealthy for the table, with the rest still read, in a stable order
	if r.Status != healthcheck.Unhealthy || r.Table.Status != "UNKNOWN" || len(r.Queues) != 2 || !r.Queues[1].Readable {
		t.Errorf("report = %+v", r)
	}
	if len(r.Reasons) != 1 || !strings.Contains(r.Reasons[0], "could not be described") {
		t.Errorf("reasons = %q", r.Reasons)
	}
}

func TestCheckOrdersReasonsAlarmsTableQueues(t *testing.T) {
	f := newFixture(0)
	f.queues.errs[srcURL] = errSDK
	f.table.err = errSDK
	f.alarms.pages[0].err = errSDK
	r := f.check(t)
	want := []string{"alarm states", "table", "queue"}
	if len(r.Reasons) != len(want) {
		t.Fatalf("reasons = %q", r.Reasons)
	}
	for i, w := range want {
		if !strings.HasPrefix(r.Reasons[i], w) {
			t.Errorf("reason %d = %q, want it to start with %q", i, r.Reasons[i], w)
		}
	}
}
