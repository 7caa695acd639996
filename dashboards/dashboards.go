// Package dashboards is the platform's monitoring: the encrypted SNS alarm
// topic, every alarm (each notifying the topic on ALARM and on OK) and one
// CloudWatch dashboard with a row per component and an alarm status row.
package dashboards

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
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

// Thresholds are the tunable alarm thresholds (cdk.json context).
type Thresholds struct {
	APILatencyP99Millis       float64
	OldestMessageAgeSeconds   float64
	LambdaErrorsPerPeriod     float64
	WorkflowFailuresPerPeriod float64
}

// Monitoring owns the topic, the alarms and the dashboard. Add components
// with the Monitor* methods, then call Finish once.
type Monitoring struct {
	scope      constructs.Construct
	Topic      awssns.Topic
	Dashboard  cw.Dashboard
	thresholds Thresholds
	alarms     []cw.Alarm
	gating     []string
	lambdaRow  []cw.IWidget
}

// New creates the alarm topic (encrypted with key, which lets CloudWatch
// use it) and the dashboard.
func New(scope constructs.Construct, id string, key awskms.IKey, t Thresholds) *Monitoring {
	if key == nil || t.APILatencyP99Millis <= 0 || t.OldestMessageAgeSeconds <= 0 {
		panic("dashboards: key and positive thresholds are required")
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

// AlarmSpec describes one alarm.
type AlarmSpec struct {
	// ResourceType names the alarm: "api-5xx-alarm" -> api-5xx-alarm-dev.
	ResourceType string
	Description  string
	Metric       cw.IMetric
	Threshold    float64
	// Comparison defaults to GREATER_THAN_THRESHOLD.
	Comparison        cw.ComparisonOperator
	EvaluationPeriods float64
	// GatesRecovery means that while this alarm is in ALARM the platform is
	// unhealthy and the recovery workflow defers redriving dead letters.
	// Alarms about the dead letters themselves must not gate recovery, or
	// recovery would wait for itself.
	GatesRecovery bool
}

// Alarm creates an alarm that notifies the topic on ALARM and on OK.
// Missing data is not breaching: no traffic is not an outage.
func (m *Monitoring) Alarm(spec AlarmSpec) cw.Alarm {
	cmp := spec.Comparison
	if cmp == "" {
		cmp = cw.ComparisonOperator_GREATER_THAN_THRESHOLD
	}
	periods := spec.EvaluationPeriods
	if periods == 0 {
		periods = 1
	}
	name := naming.Name(m.scope, spec.ResourceType)
	a := cw.NewAlarm(m.scope, jsii.String(spec.ResourceType), &cw.AlarmProps{
		AlarmName:          jsii.String(name),
		AlarmDescription:   jsii.String(spec.Description),
		Metric:             spec.Metric,
		Threshold:          jsii.Number(spec.Threshold),
		ComparisonOperator: cmp,
		EvaluationPeriods:  jsii.Number(periods),
		TreatMissingData:   cw.TreatMissingData_NOT_BREACHING,
	})
	action := cwactions.NewSnsAction(m.Topic)
	a.AddAlarmAction(action)
	a.AddOkAction(action)
	m.alarms = append(m.alarms, a)
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

var fiveMinutes = awscdk.Duration_Minutes(jsii.Number(5))

func sum() *cw.MetricOptions {
	return &cw.MetricOptions{Statistic: jsii.String("Sum"), Period: fiveMinutes}
}

func graph(title string, width float64, metrics ...cw.IMetric) cw.GraphWidget {
	return cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(title), Width: jsii.Number(width), Height: jsii.Number(6), Left: &metrics})
}

func (m *Monitoring) row(title string, widgets ...cw.IWidget) {
	m.Dashboard.AddWidgets(cw.NewTextWidget(&cw.TextWidgetProps{Markdown: jsii.String("## " + title), Width: jsii.Number(24), Height: jsii.Number(1)}))
	m.Dashboard.AddWidgets(widgets...)
}

// MonitorAPI alarms on p99 latency and 5XX errors of the REST API.
func (m *Monitoring) MonitorAPI(api apigw.RestApi) {
	p99 := api.MetricLatency(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes})
	errors5xx := api.MetricServerError(sum())
	m.Alarm(AlarmSpec{ResourceType: "api-latency-p99-alarm", Description: "POST/GET latency p99 above threshold for 15 minutes",
		Metric: p99, Threshold: m.thresholds.APILatencyP99Millis, EvaluationPeriods: 3, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: "api-5xx-alarm", Description: "The API answered 5XX (store and queue both failing, or a bug)",
		Metric: errors5xx, Threshold: 0, GatesRecovery: true})
	m.row("API", graph("Requests, 4XX, 5XX", 12, api.MetricCount(sum()), api.MetricClientError(sum()), errors5xx),
		graph("Latency p50 / p99 (ms)", 12, api.MetricLatency(&cw.MetricOptions{Statistic: jsii.String("p50"), Period: fiveMinutes}), p99))
}

// MonitorWorkflow alarms on failed and timed-out executions. Client errors
// (400/409/422) end in Fail states and count as failed executions, so the
// threshold is a rate an operator sets for the traffic, not zero.
func (m *Monitoring) MonitorWorkflow(name string, sm sfn.IStateMachine) {
	failed, timedOut := sm.MetricFailed(sum()), sm.MetricTimedOut(sum())
	m.Alarm(AlarmSpec{ResourceType: name + "-failed-alarm", Description: "Executions failed above the expected client-error rate",
		Metric: failed, Threshold: m.thresholds.WorkflowFailuresPerPeriod, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: name + "-timed-out-alarm", Description: "Executions timed out (the 29 s budget was exceeded)",
		Metric: timedOut, Threshold: 0, GatesRecovery: true})
	m.row("Workflow: "+name, graph("Executions", 12, sm.MetricStarted(sum()), sm.MetricSucceeded(sum()), failed, timedOut),
		graph("Execution time p99 (ms)", 12, sm.MetricTime(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes})))
}

// MonitorFunction alarms on a function's errors and throttles; its graphs
// join the Lambda row. A task function reports the workflow errors it
// raises (including client errors such as Payment.Invalid) as function
// errors, so clientFacing functions alarm at the workflow's client-error
// rate instead of the infrastructure error rate, and never gate recovery.
func (m *Monitoring) MonitorFunction(name string, fn awslambda.IFunction, gatesRecovery, clientFacing bool) {
	errs, throttles := fn.MetricErrors(sum()), fn.MetricThrottles(sum())
	threshold := m.thresholds.LambdaErrorsPerPeriod
	if clientFacing {
		threshold, gatesRecovery = m.thresholds.WorkflowFailuresPerPeriod, false
	}
	m.Alarm(AlarmSpec{ResourceType: name + "-errors-alarm", Description: "Function " + name + " returned errors",
		Metric: errs, Threshold: threshold, GatesRecovery: gatesRecovery})
	m.Alarm(AlarmSpec{ResourceType: name + "-throttles-alarm", Description: "Function " + name + " was throttled",
		Metric: throttles, Threshold: 0, GatesRecovery: gatesRecovery})
	m.lambdaRow = append(m.lambdaRow, graph(name, 8, fn.MetricInvocations(sum()), errs, throttles,
		fn.MetricDuration(&cw.MetricOptions{Statistic: jsii.String("p99"), Period: fiveMinutes})))
}

// MonitorTable alarms on read and write throttling of the table.
func (m *Monitoring) MonitorTable(table awsdynamodb.Table) {
	reads, writes := table.Metric(jsii.String("ReadThrottleEvents"), sum()), table.Metric(jsii.String("WriteThrottleEvents"), sum())
	m.Alarm(AlarmSpec{ResourceType: "table-read-throttles-alarm", Description: "DynamoDB throttled reads of the transactions table",
		Metric: reads, Threshold: 0, GatesRecovery: true})
	m.Alarm(AlarmSpec{ResourceType: "table-write-throttles-alarm", Description: "DynamoDB throttled writes to the transactions table",
		Metric: writes, Threshold: 0, GatesRecovery: true})
	m.row("DynamoDB", graph("Throttle events", 8, reads, writes, table.MetricSystemErrorsForOperations(nil)),
		graph("Consumed capacity", 8, table.MetricConsumedReadCapacityUnits(sum()), table.MetricConsumedWriteCapacityUnits(sum())),
		graph("Conditional check failures (replays, key reuse)", 8, table.MetricConditionalCheckFailedRequests(sum())))
}

// MonitorQueue alarms when the queue's oldest message is older than the
// threshold (reprocessing is stuck) and when its dead-letter queue holds
// anything. Neither gates recovery: dead letters are what recovery fixes.
func (m *Monitoring) MonitorQueue(name string, queue awssqs.IQueue, dlq awssqs.IQueue) {
	max := &cw.MetricOptions{Statistic: jsii.String("Maximum"), Period: fiveMinutes}
	widgets := []cw.IWidget{}
	if queue != nil {
		age := queue.MetricApproximateAgeOfOldestMessage(max)
		m.Alarm(AlarmSpec{ResourceType: name + "-oldest-message-alarm", Description: "Messages of " + name + " wait longer than the threshold: reprocessing is stuck",
			Metric: age, Threshold: m.thresholds.OldestMessageAgeSeconds})
		widgets = append(widgets, graph(name+": depth and oldest message (s)", 12, queue.MetricApproximateNumberOfMessagesVisible(max), age))
	}
	depth := dlq.MetricApproximateNumberOfMessagesVisible(max)
	m.Alarm(AlarmSpec{ResourceType: name + "-dlq-depth-alarm", Description: "The dead-letter queue of " + name + " is not empty",
		Metric: depth, Threshold: 0})
	m.row("Queue: "+name, append(widgets, graph(name+": dead letters", 12, depth))...)
}

// MonitorRecovery shows the recovery workflow's custom metrics and alarms
// when the recovery workflow itself fails or times out.
func (m *Monitoring) MonitorRecovery(sm sfn.IStateMachine) {
	dims := &map[string]*string{"Environment": jsii.String(naming.Suffix(m.scope))}
	metric := func(name string) cw.Metric {
		return cw.NewMetric(&cw.MetricProps{Namespace: jsii.String(RecoveryNamespace), MetricName: jsii.String(name),
			DimensionsMap: dims, Statistic: jsii.String("Sum"), Period: fiveMinutes})
	}
	failed := cw.NewMathExpression(&cw.MathExpressionProps{
		Expression:   jsii.String("failed + timedOut + aborted"),
		UsingMetrics: &map[string]cw.IMetric{"failed": sm.MetricFailed(sum()), "timedOut": sm.MetricTimedOut(sum()), "aborted": sm.MetricAborted(sum())},
		Label:        jsii.String("Recovery executions not succeeded"),
		Period:       fiveMinutes,
	})
	m.Alarm(AlarmSpec{ResourceType: "recovery-workflow-failed-alarm", Description: "The recovery workflow itself failed, timed out or was aborted",
		Metric: failed, Threshold: 0})
	m.row("Recovery", graph("Messages redriven / redrive deferred", 12, metric(MetricMessagesRedriven), metric(MetricRedriveDeferred)),
		graph("Recovery executions", 12, sm.MetricStarted(sum()), sm.MetricSucceeded(sum()), failed))
}

// Finish adds the Lambda row and the alarm status row. Call it once, after
// every component is monitored.
func (m *Monitoring) Finish() {
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
