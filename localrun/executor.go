package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/healthmonitor"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Executor runs the payments workflow of a synthesized template on the ASL
// executor with the real task handlers, over a given table and queue: no
// emulators, no HTTP, no throttling, and retry waits recorded instead of
// slept. The benchmarks of the executor and the cost model run it; the
// Runner serves the same workflow over HTTP.
type Executor struct {
	machine    *aslrun.Machine
	reprocess  lambda.Handler
	getPayment lambda.Handler
	names      map[string]string // function resource type -> physical name
	observe    func(Invocation)
	queued     *capturedQueue
}

// ExecutorConfig configures an Executor.
type ExecutorConfig struct {
	// Template is the synthesized template; Suffix its environment suffix
	// (default "dev").
	Template *cfn.Template
	Suffix   string
	// DB serves the transactions table (memddb, DynamoDB Local's client,
	// or a wrapper that fails as a test needs).
	DB store.DB
	// Logs receives each function's JSON logs as Lambda would write them
	// to the function's log group (nil discards them).
	Logs func(function string) io.Writer
	// Observe, when set, is told of every Lambda invocation.
	Observe func(Invocation)
}

// Invocation is one Lambda invocation made by the workflow or the queue's
// event source.
type Invocation struct {
	// Function is the function's physical name.
	Function string
	// Payload and Response are the event and the answer, as Lambda sees
	// them.
	Payload, Response []byte
	Duration          time.Duration
	Err               error
}

// NewExecutor compiles the payments workflow of the template and builds
// its handlers (and the reprocess consumer's) from their template
// configuration.
func NewExecutor(cfg ExecutorConfig) (*Executor, error) {
	if cfg.Template == nil || cfg.DB == nil {
		return nil, fmt.Errorf("localrun: an executor needs a template and a table")
	}
	if cfg.Suffix == "" {
		cfg.Suffix = "dev"
	}
	names := &localNames{t: cfg.Template}
	e := &Executor{names: map[string]string{}, observe: cfg.Observe, queued: &capturedQueue{}}
	logger := func(fn string) *slog.Logger {
		if cfg.Logs == nil {
			return slog.New(slog.DiscardHandler)
		}
		return logging.NewLogger(cfg.Logs(fn))
	}
	handlers := map[string]lambda.Handler{}
	clients := paymentClients{DB: cfg.DB, Queue: e.queued, DLQ: e.queued}
	for _, fnType := range paymentFunctions {
		name := naming.Physical(fnType, cfg.Suffix)
		e.names[fnType] = name
		env, err := names.functionEnv(name)
		if err != nil {
			return nil, err
		}
		f, err := paymentFunction(fnType, func(k string) string { return env[k] }, clients, logger(name))
		if err != nil {
			return nil, err
		}
		handlers[name] = e.observed(name, invokeFunc(f.invoke))
	}
	e.reprocess = handlers[e.names[platform.FnReprocess]]
	e.getPayment = handlers[e.names[platform.FnGetPayment]]
	def, err := names.definition(naming.Physical(platform.PaymentsWorkflow, cfg.Suffix))
	if err != nil {
		return nil, err
	}
	invoker := &aslrun.LambdaInvoker{Functions: map[string]aslrun.LambdaHandler{}}
	for name, h := range handlers {
		invoker.Functions[name] = h
	}
	e.machine, err = aslrun.New(def, aslrun.Options{Invoker: invoker, Type: aslrun.Express,
		StateMachineARN: stateMachineARN(naming.Physical(platform.PaymentsWorkflow, cfg.Suffix)), Clock: recordedWaits{}})
	if err != nil {
		return nil, fmt.Errorf("localrun: compiling the payments workflow: %w", err)
	}
	return e, nil
}

// observed wraps a handler so that each invocation is timed and reported.
func (e *Executor) observed(name string, h lambda.Handler) lambda.Handler {
	if e.observe == nil {
		return h
	}
	return invokeFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		start := time.Now()
		out, err := h.Invoke(ctx, payload)
		d := time.Since(start)
		resp := append([]byte(nil), out...)
		e.observe(Invocation{Function: name, Payload: append([]byte(nil), payload...), Response: resp, Duration: d, Err: err})
		return out, err
	})
}

type invokeFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f invokeFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// FunctionName is the physical name of a function of the payments path
// (platform.FnValidate, ...).
func (e *Executor) FunctionName(resourceType string) string { return e.names[resourceType] }

// Pay runs POST /payments as the API's integration does, for
// DefaultCaller: the execution input made from the request, the
// synchronous execution, and the answer mapped from its result.
func (e *Executor) Pay(ctx context.Context, requestID, idempotencyKey string, body []byte) (*aslrun.Execution, api.Response, error) {
	exec, err := e.machine.Run(ctx, "", api.ExecutionInput(requestID, DefaultCaller, idempotencyKey, body))
	if err != nil {
		return nil, api.Response{}, err
	}
	return exec, api.MapExecution(api.Execution{Status: string(exec.Status), Output: string(exec.Output), Error: exec.Error, Cause: exec.Cause}), nil
}

// GetPayment runs GET /payments/{id} for DefaultCaller: the proxy
// integration's event to the get-payment function, and its answer.
func (e *Executor) GetPayment(ctx context.Context, requestID, id string) (events.APIGatewayProxyResponse, error) {
	return proxyCall(ctx, e.getPayment, "/payments/{id}", "/payments/"+id, requestID, map[string]string{"id": id})
}

func proxyCall(ctx context.Context, h lambda.Handler, resource, path, requestID string, params map[string]string) (events.APIGatewayProxyResponse, error) {
	var resp events.APIGatewayProxyResponse
	payload, err := json.Marshal(events.APIGatewayProxyRequest{Resource: resource, Path: path, HTTPMethod: "GET", PathParameters: params,
		RequestContext: events.APIGatewayProxyRequestContext{AccountID: awsenv.LocalAccount, ResourcePath: resource, Stage: api.StageName,
			RequestID: requestID, HTTPMethod: "GET", Path: "/" + api.StageName + path,
			Identity: localIdentity(api.LocalIdentity(DefaultCaller))}})
	if err != nil {
		return resp, err
	}
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return resp, err
	}
	return resp, json.Unmarshal(out, &resp)
}

// Queued returns and forgets the messages the EnqueueOnFailure task sent.
func (e *Executor) Queued() []*sqs.SendMessageInput { return e.queued.take() }

// Reprocess delivers messages to the reprocess function as one batch, the
// way the queue's event source does, and returns the ids it asked to
// receive again.
func (e *Executor) Reprocess(ctx context.Context, msgs []*sqs.SendMessageInput) ([]string, error) {
	ev := events.SQSEvent{}
	for i, m := range msgs {
		rec := events.SQSMessage{MessageId: "msg-" + strconv.Itoa(i), Body: aws.ToString(m.MessageBody),
			Attributes:        map[string]string{"ApproximateReceiveCount": "1"},
			MessageAttributes: map[string]events.SQSMessageAttribute{}}
		for k, v := range m.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue}
		}
		ev.Records = append(ev.Records, rec)
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	out, err := e.reprocess.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		return nil, err
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	return failed, nil
}

// capturedQueue is the failed-transactions queue as the EnqueueOnFailure
// task sees it: it keeps what is sent.
type capturedQueue struct {
	mu   sync.Mutex
	msgs []*sqs.SendMessageInput
}

func (q *capturedQueue) SendMessage(_ context.Context, in *sqs.SendMessageInput, _ ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, in)
	return &sqs.SendMessageOutput{MessageId: aws.String("msg-" + strconv.Itoa(len(q.msgs)))}, nil
}

func (q *capturedQueue) take() []*sqs.SendMessageInput {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.msgs
	q.msgs = nil
	return out
}

// recordedWaits is the real clock without sleeping: the executor records
// each retry's wait in the history (Event.Retry.Delay) and goes on, so a
// measured execution's duration plus its recorded waits is what Step
// Functions would take.
type recordedWaits struct{}

func (recordedWaits) Now() time.Time { return time.Now() }

func (recordedWaits) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func (recordedWaits) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// RecoveryOnIdle runs the template's recovery workflow once on a healthy
// platform with empty queues, which is what its schedule runs at zero
// traffic, and returns the execution; then it answers GET /health once
// with the health function. The health functions are the real handlers
// over an in-memory table, every gating alarm OK and every queue empty;
// the workflow's own listExecutions finds no other run. A state on
// another path (a redrive, a notification) fails the execution: the idle
// path is the one measured.
func RecoveryOnIdle(ctx context.Context, tpl *cfn.Template, suffix string, logs func(function string) io.Writer, observe func(Invocation)) (*aslrun.Execution, error) {
	if suffix == "" {
		suffix = "dev"
	}
	names := &localNames{t: tpl}
	name := naming.Physical(platform.FnHealthMonitor, suffix)
	env, err := names.functionEnv(name)
	if err != nil {
		return nil, err
	}
	getenv := func(k string) string { return env[k] }
	healthCfg, err := healthcheck.ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	db := memddb.New()
	if err := store.CreateTable(ctx, db, env["TABLE_NAME"]); err != nil {
		return nil, err
	}
	log := slog.New(slog.DiscardHandler)
	if logs != nil {
		log = logging.NewLogger(logs(name))
	}
	clients := healthcheck.Clients{Alarms: okAlarms(healthCfg.AlarmNames),
		Tables: db, Queues: emptyQueues{}, MoveTasks: emptyQueues{}, Items: db}
	monitor, err := healthmonitor.New(getenv, clients, log)
	if err != nil {
		return nil, err
	}
	e := &Executor{observe: observe}
	lambdas := &aslrun.LambdaInvoker{Functions: map[string]aslrun.LambdaHandler{name: e.observed(name, lambda.NewHandler(monitor.Handle))}}
	recoveryName := naming.Physical(platform.RecoveryWorkflow, suffix)
	def, err := names.definition(recoveryName)
	if err != nil {
		return nil, err
	}
	m, err := aslrun.New(def, aslrun.Options{Invoker: idleInvoker{lambdas}, Type: aslrun.Standard, ExecutionTimeout: -1,
		StateMachineARN: stateMachineARN(recoveryName), Clock: recordedWaits{}})
	if err != nil {
		return nil, fmt.Errorf("localrun: compiling the recovery workflow: %w", err)
	}
	input, _ := json.Marshal(map[string]any{"trigger": "schedule"})
	exec, err := m.Run(ctx, "idle", input)
	if err != nil {
		return nil, err
	}
	healthName := naming.Physical(platform.FnHealth, suffix)
	healthEnv, err := names.functionEnv(healthName)
	if err != nil {
		return nil, err
	}
	healthLog := slog.New(slog.DiscardHandler)
	if logs != nil {
		healthLog = logging.NewLogger(logs(healthName))
	}
	hh, err := health.New(func(k string) string { return healthEnv[k] }, clients, healthLog)
	if err != nil {
		return nil, err
	}
	if _, err := proxyCall(ctx, e.observed(healthName, lambda.NewHandler(hh.Handle)), "/health", "/health", "idle-health", nil); err != nil {
		return nil, err
	}
	return exec, nil
}

// idleInvoker answers the recovery workflow's calls on an idle platform.
type idleInvoker struct{ lambdas *aslrun.LambdaInvoker }

func (iv idleInvoker) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	switch resource {
	case "arn:aws:states:::aws-sdk:sfn:listExecutions":
		return json.RawMessage(`{"Executions":[]}`), nil
	case "arn:aws:states:::aws-sdk:cloudwatch:putMetricData":
		// The parked-payments level, published on every run.
		return json.RawMessage(`{}`), nil
	}
	return iv.lambdas.Invoke(ctx, resource, input)
}

// okAlarms answers for alarms that are all OK.
type okAlarms []string

// DescribeAlarms implements healthcheck.AlarmReader.
func (a okAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range a {
		if slices.Contains(in.AlarmNames, n) || (in.AlarmNamePrefix != nil && strings.HasPrefix(n, *in.AlarmNamePrefix)) {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: cwtypes.StateValueOk})
		}
	}
	return out, nil
}

// emptyQueues answers for queues that hold nothing and move nothing.
type emptyQueues struct{}

func (emptyQueues) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	return &sqs.GetQueueAttributesOutput{Attributes: map[string]string{
		"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
		"QueueArn": "arn:aws:sqs:" + awsenv.Region + ":" + awsenv.LocalAccount + ":" + path.Base(aws.ToString(in.QueueUrl)),
	}}, nil
}

func (emptyQueues) ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	return &sqs.ListMessageMoveTasksOutput{}, nil
}

// localIdentity is the proxy event's identity of a caller, as API Gateway
// fills it for IAM authorization.
func localIdentity(id api.Identity) events.APIGatewayRequestIdentity {
	return events.APIGatewayRequestIdentity{UserArn: id.UserArn, Caller: id.Caller, User: id.User, AccountID: id.AccountID, AccessKey: id.AccessKey}
}
