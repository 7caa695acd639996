// Package dashboards is the platform's monitoring: the encrypted SNS alarm
// topic, every alarm (each notifying the topic on ALARM and on OK) and one
// CloudWatch dashboard with a row per component and an alarm status row.
package dashboards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

// RecoveryNamespace is the namespace of the recovery workflow's custom
// metrics (dimension Environment=<suffix>).
const RecoveryNamespace = "ResilientPay/Recovery"

// Custom metric names published by the recovery workflow.
const (
	MetricMessagesRedriven = "MessagesRedriven"
	MetricRedriveDeferred  = "RedriveDeferred"
)

// PaymentsNamespace is the namespace of the payment path's own metrics
// (dimension Environment=<suffix>).
const PaymentsNamespace = "ResilientPay/Payments"

// MetricPaymentsParked is how many queued payments are parked now (a
// level, not a count of parkings): the health monitor counts them on every
// recovery run and the recovery workflow publishes the count in
// RecoveryNamespace.
const MetricPaymentsParked = "PaymentsParked"

// MetricStoreUnavailable counts the times a function found the store
// unavailable (store.UnavailableLogMessage lines, through a metric filter
// on each function's log group), in PaymentsNamespace.
const MetricStoreUnavailable = "StoreUnavailable"

// StoreOperations are the DynamoDB operations the payment path makes; their
// SystemErrors are alarmed.
var StoreOperations = []string{"TransactWriteItems", "GetItem", "UpdateItem", "Query"}

// Thresholds are the tunable alarm thresholds (cdk.json context).
type Thresholds struct {
	APILatencyP99Millis     float64
	OldestMessageAgeSeconds float64
	// DLQOldestMessageAgeSeconds is the age of a dead letter that alarms;
	// it must stay well under the DLQs' 14-day retention.
	DLQOldestMessageAgeSeconds float64
	LambdaErrorsPerPeriod      float64
	// WorkflowFailuresPerPeriod counts platform failures only: client
	// outcomes end in Succeed states.
	WorkflowFailuresPerPeriod float64
}

// MaxDLQAgeAlarmSeconds bounds DLQOldestMessageAgeSeconds: half the DLQs'
// 14-day retention, so operators have a week to act before a dead letter
// expires.
const MaxDLQAgeAlarmSeconds = 7 * 24 * 3600

// Monitoring owns the topic, the alarms and the dashboard. Add components
// with the Monitor* methods, then call Finish once.
type Monitoring struct {
	scope      constructs.Construct
	Topic      awssns.Topic
	Dashboard  cw.Dashboard
	thresholds Thresholds
	alarms     []cw.Alarm
	names      []string // the alarms' physical names
	gating     []string
	lambdaRow  []cw.IWidget
}

// New creates the alarm topic (encrypted with key, which lets CloudWatch
// use it) and the dashboard.
func New(scope constructs.Construct, id string, key awskms.IKey, t Thresholds) *Monitoring {
	if key == nil || t.APILatencyP99Millis <= 0 || t.OldestMessageAgeSeconds <= 0 ||
		t.DLQOldestMessageAgeSeconds <= 0 || t.DLQOldestMessageAgeSeconds > MaxDLQAgeAlarmSeconds {
		panic("dashboards: key and positive thresholds are required, the DLQ age one at most 7 days")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	topic := awssns.NewTopic(c, jsii.String("AlarmTopic"), &awssns.TopicProps{
		TopicName:   naming.NamePtr(c, "alarm-topic"),
		DisplayName: jsii.String("Payment platform alarms (" + naming.Suffix(c) + ")"),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true),
	})
	dash := cw.NewDashboard(c, jsii.String("Dashboard"), &cw.DashboardProps{
		DashboardName:   naming.NamePtr(c, "payments-dashboard"),
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	return &Monitoring{scope: c, Topic: topic, Dashboard: dash, thresholds: t}
}

// Evaluation is how an alarm weighs its periods: ALARM when
// DatapointsToAlarm of the last Periods periods breach. Each alarm names
// the policy that fits its signal (docs/runbook.md, "How the alarms
// decide"). Source of the semantics: the CloudWatch user guide, "Evaluating
// an alarm" and "Configuring how CloudWatch alarms treat missing data".
type Evaluation struct {
	Periods, DatapointsToAlarm float64
	Missing                    cw.TreatMissingData
}

// The evaluation policies of the app's alarms.
var (
	// FailureSignal fits a count of failures that is only published while
	// something happens (errors, throttles, 5XX, store outages): one
	// failing period of five minutes alarms, and the alarm returns to OK
	// only after three periods without a failure. A quiet period in the
	// middle of an outage (no traffic, so no datapoint) therefore does not
	// end it: during an outage the health monitor's store probe (every
	// recovery run) and the reprocess function's retries (every visibility
	// timeout) report a failure at least every five minutes. Missing data
	// is not breaching: no traffic is not an outage.
	FailureSignal = Evaluation{Periods: 3, DatapointsToAlarm: 1, Missing: cw.TreatMissingData_NOT_BREACHING}
	// Sustained fits a level that matters only when it lasts (latency):
	// three breaching periods of three.
	Sustained = Evaluation{Periods: 3, DatapointsToAlarm: 3, Missing: cw.TreatMissingData_NOT_BREACHING}
	// Level fits a gauge that is published every period (queue depth and
	// age, parked payments): one breaching period alarms, one good period
	// clears it, and a missing period keeps the state (the gauge was not
	// read; nothing says the level changed).
	Level = Evaluation{Periods: 1, DatapointsToAlarm: 1, Missing: cw.TreatMissingData_IGNORE}
	// Occurrence fits a rare event that must be seen once (a failed
	// recovery execution, a dead letter): one period, missing data not
	// breaching.
	Occurrence = Evaluation{Periods: 1, DatapointsToAlarm: 1, Missing: cw.TreatMissingData_NOT_BREACHING}
)

// AlarmSpec describes one alarm.
type AlarmSpec struct {
	// ResourceType names the alarm: "api-5xx-alarm" -> api-5xx-alarm-dev.
	ResourceType string
	Description  string
	Metric       cw.IMetric
	Threshold    float64
	// Comparison defaults to GREATER_THAN_THRESHOLD.
	Comparison cw.ComparisonOperator
	// Evaluation is the alarm's evaluation policy (required).
	Evaluation Evaluation
	// GatesRecovery means that while this alarm is in ALARM the platform is
	// unhealthy and the recovery workflow defers redriving dead letters.
	// Alarms about the dead letters themselves must not gate recovery, or
	// recovery would wait for itself.
	GatesRecovery bool
}

// Alarm creates an alarm that notifies the topic on ALARM and on OK, with
// its evaluation policy.
func (m *Monitoring) Alarm(spec AlarmSpec) cw.Alarm {
	cmp := spec.Comparison
	if cmp == "" {
		cmp = cw.ComparisonOperator_GREATER_THAN_THRESHOLD
	}
	ev := spec.Evaluation
	if ev.Periods < 1 || ev.DatapointsToAlarm < 1 || ev.DatapointsToAlarm > ev.Periods || ev.Missing == "" {
		panic("dashboards: alarm " + spec.ResourceType + " needs an evaluation policy")
	}
	name := naming.Name(m.scope, spec.ResourceType)
	a := cw.NewAlarm(m.scope, jsii.String(spec.ResourceType), &cw.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(spec.Description),
		Metric:             spec.Metric,
		Threshold:          jsii.Number(spec.Threshold),
		ComparisonOperator: cmp,
		EvaluationPeriods:  jsii.Number(ev.Periods),
		DatapointsToAlarm:  jsii.Number(ev.DatapointsToAlarm),
		TreatMissingData:   ev.Missing,
	})
	action := cwactions.NewSnsAction(m.Topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	m.alarms = append(m.alarms, a)
	m.names = append(m.names, name)
	if spec.GatesRecovery {
		m.gating = append(m.gating, name)
	}
	return a
}

// Alarms returns every alarm created so far.
func (m *Monitoring) Alarms() []cw.Alarm { return append([]cw.Alarm(nil), m.alarms...) }

// RecoveryGatingAlarmNames are the names of the alarms that make the
// platform unhealthy for the recovery workflow.
func (m *Monitoring) RecoveryGatingAlarmNames() []string { return append([]string(nil), m.gating...) }

// fiveMinutes is a function, not a package-level value: a jsii call while
// packages initialise would start the CDK's Node kernel before
// paymentstack.ReexecOnSupportedNode has chosen a supported Node
// (test/node_test.go checks there is none).
func fiveMinutes() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(5)) }

func sum() *cw.MetricOptions {
	return &cw.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes()}
}

func graph(title string, width float64, metrics ...cw.IMetric) cw.GraphWidget {
	return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &metrics})
}

func (m *Monitoring) row(title string, widgets ...cw.IWidget) {
	m.Dashboard.AddWidgets(cw.NewTextWidget(&cw.TextWidgetProps{Markdown: jsii.String("## " + title), Width: jsii.Number(24), Height: jsii.Number(1)}))
	m.Dashboard.AddWidgets(widgets...)
}

// Route is one method of the REST API, as API Gateway's detailed metrics
// name it (dimensions Method and Resource).
type Route struct{ Method, Resource string }

// MonitorAPI alarms on the 5XX answers of the payment routes, which gates
// recovery, and on the p99 latency of POST /payments, which does not (a
// slow platform shows in the store and function alarms that do). GET
// /health's own 503 is not counted: it reports the platform, and anyone
// may call it. Needs the stage's detailed metrics (MetricsEnabled).
func (m *Monitoring) MonitorAPI(api apigw.RestApi, stage string, paymentRoutes ...Route) {
	if len(paymentRoutes) == 0 {
		panic("dashboards: MonitorAPI needs the payment routes")
	}
	route := func(metric, statistic string, r Route) cw.Metric {
		return cw.NewMetric(&cw.MetricProps{
			Namespace: jsii.String("AWS/ApiGateway"), MetricName: jsii.String(metric),
			DimensionsMap: &map[string]*string{"ApiName": api.RestApiName(), "Stage": jsii.String(stage),
				"Method": jsii.String(r.Method), "Resource": jsii.String(r.Resource)},
			Statistic: jsii.String(statistic), Period: fiveMinutes(),
			Label: jsii.String(metric + " " + r.Method + " " + r.Resource),
		})
	}
	using := map[string]cw.IMetric{}
	ids := make([]string, len(paymentRoutes))
	for i, r := range paymentRoutes {
		ids[i] = fmt.Sprintf("route%d", i)
		using[ids[i]] = route("5XXError", "Sum", r)
	}
	errors5xx := cw.NewMathExpression(&cw.MathExpressionProps{
		Expression: jsii.String(strings.Join(ids, " + ")), UsingMetrics: &using,
		Label: jsii.String("5XX of the payment routes"), Period: fiveMinutes(),
	})
	p99 := route("Latency", "p99", paymentRoutes[0])
	m.Alarm(AlarmSpec{ResourceType: "api-latency-p99-alarm", Description: "p99 latency of " + paymentRoutes[0].Method + " " + paymentRoutes[0].Resource + " above threshold for 15 minutes",
		Metric: p99, Threshold: m.thresholds.APILatencyP99Millis, Evaluation: Sustained})
	m.Alarm(AlarmSpec{ResourceType: "api-5xx-alarm", Description: "The payment routes answered 5XX (a payment not confirmed, an internal error, or Step Functions failing); /health is not counted",
		Metric: errors5xx, Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.row("API", graph("Requests, 4XX, 5XX (all routes)", 8, api.MetricCount(sum()), api.MetricClientError(sum()), api.MetricServerError(sum())),
		graph("5XX of the payment routes", 8, errors5xx),
		graph("Latency p50 / p99 (ms), "+paymentRoutes[0].Method+" "+paymentRoutes[0].Resource, 8, route("Latency", "p50", paymentRoutes[0]), p99))
}

// MonitorWorkflow alarms on failed and timed-out executions. Client
// outcomes (400/409/422) end in Succeed states, so a failed execution is
// the platform failing and the threshold can be zero.
func (m *Monitoring) MonitorWorkflow(name string, sm sfn.IStateMachine) {
	failed, timedOut := sm.MetricFailed(sum()), sm.MetricTimedOut(sum())
	m.Alarm(AlarmSpec{ResourceType: name + "-failed-alarm", Description: "Executions failed: a payment not confirmed (503) or an internal error (500); client outcomes are not failures",
		Metric: failed, Threshold: m.thresholds.WorkflowFailuresPerPeriod, Evaluation: FailureSignal, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: name + "-timed-out-alarm", Description: "Executions timed out (the 29 s budget was exceeded)",
		Metric: timedOut, Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.row("Workflow: "+name, graph("Executions", 12, sm.MetricStarted(sum()), sm.MetricSucceeded(sum()), failed, timedOut),
		graph("Execution time p99 (ms)", 12, sm.MetricTime(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes()})))
}

// MonitorFunction alarms on a function's errors and throttles; its graphs
// join the Lambda row. A task function's errors are the platform failing
// (store or queue unavailable, a timeout, a crash): client outcomes are
// its results, never its errors.
func (m *Monitoring) MonitorFunction(name string, fn awslambda.IFunction, gatesRecovery bool) {
	errs, throttles := fn.MetricErrors(sum()), fn.MetricThrottles(sum())
	m.Alarm(AlarmSpec{ResourceType: name + "-errors-alarm", Description: "Function " + name + " returned errors, timed out or crashed",
		Metric: errs, Threshold: m.thresholds.LambdaErrorsPerPeriod, Evaluation: FailureSignal, GatesRecovery: gatesRecovery})
	m.Alarm(AlarmSpec{ResourceType: name + "-throttles-alarm", Description: "Function " + name + " was throttled",
		Metric: throttles, Threshold: 0, Evaluation: FailureSignal, GatesRecovery: gatesRecovery})
	m.lambdaRow = append(m.lambdaRow, graph(name, 8, fn.MetricInvocations(sum()), errs, throttles,
		fn.MetricDuration(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes()})))
}

// MonitorTable alarms on read and write throttling of the table and on
// its system errors (DynamoDB failing requests itself), all gating
// recovery. CloudWatch keeps an alarm on an AWS/DynamoDB metric in its
// state while the metric is missing, whatever TreatMissingData says (the
// PutMetricAlarm reference), and a quiet table has no datapoints for
// these metrics (no requests, nothing to count): an alarm on the raw
// metric would stay in ALARM through every quiet hour after a throttle,
// holding recovery back. Each
// alarm reads FILL(metric, 0) instead, so a period without throttles is a
// good period.
func (m *Monitoring) MonitorTable(table awsdynamodb.ITable) {
	reads, writes := table.Metric(jsii.String("ReadThrottleEvents"), sum()), table.Metric(jsii.String("WriteThrottleEvents"), sum())
	using := map[string]cw.IMetric{}
	ids := make([]string, len(StoreOperations))
	for i, op := range StoreOperations {
		id := fmt.Sprintf("op%d", i)
		using[id] = cw.NewMetric(&cw.MetricProps{Namespace: jsii.String("AWS/DynamoDB"), MetricName: jsii.String("SystemErrors"),
			DimensionsMap: &map[string]*string{"TableName": table.TableName(), "Operation": jsii.String(op)},
			Statistic:     jsii.String("Sum"), Period: fiveMinutes()})
		ids[i] = "FILL(" + id + ", 0)"
	}
	systemErrors := cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String(strings.Join(ids, " + ")), UsingMetrics: &using,
		Label: jsii.String("SystemErrors (" + strings.Join(StoreOperations, ", ") + ")"), Period: fiveMinutes()})
	m.Alarm(AlarmSpec{ResourceType: "table-read-throttles-alarm", Description: "DynamoDB throttled reads of the transactions table",
		Metric: filled(reads, "read throttle events"), Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: "table-write-throttles-alarm", Description: "DynamoDB throttled writes to the transactions table",
		Metric: filled(writes, "write throttle events"), Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: "table-system-errors-alarm", Description: "DynamoDB failed requests of the payment path with system errors (HTTP 500): the store is failing",
		Metric: systemErrors, Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.row("DynamoDB", graph("Throttle events and system errors", 8, reads, writes, systemErrors),
		graph("Consumed capacity", 8, table.MetricConsumedReadCapacityUnits(sum()), table.MetricConsumedWriteCapacityUnits(sum())),
		graph("Conditional check failures (replays, key reuse)", 8, table.MetricConditionalCheckFailedRequests(sum())))
}

// filled is FILL(metric, 0): missing periods read as zero.
func filled(metric cw.IMetric, label string) cw.MathExpression {
	return cw.NewMathExpression(&cw.MathExpressionProps{Expression: jsii.String("FILL(m, 0)"),
		UsingMetrics: &map[string]cw.IMetric{"m": metric}, Label: jsii.String(label), Period: fiveMinutes()})
}

// MonitorStore alarms when the functions find the store unavailable: a
// metric filter on each given log group counts store.UnavailableLogMessage
// lines. The persist and reprocess functions write one per failed payment
// attempt and the health monitor one per failed probe, so the alarm sees
// an outage of the data plane even when DescribeTable says ACTIVE, no
// client is paying and the reprocess function swallows its failures. It
// gates recovery.
func (m *Monitoring) MonitorStore(unavailableLine string, logGroups map[string]awslogs.ILogGroup) {
	dims := map[string]*string{"Environment": jsii.String(naming.Suffix(m.scope))}
	names := make([]string, 0, len(logGroups))
	for name := range logGroups {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		awslogs.NewMetricFilter(m.scope, jsii.String("StoreUnavailableFilter-"+name), &awslogs.MetricFilterProps{
			FilterName:      naming.NamePtr(m.scope, name+"-store-unavailable-filter"),
			LogGroup:        logGroups[name],
			FilterPattern:   awslogs.FilterPattern_AllTerms(jsii.String(unavailableLine)),
			MetricNamespace: jsii.String(PaymentsNamespace), MetricName: jsii.String(MetricStoreUnavailable),
			MetricValue: jsii.String("1"), Dimensions: &dims, Unit: cw.Unit_COUNT,
		})
	}
	unavailable := cw.NewMetric(&cw.MetricProps{Namespace: jsii.String(PaymentsNamespace), MetricName: jsii.String(MetricStoreUnavailable),
		DimensionsMap: &dims, Statistic: jsii.String("Sum"), Period: fiveMinutes()})
	m.Alarm(AlarmSpec{ResourceType: "store-unavailable-alarm",
		Description: "Functions found the transaction store unavailable (payments, queued payments or the health probe)",
		Metric:      unavailable, Threshold: 0, Evaluation: FailureSignal, GatesRecovery: true})
	m.row("Store as the functions see it", graph("Store unavailable (persist, reprocess, health probe)", 24, unavailable))
}

// MonitorQueue alarms when the queue's oldest message is older than the
// threshold (reprocessing is stuck or the store is down: payments answered
// 202 wait), when its dead-letter queue holds anything, and when the
// oldest dead letter nears its expiry (recovery deferred or failing for
// days). The source queue's age alarm pages and gates recovery: a
// redrive into a queue nobody consumes helps nothing, and the queue keeps
// messages 14 days, so the alarm at a threshold of minutes leaves days to
// act. The dead-letter alarms do not gate: dead letters are what recovery
// fixes.
func (m *Monitoring) MonitorQueue(name string, queue awssqs.IQueue, dlq awssqs.IQueue) {
	max := &cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes()}
	widgets := []cw.IWidget{}
	if queue != nil {
		age := queue.MetricApproximateAgeOfOldestMessage(max)
		m.Alarm(AlarmSpec{ResourceType: name + "-oldest-message-alarm", Description: "Messages of " + name + " wait longer than the threshold: reprocessing is stuck or the store is down (the queue keeps them 14 days)",
			Metric: age, Threshold: m.thresholds.OldestMessageAgeSeconds, Evaluation: Level, GatesRecovery: true})
		widgets = append(widgets, graph(name+": depth and oldest message (s)", 12, queue.MetricApproximateNumberOfMessagesVisible(max), age))
	}
	depth := dlq.MetricApproximateNumberOfMessagesVisible(max)
	m.Alarm(AlarmSpec{ResourceType: name + "-dlq-depth-alarm", Description: "The dead-letter queue of " + name + " is not empty",
		Metric: depth, Threshold: 0, Evaluation: Occurrence})
	dlqAge := dlq.MetricApproximateAgeOfOldestMessage(max)
	m.Alarm(AlarmSpec{ResourceType: name + "-dlq-oldest-message-alarm",
		Description: "A dead letter of " + name + " is older than the threshold; the DLQ keeps messages 14 days, counted from their first enqueue",
		Metric:      dlqAge, Threshold: m.thresholds.DLQOldestMessageAgeSeconds, Evaluation: Level})
	m.row("Queue: "+name, append(widgets, graph(name+": dead letters and oldest (s)", 12, depth, dlqAge))...)
}

// MonitorParked alarms while any queued payment is parked (its key
// reused after a 202, not a payment, or poison): a level, the number
// parked now, which the recovery workflow publishes on every run from the
// health monitor's count. It stays in ALARM until an operator replays or
// resolves the last one, whatever the traffic; a run that could not count
// publishes nothing, and the alarm keeps its state. It does not gate
// recovery: parked payments wait for an operator (docs/runbook.md), not
// for the platform.
func (m *Monitoring) MonitorParked() {
	parked := cw.NewMetric(&cw.MetricProps{Namespace: jsii.String(RecoveryNamespace), MetricName: jsii.String(MetricPaymentsParked),
		DimensionsMap: &map[string]*string{"Environment": jsii.String(naming.Suffix(m.scope))}, Statistic: jsii.String("Maximum"), Period: fiveMinutes()})
	m.Alarm(AlarmSpec{ResourceType: "payments-parked-alarm",
		Description: "Queued payments are parked: a key reused after a 202, a message that is not a payment, or poison. It clears when none is left. See the runbook.",
		Metric:      parked, Threshold: 0, Evaluation: Level})
	m.row("Parked payments", graph("Queued payments parked now", 24, parked))
}

// MonitorRecovery shows the recovery workflow's custom metrics and alarms
// when the recovery workflow itself fails or times out.
func (m *Monitoring) MonitorRecovery(sm sfn.IStateMachine) {
	dims := &map[string]*string{"Environment": jsii.String(naming.Suffix(m.scope))}
	metric := func(name string) cw.Metric {
		return cw.NewMetric(&cw.MetricProps{Namespace: jsii.String(RecoveryNamespace), MetricName: jsii.String(name),
			DimensionsMap: dims, Statistic: jsii.String("Sum"), Period: fiveMinutes()})
	}
	failed := cw.NewMathExpression(&cw.MathExpressionProps{
		Expression:   jsii.String("failed + timedOut + aborted"),
		UsingMetrics: &map[string]cw.IMetric{"failed": sm.MetricFailed(sum()), "timedOut": sm.MetricTimedOut(sum()), "aborted": sm.MetricAborted(sum())},
		Label:        jsii.String("Recovery executions not succeeded"),
		Period:       fiveMinutes(),
	})
	m.Alarm(AlarmSpec{ResourceType: "recovery-workflow-failed-alarm", Description: "The recovery workflow itself failed, timed out or was aborted",
		Metric: failed, Threshold: 0, Evaluation: Occurrence})
	m.row("Recovery", graph("Messages redriven / redrive deferred", 12, metric(MetricMessagesRedriven), metric(MetricRedriveDeferred)),
		graph("Recovery executions", 12, sm.MetricStarted(sum()), sm.MetricSucceeded(sum()), failed))
}

// Finish lets CloudWatch publish the alarms to the topic and adds the
// Lambda row and the alarm status row. Call it once, after every component
// is monitored.
func (m *Monitoring) Finish() {
	// The topic's policy replaces SNS's default one (which let the account
	// publish): without this statement no alarm notification arrives.
	// Scoped to this account's alarms of this app, by name.
	stack := awscdk.Stack_Of(m.scope)
	arns := make([]*string, len(m.names))
	for i, name := range m.names {
		arns[i] = stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"),
			ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	}
	m.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchAlarmsOfThisApp"),
		Effect:     awsiam.Effect_ALLOW,
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*m.Topic.TopicArn()),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			"ArnLike":      map[string]interface{}{"aws:SourceArn": arns},
		},
	}))
	if len(m.lambdaRow) > 0 {
		m.row("Lambda functions", m.lambdaRow...)
	}
	refs := make([]interfacesawscloudwatch.IAlarmRef, len(m.alarms))
	for i, a := range m.alarms {
		refs[i] = a
	}
	m.row("Alarm status", cw.NewAlarmStatusWidget(&cw.AlarmStatusWidgetProps{
		Title: jsii.String("Every alarm of this environment"), Width: jsii.Number(24), Height: jsii.Number(8),
		Alarms: &refs, SortBy: cw.AlarmStatusWidgetSortBy_STATE_UPDATED_TIMESTAMP,
	}))
}
