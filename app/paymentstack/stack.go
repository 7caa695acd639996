// Package paymentstack wires the payment platform's constructs into one
// stack. It only wires: every resource is built by the construct package
// that owns it.
package paymentstack

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/api/restapi"
	"github.com/resilientpay/paymentapi/dashboards"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/datakey"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cdk/grants"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/recovery"
	"github.com/resilientpay/paymentapi/storage"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/workflows/payments"
)

// Props configures the stack.
type Props struct {
	awscdk.StackProps
	Config Config
	// ModuleDir is the Go module whose Lambda packages are built.
	ModuleDir string
}

// Stack is the synthesized platform, with the handles tests and other
// stacks need.
type Stack struct {
	awscdk.Stack
	Payments *payments.Workflow
	Recovery *recovery.Recovery
	API      *restapi.API
}

// Function names (resource types) of the platform, also the logical
// grouping of their alarms and dashboard graphs. They live in the CDK-free
// package internal/names (the local runner and the cost model need them
// without the CDK); these are aliases.
const (
	FnValidate      = platform.FnValidate
	FnPersist       = platform.FnPersist
	FnEnqueue       = platform.FnEnqueue
	FnReprocess     = platform.FnReprocess
	FnGetPayment    = platform.FnGetPayment
	FnHealth        = platform.FnHealth
	FnHealthMonitor = platform.FnHealthMonitor
)

// FunctionMemoryMB is the memory size of a function off the synchronous
// path.
//
// Deprecated: each function's size is a recorded decision; use
// MemoryMB(resourceType) and add a new function to FunctionMemory.
const FunctionMemoryMB = BackgroundMemoryMB

// ReprocessMaxConcurrency bounds the reprocess function's event source.
const ReprocessMaxConcurrency = 5

// FailedMaxReceiveCount is how many receives of a queued payment fail
// before SQS moves it to the DLQ, where it waits for the recovery workflow
// to move it back once the platform is healthy. With the 180 s visibility
// timeout that is half an hour of retries. None of it counts against the
// payment: the reprocess function parks only for a reason of the
// payment's own (package reprocess).
const FailedMaxReceiveCount = 10

// FailedRetention is how long the failed-transactions queue and its DLQ
// keep a message: SQS's maximum, 14 days, so that an outage or a stopped
// consumer has two weeks before a payment answered 202 could expire. The
// queue's oldest-message alarm fires after minutes.
const FailedRetentionDays = 14

// Resource types of the failed-transactions queue and its DLQ (aliases
// of internal/names).
const (
	FailedQueue = platform.FailedQueue
	FailedDLQ   = platform.FailedDLQ
)

// New builds the stack.
func New(scope constructs.Construct, id string, props *Props) *Stack {
	if props == nil || props.ModuleDir == "" {
		panic("paymentstack: props with ModuleDir are required")
	}
	cfg := props.Config
	sp := props.StackProps
	env := awscdk.Environment{}
	if sp.Env != nil {
		env = *sp.Env
	}
	env.Region = jsii.String(awsenv.Region)
	sp.Env = &env
	if sp.StackName == nil {
		sp.StackName = jsii.String("payment-platform-" + cfg.Suffix)
	}
	sp.Description = jsii.String("Resilient payment API: API Gateway, Express workflow, DynamoDB, SQS, recovery workflow (" + cfg.Suffix + ")")
	stack := awscdk.NewStack(scope, jsii.String(id), &sp)
	stack.Node().SetContext(jsii.String(naming.ContextKey), cfg.Suffix)
	logRetention, err := RetentionDays(cfg.LogRetentionDays)
	if err != nil {
		panic(err)
	}

	key := datakey.New(stack, "DataKey")
	table := transactionsTable(stack, key, cfg.TransactionsTable)
	failed := storage.NewQueueWithDLQ(stack, "FailedTransactions", &storage.QueueProps{
		ResourceType: FailedQueue, DLQType: FailedDLQ, Key: key,
		Retention: awscdk.Duration_Days(jsii.Number(FailedRetentionDays)),
		// Six times the reprocess function's timeout, as AWS recommends
		// for Lambda event sources.
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(180)),
		MaxReceiveCount:   FailedMaxReceiveCount,
	})
	asyncDLQ := storage.NewServiceDeadLetterQueue(stack, "LambdaAsyncDLQ", "lambda-async-dlq")
	monitoring := dashboards.New(stack, "Monitoring", key, cfg.Thresholds)
	if cfg.AlarmEmail != "" {
		monitoring.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(cfg.AlarmEmail), nil))
	}

	fn := func(id, resourceType, entry, description string, timeoutSeconds, memory float64, env map[string]*string) *golambda.Function {
		return golambda.New(stack, id, &golambda.Props{
			ModuleDir: props.ModuleDir, Entry: entry, ResourceType: resourceType, Description: description,
			Timeout: awscdk.Duration_Seconds(jsii.Number(timeoutSeconds)), MemorySize: memory,
			Environment: env, LogRetention: logRetention, EncryptionKey: key, DeadLetterQueue: asyncDLQ,
		})
	}
	tableEnv := map[string]*string{
		"TABLE_NAME":            table.TableName(),
		"IDEMPOTENCY_TTL_HOURS": jsii.String(strconv.Itoa(cfg.IdempotencyTTLHours)),
	}
	validate := fn("Validate", FnValidate, "./tasks/validate/lambda", "Validates payment requests",
		payments.Budget.Validate.FunctionTimeoutSeconds, MemoryMB(FnValidate), nil)
	persist := fn("Persist", FnPersist, "./tasks/persist/lambda", "Persists payments idempotently",
		payments.Budget.Persist.FunctionTimeoutSeconds, MemoryMB(FnPersist), tableEnv)
	enqueue := fn("Enqueue", FnEnqueue, "./tasks/enqueue/lambda", "Queues payments the store could not take",
		payments.Budget.Enqueue.FunctionTimeoutSeconds, MemoryMB(FnEnqueue), map[string]*string{"FAILED_QUEUE_URL": failed.Queue.QueueUrl()})
	reprocessEnv := map[string]*string{
		"FAILED_DLQ_URL": failed.DLQ.QueueUrl(),
	}
	for k, v := range tableEnv {
		reprocessEnv[k] = v
	}
	reprocess := fn("Reprocess", FnReprocess, "./tasks/reprocess/lambda", "Persists queued payments; dead-letters and parks what cannot be",
		30, MemoryMB(FnReprocess), reprocessEnv)
	getPayment := fn("GetPayment", FnGetPayment, "./tasks/getpayment/lambda", "Reads a payment by id",
		5, MemoryMB(FnGetPayment), map[string]*string{"TABLE_NAME": table.TableName()})

	grants.PersistInto(persist.Role, table, key)
	grants.PersistInto(reprocess.Role, table, key)
	grants.ParkInto(reprocess.Role, table, key)
	grants.SendTo(reprocess.Role, failed.DLQ, key)
	grants.ReadFrom(getPayment.Role, table, key)
	grants.SendTo(enqueue.Role, failed.Queue, key)
	reprocess.Function.AddEventSource(awslambdaeventsources.NewSqsEventSource(failed.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize: jsii.Number(10), MaxBatchingWindow: awscdk.Duration_Seconds(jsii.Number(1)),
		ReportBatchItemFailures: jsii.Bool(true),
		// Draining a backlog (after an outage, or a redrive) must leave the
		// account's concurrency and the table's capacity to the payment
		// path: at most this many reprocess functions run at once.
		MaxConcurrency: jsii.Number(ReprocessMaxConcurrency),
	}))

	workflow := payments.New(stack, "PaymentsWorkflow", &payments.Props{
		Validate: validate.Function, Persist: persist.Function, Enqueue: enqueue.Function, LogRetention: logRetention, Key: key,
	})

	monitoring.MonitorTable(table)
	monitoring.MonitorWorkflow(payments.ResourceType, workflow.StateMachine)
	monitoring.MonitorQueue("failed-transactions", failed.Queue, failed.DLQ)
	monitoring.MonitorParked()
	// The payment path's functions gate recovery: their errors are the
	// platform failing, never a client (client outcomes are results).
	for _, f := range []struct {
		name  string
		fn    *golambda.Function
		gates bool
	}{
		{FnValidate, validate, true}, {FnPersist, persist, true}, {FnEnqueue, enqueue, true},
		{FnReprocess, reprocess, true}, {FnGetPayment, getPayment, false},
	} {
		monitoring.MonitorFunction(f.name, f.fn.Function, f.gates)
	}

	healthEnv := func() map[string]*string {
		return map[string]*string{
			"TABLE_NAME": table.TableName(),
			"QUEUE_URLS": jsii.String(*failed.Queue.QueueUrl() + "," + *failed.DLQ.QueueUrl()),
		}
	}
	health := fn("Health", FnHealth, "./tasks/health/lambda", "Answers GET /health with the health report",
		10, MemoryMB(FnHealth), healthEnv())
	// Under the CheckHealth Task's 30 s, with a margin; the check itself
	// is bounded at 20 s (healthmonitor).
	monitorEnv := healthEnv()
	monitorEnv[healthcheck.EnvCountParked] = jsii.String("true")
	monitor := fn("HealthMonitor", FnHealthMonitor, "./tasks/healthmonitor/lambda", "Reads the platform's health for the recovery workflow",
		25, MemoryMB(FnHealthMonitor), monitorEnv)
	grants.CountIndex(monitor.Role, table, key, store.ParkedIndex)
	// The data plane as the functions see it: a payment attempt, a queued
	// payment's retry or a health probe that finds the store unavailable.
	monitoring.MonitorStore(store.UnavailableLogMessage, map[string]awslogs.ILogGroup{
		FnPersist: persist.LogGroup, FnReprocess: reprocess.LogGroup, FnHealthMonitor: monitor.LogGroup,
	})

	// GET /health: each client at most 100 requests per 5 minutes (a
	// monitor every 10 s sends 30), so holding the shared 20 req/s in 429
	// takes 60 addresses at their limit (docs/security.md).
	rest := restapi.New(stack, "Api", &restapi.Props{
		Payments: workflow.StateMachine, GetPayment: getPayment.Function, Health: health.Function,
		ThrottleRate: cfg.ThrottleRate, ThrottleBurst: cfg.ThrottleBurst, LogRetention: logRetention, Key: key,
		CloudWatchRole:     cfg.APIGatewayCloudWatchRole,
		HealthThrottleRate: 20, HealthThrottleBurst: 40, WAFRatePer5Minutes: cfg.WAFRatePer5Minutes, HealthWAFRatePer5Minutes: 100,
	})
	monitoring.MonitorAPI(rest.RestAPI, api.StageName,
		dashboards.Route{Method: "POST", Resource: "/payments"}, dashboards.Route{Method: "GET", Resource: "/payments/{id}"})

	// Every gating alarm exists now (the API's too): the health functions
	// read exactly these, and recovery starts when one returns to OK.
	gating := monitoring.RecoveryGatingAlarmNames()
	for _, f := range []*golambda.Function{health, monitor} {
		f.Function.AddEnvironment(jsii.String("ALARM_NAMES"), jsii.String(strings.Join(gating, ",")), nil)
		grantHealthReads(stack, table, key, f, gating, failed)
	}

	rec := recovery.New(stack, "Recovery", &recovery.Props{
		HealthMonitor: monitor.Function, Topic: monitoring.Topic,
		Targets:         []recovery.RedriveTarget{{DLQ: failed.DLQ, Source: failed.Queue}},
		TriggerAlarms:   gating,
		ScheduleMinutes: cfg.RecoveryScheduleMinutes, LogRetention: logRetention, Key: key,
	})
	monitoring.MonitorQueue("recovery-trigger", nil, rec.TriggerDLQ)
	monitoring.MonitorQueue("lambda-async", nil, asyncDLQ)
	monitoring.MonitorFunction(FnHealth, health.Function, false)
	monitoring.MonitorFunction(FnHealthMonitor, monitor.Function, false)
	monitoring.MonitorRecovery(rec.StateMachine)
	monitoring.Finish()
	if cfg.AlarmTopicArn != "" {
		notifyOnCallTopic(stack, cfg.AlarmTopicArn)
	}

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{Value: rest.RestAPI.Url()})
	awscdk.NewCfnOutput(stack, jsii.String("PaymentsWorkflowArn"), &awscdk.CfnOutputProps{Value: workflow.StateMachine.StateMachineArn()})
	awscdk.NewCfnOutput(stack, jsii.String("RecoveryWorkflowArn"), &awscdk.CfnOutputProps{Value: rec.StateMachine.StateMachineArn()})
	awscdk.NewCfnOutput(stack, jsii.String("DashboardName"), &awscdk.CfnOutputProps{Value: naming.NamePtr(stack, "payments-dashboard")})
	// Every log group exists now: CloudWatch Logs may use the key for
	// these and no other.
	datakey.AllowLogGroups(key, encryptedLogGroups(stack))
	AddSuppressions(stack)
	return &Stack{Stack: stack, Payments: workflow, Recovery: rec, API: rest}
}

// encryptedLogGroups returns the names of the stack's log groups that are
// encrypted with a key. A name may hold a token (the API's execution log
// group holds the API id), never be left to CloudFormation.
func encryptedLogGroups(stack awscdk.Stack) []string {
	var names []string
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if lg, ok := c.(awslogs.CfnLogGroup); ok && lg.KmsKeyId() != nil {
			if lg.LogGroupName() == nil {
				panic(fmt.Sprintf("paymentstack: log group %s has no name for the key policy", *c.Node().Path()))
			}
			names = append(names, *lg.LogGroupName())
		}
	}
	return names
}

// grantHealthReads lets a health function read what the health report is
// made of, on the named resources only.
func grantHealthReads(stack awscdk.Stack, table awsdynamodb.Table, key awskms.IKey, fn *golambda.Function, alarms []string, queues storage.QueueWithDLQ) {
	grants.DescribeTable(fn.Role, table)
	grants.ProbeStore(fn.Role, table, key, store.ProbeKey)
	queues.Queue.Grant(fn.Role, jsii.String("sqs:GetQueueAttributes"))
	queues.DLQ.Grant(fn.Role, jsii.String("sqs:GetQueueAttributes"), jsii.String("sqs:ListMessageMoveTasks"))
	arns := make([]*string, len(alarms))
	for i, a := range alarms {
		arns[i] = stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("cloudwatch"), Resource: jsii.String("alarm"),
			ResourceName: jsii.String(a), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	}
	// No grant method exists for alarms; DescribeAlarms is scoped to the
	// app's own gating alarms by ARN.
	fn.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("cloudwatch:DescribeAlarms"), Resources: &arns,
	}))
}
