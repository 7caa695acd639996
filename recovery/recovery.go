// Package recovery is the self-healing part of the platform: a STANDARD
// workflow, started every few minutes and as soon as one of the app's
// alarms returns to OK, that reads the platform's health and, when it is
// healthy, redrives dead-lettered payments to their source queue with
// StartMessageMoveTask. While the platform is unhealthy it defers the
// redrive and says so on the alarm topic.
package recovery

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/dashboards"
	"github.com/resilientpay/paymentapi/internal/cdk/grants"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cdk/statemachine"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/storage"
	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// Polling of a running move task: every PollInterval, at most MaxPolls
// times (15 s x 40 = 10 minutes) before reporting it as still running.
const (
	PollIntervalSeconds = 15
	MaxPolls            = 40
	// MovesPerSecond rate-limits a redrive so a recovering system is not
	// flooded.
	MovesPerSecond = 10
)

// RedriveTarget is a dead-letter queue the workflow may move back to its
// source queue.
type RedriveTarget struct {
	DLQ, Source awssqs.IQueue
}

// Props wires the recovery workflow.
type Props struct {
	HealthMonitor awslambda.IFunction
	Topic         awssns.ITopic
	Targets       []RedriveTarget
	// TriggerAlarms are the alarms whose return to OK starts a recovery.
	TriggerAlarms   []string
	ScheduleMinutes float64
	LogRetention    awslogs.RetentionDays
	Key             awskms.IKey
}

// Recovery is the recovery workflow and its triggers.
type Recovery struct {
	StateMachine sfn.StateMachine
	TriggerDLQ   awssqs.Queue
}

// ResourceType is the recovery workflow's resource type: its state machine
// is named recovery-workflow-<suffix>.
const ResourceType = platform.RecoveryWorkflow

// New creates the recovery workflow, its schedule and its alarm-OK rule.
func New(scope constructs.Construct, id string, props *Props) *Recovery {
	if props == nil || props.HealthMonitor == nil || props.Topic == nil || len(props.Targets) == 0 ||
		props.ScheduleMinutes < 1 || props.Key == nil || props.LogRetention == "" {
		panic("recovery: HealthMonitor, Topic, Targets, ScheduleMinutes >= 1, Key and LogRetention are required")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := naming.Name(c, ResourceType)
	stack := awscdk.Stack_Of(c)
	ownArn := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("states"), Resource: jsii.String("stateMachine"),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	timeout := func(s float64) sfn.Timeout { return sfn.Timeout_Duration(awscdk.Duration_Seconds(jsii.Number(s))) }
	retrySDK := func(t sfn.TaskStateBase) {
		t.AddRetry(&sfn.RetryProps{Errors: jsii.Strings(string(errorname.StatesTaskFailed), string(errorname.StatesTimeout)),
			Interval: awscdk.Duration_Seconds(jsii.Number(2)), MaxAttempts: jsii.Number(3), BackoffRate: jsii.Number(2),
			MaxDelay: awscdk.Duration_Seconds(jsii.Number(20)), JitterStrategy: sfn.JitterType_FULL})
	}
	// CallAwsService allows its action without conditions; this deny
	// leaves PutMetricData only for the recovery namespace.
	metricsOnlyToOwnNamespace := awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:     awsiam.Effect_DENY,
		Actions:    jsii.Strings("cloudwatch:PutMetricData"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{"StringNotEquals": map[string]interface{}{"cloudwatch:namespace": dashboards.RecoveryNamespace}},
	})
	metric := func(id, metricName, valuePath string) tasks.CallAwsService {
		t := tasks.NewCallAwsService(c, jsii.String(id), &tasks.CallAwsServiceProps{
			Comment: jsii.String("Publishes " + metricName + " to " + dashboards.RecoveryNamespace),
			Service: jsii.String("cloudwatch"), Action: jsii.String("putMetricData"),
			// PutMetricData has no resource-level permissions: AWS requires
			// "*", and the deny binds it to the app's namespace.
			IamResources:            jsii.Strings("*"),
			AdditionalIamStatements: &[]awsiam.PolicyStatement{metricsOnlyToOwnNamespace},
			Parameters: &map[string]interface{}{
				"Namespace": dashboards.RecoveryNamespace,
				"MetricData": []interface{}{map[string]interface{}{
					"MetricName": metricName, "Unit": "Count", "Value.$": valuePath,
					"Dimensions": []interface{}{map[string]interface{}{"Name": "Environment", "Value": naming.Suffix(c)}},
				}},
			},
			ResultPath:  sfn.JsonPath_DISCARD(),
			TaskTimeout: timeout(10),
		})
		retrySDK(t)
		return t
	}
	notify := func(id, subject string, message sfn.TaskInput) tasks.SnsPublish {
		t := tasks.NewSnsPublish(c, jsii.String(id), &tasks.SnsPublishProps{
			Topic: props.Topic, Subject: jsii.String(subject + " (" + naming.Suffix(c) + ")"), Message: message,
			ResultPath: sfn.JsonPath_DISCARD(), TaskTimeout: timeout(10),
		})
		retrySDK(t)
		return t
	}

	// Only one recovery execution does work at a time: a second one that
	// sees another running ends at once (the next trigger will come).
	concurrency := tasks.NewCallAwsService(c, jsii.String("CountRunningRecoveries"), &tasks.CallAwsServiceProps{
		Service: jsii.String("sfn"), Action: jsii.String("listExecutions"), IamResources: jsii.Strings(*ownArn),
		Parameters: &map[string]interface{}{
			"StateMachineArn.$": "$$.StateMachine.Id", "StatusFilter": "RUNNING", "MaxResults": 2,
		},
		ResultSelector: &map[string]interface{}{"running.$": "States.ArrayLength($.Executions)"},
		ResultPath:     jsii.String("$.concurrency"),
		TaskTimeout:    timeout(10),
	})
	retrySDK(concurrency)

	failed := sfn.NewFail(c, jsii.String("RecoveryFailed"), &sfn.FailProps{
		Error: jsii.String(string(errorname.RecoveryFailed)), CausePath: jsii.String("$.error.Cause"),
	})
	notifyFailed := notify("NotifyRecoveryFailed", "Recovery could not check health",
		sfn.TaskInput_FromJsonPathAt(jsii.String("$.error.Cause")))
	notifyFailed.Next(failed)
	// A notification or metric that cannot be sent must not change the
	// outcome: each such task goes on to its next state either way.
	catchAndContinue := func(t sfn.TaskStateBase, next sfn.IChainable) {
		t.AddCatch(next, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.sideEffectError")})
	}
	catchAndContinue(notifyFailed, failed)
	concurrency.AddCatch(notifyFailed, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.error")})

	// healthCheck invokes the health monitor with the retry of Lambda
	// service errors and time-outs every health read gets.
	healthCheck := func(id, comment, resultPath string, selector *map[string]interface{}) tasks.LambdaInvoke {
		t := tasks.NewLambdaInvoke(c, jsii.String(id), &tasks.LambdaInvokeProps{
			Comment:             jsii.String(comment),
			LambdaFunction:      props.HealthMonitor,
			PayloadResponseOnly: jsii.Bool(true), RetryOnServiceExceptions: jsii.Bool(false),
			ResultSelector: selector, ResultPath: jsii.String(resultPath),
			TaskTimeout: timeout(30),
		})
		t.AddRetry(&sfn.RetryProps{
			Errors:   jsii.Strings(append(errorname.Strings(errorname.LambdaServiceErrors()), string(errorname.StatesTimeout))...),
			Interval: awscdk.Duration_Seconds(jsii.Number(2)), MaxAttempts: jsii.Number(3), BackoffRate: jsii.Number(2),
			MaxDelay: awscdk.Duration_Seconds(jsii.Number(20)), JitterStrategy: sfn.JitterType_FULL,
		})
		return t
	}
	checkHealth := healthCheck("CheckHealth", "Reads alarm states, table status, a probe read, queue depths, running move tasks and the parked count", "$.health", nil)
	checkHealth.AddCatch(notifyFailed, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.error")})

	// Unhealthy: defer, tell the operators which alarms hold it back.
	deferredNotify := notify("NotifyRedriveDeferred", "Dead-letter redrive deferred: platform unhealthy",
		sfn.TaskInput_FromObject(&map[string]interface{}{
			"message":       "Dead-lettered payments stay in their DLQ until the platform is healthy.",
			"alarmsInAlarm": sfn.JsonPath_ListAt(jsii.String("$.health.alarmsInAlarm")),
			"reasons":       sfn.JsonPath_ListAt(jsii.String("$.health.reasons")),
		}))
	deferredMetric := metric("RecordRedriveDeferred", dashboards.MetricRedriveDeferred, "$.one")
	deferredDone := sfn.NewSucceed(c, jsii.String("RedriveDeferred"), nil)
	catchAndContinue(deferredNotify, deferredMetric)
	catchAndContinue(deferredMetric, deferredDone)
	deferred := deferredNotify.Next(deferredMetric).Next(deferredDone)

	// Healthy with dead letters: move each DLQ back to its source, one at a
	// time, and wait (bounded) for the move to finish.
	startMove := tasks.NewCallAwsService(c, jsii.String("StartMessageMoveTask"), &tasks.CallAwsServiceProps{
		Service: jsii.String("sqs"), Action: jsii.String("startMessageMoveTask"),
		IamResources: dlqArns(props.Targets),
		Parameters: &map[string]interface{}{
			"SourceArn.$": "$.dlqArn", "DestinationArn.$": "$.sourceArn", "MaxNumberOfMessagesPerSecond": MovesPerSecond,
		},
		ResultPath:  jsii.String("$.task"),
		TaskTimeout: timeout(10),
	})
	retrySDK(startMove)
	// StartMessageMoveTask also needs to read the DLQ and send to the
	// source queue: grants.MoveMessages below, on the named queues only.
	pollInit := sfn.NewPass(c, jsii.String("InitPolls"), &sfn.PassProps{
		Result: sfn.Result_FromNumber(jsii.Number(0)), ResultPath: jsii.String("$.polls"),
	})
	wait := sfn.NewWait(c, jsii.String("WaitForMove"), &sfn.WaitProps{
		Time: sfn.WaitTime_Duration(awscdk.Duration_Seconds(jsii.Number(PollIntervalSeconds))),
	})
	// The whole answer goes to $.move: a ResultSelector on
	// $.Results[0] would fail the execution (States.Runtime, which no
	// Catch sees) when SQS lists no task.
	list := tasks.NewCallAwsService(c, jsii.String("ListMessageMoveTasks"), &tasks.CallAwsServiceProps{
		Service: jsii.String("sqs"), Action: jsii.String("listMessageMoveTasks"),
		IamResources: dlqArns(props.Targets),
		Parameters:   &map[string]interface{}{"SourceArn.$": "$.dlqArn", "MaxResults": 1},
		ResultPath:   jsii.String("$.move"),
		TaskTimeout:  timeout(10),
	})
	retrySDK(list)
	count := sfn.NewPass(c, jsii.String("CountPoll"), &sfn.PassProps{
		Comment: jsii.String("Bounds the polling: at most MaxPolls waits"),
		Parameters: &map[string]interface{}{
			"dlqArn.$": "$.dlqArn", "sourceArn.$": "$.sourceArn", "messages.$": "$.messages",
			"one": 1, "polls.$": "States.MathAdd($.polls, 1)", "task.$": "$.task",
		},
	})
	// Each end of an item reads only what its Choice rule proved present.
	itemEnd := func(id, outcome string, fields map[string]interface{}) sfn.Pass {
		params := map[string]interface{}{"dlqArn.$": "$.dlqArn", "sourceArn.$": "$.sourceArn", "outcome": outcome}
		for k, v := range fields {
			params[k] = v
		}
		return sfn.NewPass(c, jsii.String(id), &sfn.PassProps{Parameters: &params})
	}
	const task, status, moved = "$.move.Results[0]", "$.move.Results[0].Status", "$.move.Results[0].ApproximateNumberOfMessagesMoved"
	redrivenMetric := metric("RecordMessagesRedriven", dashboards.MetricMessagesRedriven, "$.moved")
	metricSkipped := sfn.NewPass(c, jsii.String("MetricNotRecorded"), nil)
	catchAndContinue(redrivenMetric, metricSkipped)
	moveDone := itemEnd("MoveFinished", "finished", map[string]interface{}{"moved.$": moved, "status.$": status}).Next(redrivenMetric)
	moveRunning := itemEnd("MoveStillRunning", "still-running", map[string]interface{}{"task.$": task})
	moveNoCounts := itemEnd("MoveEndedWithoutCounts", "ended-without-counts", map[string]interface{}{"task.$": task})
	notListed := itemEnd("MoveNotListed", "not-listed", nil)
	notStarted := itemEnd("MoveNotStarted", "not-started", map[string]interface{}{"error.$": "$.error.Error"})
	startMove.AddCatch(notStarted, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.error")})
	list.AddCatch(itemEnd("MoveUnknown", "unknown", map[string]interface{}{"error.$": "$.listError.Error"}),
		&sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.listError")})

	running := sfn.Condition_StringEquals(jsii.String(status), jsii.String("RUNNING"))
	afterList := sfn.NewChoice(c, jsii.String("MoveDone?"), nil).
		When(sfn.Condition_Not(sfn.Condition_IsPresent(jsii.String(status))), notListed, nil).
		When(sfn.Condition_And(running, sfn.Condition_NumberLessThan(jsii.String("$.polls"), jsii.Number(MaxPolls))), count, nil).
		When(running, moveRunning, nil).
		When(sfn.Condition_And(sfn.Condition_IsPresent(jsii.String(moved)), sfn.Condition_IsNumeric(jsii.String(moved))), moveDone, nil).
		Otherwise(moveNoCounts)
	count.Next(wait)
	// A relapse stops a running redrive: after each wait the platform's
	// health is read again, and while it is unhealthy the move task is
	// cancelled (what was moved stays moved; the rest waits in the DLQ for
	// the next healthy run). Redriving into a failing store would only
	// send the payments round the queue again.
	recheck := healthCheck("RecheckHealth", "Reads the platform's health while a move task runs", "$.recheck",
		&map[string]interface{}{"status.$": "$.status", "reasons.$": "$.reasons"})
	// Health unknown: go on following the move (the next run decides).
	recheck.AddCatch(list, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.recheckError")})
	cancelMove := tasks.NewCallAwsService(c, jsii.String("CancelMessageMoveTask"), &tasks.CallAwsServiceProps{
		Comment: jsii.String("The platform relapsed: stop the redrive"),
		Service: jsii.String("sqs"), Action: jsii.String("cancelMessageMoveTask"),
		IamResources: dlqArns(props.Targets),
		Parameters:   &map[string]interface{}{"TaskHandle.$": "$.task.TaskHandle"},
		ResultPath:   jsii.String("$.cancelled"),
		TaskTimeout:  timeout(10),
	})
	retrySDK(cancelMove)
	moveCancelled := itemEnd("MoveCancelled", "cancelled-platform-unhealthy", map[string]interface{}{
		"reasons.$": "$.recheck.reasons", "moved.$": "$.cancelled.ApproximateNumberOfMessagesMoved"})
	cancelFailed := itemEnd("MoveCancelFailed", "cancel-failed-platform-unhealthy", map[string]interface{}{
		"reasons.$": "$.recheck.reasons", "error.$": "$.cancelError.Error"})
	cancelMove.AddCatch(cancelFailed, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.cancelError")})
	cancelMove.Next(moveCancelled)
	relapsed := sfn.NewChoice(c, jsii.String("Relapsed?"), nil).
		When(sfn.Condition_StringEquals(jsii.String("$.recheck.status"), jsii.String("unhealthy")), cancelMove, nil).
		Otherwise(list)
	recheck.Next(relapsed)

	itemChain := startMove.Next(pollInit).Next(wait)
	wait.Next(recheck)
	list.Next(afterList)

	redrive := sfn.NewMap(c, jsii.String("RedriveDeadLetters"), &sfn.MapProps{
		Comment:        jsii.String("One move task per dead-letter queue, one at a time"),
		ItemsPath:      jsii.String("$.health.redrive"),
		MaxConcurrency: jsii.Number(1),
		ItemSelector: &map[string]interface{}{
			"dlqArn.$": "$$.Map.Item.Value.dlqArn", "sourceArn.$": "$$.Map.Item.Value.sourceArn",
			"messages.$": "$$.Map.Item.Value.messages", "one": 1,
		},
		ResultPath: jsii.String("$.redriven"),
	})
	redrive.ItemProcessor(itemChain, nil)
	redrivenNotify := notify("NotifyRedriven", "Dead-lettered payments redriven",
		sfn.TaskInput_FromObject(&map[string]interface{}{
			"message": "Dead-letter queues were moved back to their source queues; the reprocess function persists them idempotently. An item whose outcome is cancelled-platform-unhealthy was stopped because the platform relapsed: its remaining dead letters wait for the next healthy run.",
			"results": sfn.JsonPath_ListAt(jsii.String("$.redriven")),
		}))
	redrivenDone := sfn.NewSucceed(c, jsii.String("Redriven"), nil)
	catchAndContinue(redrivenNotify, redrivenDone)
	redriven := redrivenNotify.Next(redrivenDone)
	redrive.AddCatch(notifyFailed, &sfn.CatchProps{Errors: jsii.Strings(string(errorname.StatesALL)), ResultPath: jsii.String("$.error")})
	redrive.Next(redriven)

	evaluate := sfn.NewChoice(c, jsii.String("Evaluate health"), nil).
		When(sfn.Condition_StringEquals(jsii.String("$.health.status"), jsii.String("unhealthy")), deferred, nil).
		When(sfn.Condition_BooleanEquals(jsii.String("$.health.redriveNeeded"), jsii.Bool(true)), redrive, nil).
		Otherwise(sfn.NewSucceed(c, jsii.String("NothingToDo"), &sfn.SucceedProps{Comment: jsii.String("Healthy, no dead letters (or degraded: wait)")}))

	oneAtATime := sfn.NewChoice(c, jsii.String("Another recovery running?"), nil).
		When(sfn.Condition_NumberGreaterThan(jsii.String("$.concurrency.running"), jsii.Number(1)),
			sfn.NewSucceed(c, jsii.String("AnotherRecoveryRunning"), nil), nil).
		Otherwise(checkHealth)
	// The number of parked payments is a level: published on every run
	// that could count it, alarmed while above 0 (dashboards.MonitorParked).
	recordParked := metric("RecordParkedPayments", dashboards.MetricPaymentsParked, "$.health.parkedPayments")
	catchAndContinue(recordParked, evaluate)
	recordParked.Next(evaluate)
	parkedCounted := sfn.NewChoice(c, jsii.String("Parked counted?"), nil).
		When(sfn.Condition_And(sfn.Condition_IsPresent(jsii.String("$.health.parkedPayments")),
			sfn.Condition_IsNumeric(jsii.String("$.health.parkedPayments"))), recordParked, nil).
		Otherwise(evaluate)
	checkHealth.Next(parkedCounted)

	start := sfn.NewPass(c, jsii.String("Start"), &sfn.PassProps{
		Comment:    jsii.String("Seeds the constant the metric tasks publish"),
		Parameters: &map[string]interface{}{"trigger.$": "$", "one": 1},
	})
	definition := start.Next(concurrency).Next(oneAtATime)

	sm, _ := statemachine.New(c, &statemachine.Props{
		Name: name, Type: sfn.StateMachineType_STANDARD,
		Comment:      "Checks health and redrives dead-lettered payments when the platform is healthy",
		Definition:   definition,
		Timeout:      awscdk.Duration_Minutes(jsii.Number(30)),
		LogRetention: props.LogRetention, Key: props.Key,
		// Its input is an EventBridge event and its data health reports
		// and queue counts, never a payment: the console shows them (the
		// default; the payments workflow sets OmitExecutionData).
	})
	for _, t := range props.Targets {
		grants.MoveMessages(sm, t.DLQ, t.Source, props.Key)
	}
	// SnsPublish grants sns:Publish; the topic is encrypted.
	grants.PublishTo(sm, props.Topic, props.Key)

	triggerDLQ := storage.NewDeadLetterQueue(c, "TriggerDLQ", "recovery-trigger-dlq", props.Key)
	scheduleRule, alarmRule := naming.Name(c, "recovery-schedule-rule"), naming.Name(c, "recovery-alarm-ok-rule")
	ruleArns := []*string{ruleArn(stack, scheduleRule)}
	if len(props.TriggerAlarms) > 0 {
		ruleArns = append(ruleArns, ruleArn(stack, alarmRule))
	}
	eventsRole := awsiam.NewRole(c, jsii.String("EventsRole"), &awsiam.RoleProps{
		RoleName: naming.NamePtr(c, "recovery-events-role"),
		// EventBridge may assume it for the two rules below only.
		AssumedBy:   grants.ServiceFor(c, "events.amazonaws.com", ruleArns...),
		Description: jsii.String("Lets EventBridge start " + name),
	})
	target := func(trigger string) awsevents.IRuleTarget {
		return awseventstargets.NewSfnStateMachine(sm, &awseventstargets.SfnStateMachineProps{
			Role:            eventsRole,
			DeadLetterQueue: triggerDLQ, RetryAttempts: jsii.Number(3), MaxEventAge: awscdk.Duration_Hours(jsii.Number(1)),
			Input: awsevents.RuleTargetInput_FromObject(&map[string]interface{}{"trigger": trigger}),
		})
	}
	awsevents.NewRule(c, jsii.String("Schedule"), &awsevents.RuleProps{
		RuleName:    jsii.String(scheduleRule),
		Description: jsii.String("Starts the recovery workflow on a schedule"),
		Schedule:    awsevents.Schedule_Rate(awscdk.Duration_Minutes(jsii.Number(props.ScheduleMinutes))),
		Targets:     &[]awsevents.IRuleTarget{target("schedule")},
	})
	if len(props.TriggerAlarms) > 0 {
		awsevents.NewRule(c, jsii.String("AlarmBackToOK"), &awsevents.RuleProps{
			RuleName:    jsii.String(alarmRule),
			Description: jsii.String("Starts the recovery workflow as soon as one of the app's alarms returns to OK"),
			EventPattern: &awsevents.EventPattern{
				Source:     jsii.Strings("aws.cloudwatch"),
				DetailType: jsii.Strings("CloudWatch Alarm State Change"),
				Detail: &map[string]interface{}{
					"alarmName": props.TriggerAlarms,
					"state":     map[string]interface{}{"value": []string{"OK"}},
				},
			},
			Targets: &[]awsevents.IRuleTarget{target("alarm-ok")},
		})
	}
	return &Recovery{StateMachine: sm, TriggerDLQ: triggerDLQ}
}

// ruleArn is the ARN of an EventBridge rule of the default bus.
func ruleArn(stack awscdk.Stack, name string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("events"), Resource: jsii.String("rule"),
		ResourceName: jsii.String(name), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME})
}

func dlqArns(targets []RedriveTarget) *[]*string {
	out := make([]*string, len(targets))
	for i, t := range targets {
		out[i] = t.DLQ.QueueArn()
	}
	return &out
}
