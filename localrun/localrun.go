// Package localrun runs the payment API on a laptop without an AWS
// account: the HTTP API of API Gateway on 127.0.0.1, executing the payments
// workflow definition that the CDK app synthesizes (with workflows/aslrun)
// and the real Go task handlers in process, against DynamoDB Local and the
// SQS emulator (internal/harness/emulator).
//
// Besides the API it runs what AWS would run in the background: the
// failed-transactions queue's event source (a poller that calls the
// reprocess handler with batches and deletes what succeeded) and the
// scheduled recovery workflow (the synthesized definition, its AWS SDK
// integrations served by the SQS emulator and in-memory stand-ins for
// Step Functions, CloudWatch metrics and SNS).
//
// Faults can be injected (POST /_local/faults) to watch the resilience
// paths: a DynamoDB outage answers 202 and queues the payment, the poller
// persists it when the store is back, and payments that went to the DLQ
// are redriven by the recovery workflow once the platform is healthy.
// CloudWatch is emulated (cloudwatch.go): the functions, workflows, API,
// table and queues emit the metrics AWS publishes, the template's metric
// filters read the functions' logs, and every synthesized alarm is
// evaluated over them as CloudWatch evaluates it, on a clock whose periods
// are divided by Config.AlarmTimeScale.
//
// # Where the local API differs from the deployed one
//
//   - SigV4 is verified with local credentials (DefaultCredential,
//     Config.Credentials) instead of IAM; a wrong signature is 403
//     INVALID_SIGNATURE. Unsigned requests are 403 only with
//     Config.RequireSignature; otherwise the caller that owns their
//     payments is named by the X-Local-Caller header
//     (api.LocalCallerHeader), or is DefaultCaller. The deployed API
//     ignores the header. Principal ids are derived from ARNs
//     (api.LocalIdentity). No WAF but its body-size rule (a body over
//     16 KiB is 413). Unknown routes and wrong methods answer 403 with
//     API Gateway's MISSING_AUTHENTICATION_TOKEN problem, as the
//     deployed API does.
//   - Execution histories (GET /_local/executions/{requestId}) show what
//     the Step Functions console would: every event, and inputs and
//     outputs only when the synthesized workflow logs execution data (the
//     payments workflow does not), with secrets redacted even then.
//   - The Lambda functions run in process: no cold starts, no function
//     timeouts beyond the workflow's TimeoutSeconds, no X-Ray. Their
//     per-call SDK timeout is 2.5 s (CALL_TIMEOUT_MS), not the deployed
//     0.8-1 s: the emulators are slower than the services.
//   - Injected DynamoDB and SQS errors are returned once per call, without
//     the SDK's own retries a real outage would also go through.
//   - GET /health answers a fresh status (the deployed function caches its
//     check for 5 s); alarms are evaluated on a faster clock
//     (AlarmTimeScale), and an injected fault shows in them only through
//     the metrics it moves, as a real outage does. The failed-transactions
//     queue's oldest-message age is the one the event source saw, and the
//     DLQ's is not measured (a peek would hide the message from the
//     redrive). GET /health/report, an AWS_IAM route deployed, gives the
//     full report to the request's caller; GET /health's own WAF rule
//     (per IP) is not applied, its method throttle is.
//   - The queue poller is one poller (Lambda runs several) and the
//     queue's visibility timeout is short (Config.VisibilityTimeout).
//   - The recovery workflow's waits are divided by Config.TimeScale, and it
//     runs every Config.RecoveryInterval; SNS notifications are log lines
//     and CloudWatch metrics in-memory counters (GET /_local/metrics).
package localrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/internal/runtime/deadline"
	"github.com/resilientpay/paymentapi/internal/runtime/lambdamain"
	"github.com/resilientpay/paymentapi/tasks/enqueue"
	"github.com/resilientpay/paymentapi/tasks/getpayment"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/healthmonitor"
	"github.com/resilientpay/paymentapi/tasks/persist"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/tasks/validate"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Config configures a Runner. Template is required; the zero value of
// every other field has a working default.
type Config struct {
	// Template is the synthesized CloudFormation template
	// (paymentstack.Synthesize, or cfn.ReadFile of cdk.out).
	Template *cfn.Template
	// Suffix is the environment suffix the template was synthesized for
	// (default "dev"); resource names are <type>-<suffix>.
	Suffix string
	// DynamoDBEndpoint and SQSEndpoint use running emulators instead of
	// starting them.
	DynamoDBEndpoint, SQSEndpoint string
	// MemoryStore keeps the transactions table in memory
	// (internal/harness/memddb) instead of DynamoDB Local, so that what is
	// measured is the runner itself. Runner.DynamoDB is then nil.
	MemoryStore bool
	// ResourcePrefix prefixes the local table's and queues' names, so
	// that several runners share the emulators (tests).
	ResourcePrefix string
	// ThrottleRate and ThrottleBurst are the stage's throttling limits;
	// zero reads them from the template's stage (cdk.json's
	// apiThrottleRateLimit and apiThrottleBurstLimit).
	ThrottleRate, ThrottleBurst float64
	// RecoveryInterval is how often the recovery workflow runs (the
	// deployed schedule is cdk.json's recoveryScheduleMinutes); zero means
	// 5 minutes, negative never.
	RecoveryInterval time.Duration
	// TimeScale divides the recovery workflow's waits (Wait states and
	// retry backoff), so that a redrive takes seconds: 60 turns its 15 s
	// Wait into 0.25 s. Its redrives move messages that many times faster
	// (up to SQS's 500 per second), so that a move ends within the
	// shortened waits as it does deployed. Default 1.
	TimeScale float64
	// PaymentsTimeScale divides the payments workflow's retry backoff
	// (not its Task timeouts), for tests that make many payments fail and
	// retry. Default 1: the deployed timing.
	PaymentsTimeScale float64
	// AlarmTimeScale divides the alarms' periods (five minutes deployed),
	// so that the local CloudWatch evaluates the synthesized alarms over
	// the local metrics in seconds: 10 makes a period 30 s. Default 1.
	AlarmTimeScale float64
	// VisibilityTimeout of the failed-transactions queue (the stack's is
	// 180 s; default 5 s so that retries are visible locally).
	VisibilityTimeout time.Duration
	// MaxReceiveCount, when positive, replaces the template's
	// maxReceiveCount of the failed-transactions queue (10). A queued
	// payment reaches the DLQ after maxReceiveCount receives, one per
	// visibility timeout: 30 minutes deployed (10 x 180 s). The emulator's
	// visibility timeout cannot go under 1 s, so a test that runs time N
	// times faster keeps that cycle N times shorter by lowering the count
	// instead: at 600 times, 3 receives of 1 s stand for 10 of 180 s.
	MaxReceiveCount int
	// PollInterval is the pause of the queue poller when the queue is
	// empty (default 250 ms).
	PollInterval time.Duration
	// KeepExecutions is how many executions /_local/executions keeps
	// (default 200).
	KeepExecutions int
	// HistoryTo, when set, receives the history of every payments
	// execution (aslrun.FormatHistory, secrets redacted).
	HistoryTo io.Writer
	// Logger receives JSON logs; nil discards them.
	Logger *slog.Logger
	// RequireSignature answers unsigned requests to the IAM-authorized
	// routes (POST /payments, GET /payments/{id}) 403, as the deployed
	// API does. Off, an unsigned request is the caller named by the
	// X-Local-Caller header, or DefaultCaller, and its answer says so
	// (UnsignedCallerHeader). Signed requests are verified either way.
	RequireSignature bool
	// Credentials are the access keys the runner verifies signatures
	// with, besides DefaultCredential.
	Credentials []Credential
	// Now is the clock signatures are checked against (default
	// time.Now).
	Now func() time.Time
}

// localCallTimeout is the functions' per-call SDK timeout locally (the
// deployed ones use store.DefaultCallTimeout and queue.DefaultCallTimeout).
const localCallTimeout = 2500 * time.Millisecond

// Runner is the running local platform. Its Handler serves the API.
type Runner struct {
	cfg       Config
	log       *slog.Logger
	emulators []*emulator.Process
	names     *localNames

	ddb *dynamodb.Client
	// dynamo is DynamoDB Local's client or the in-memory table.
	dynamo  dynamoAPI
	sqs     *sqs.Client
	faults  *Faults
	cw      *cloudWatch
	metrics *metrics
	// queueAges tracks the failed-transactions queue's oldest message.
	queueAges *queueAges
	execs     *executions
	invoker   *invoker

	payments, recovery *aslrun.Machine
	// paymentsData is whether the payments workflow logs execution data;
	// the kept histories show what its console would.
	paymentsData bool

	tableName string
	// apiName is the deployed REST API's name, a dimension of its metrics.
	apiName                   string
	queue, dlq                queueRef
	stageBucket, healthBucket *tokenBucket
	verifier                  *sigv4Verifier

	runningRecoveries atomic.Int64
	recoverySeq       atomic.Int64
	historyMu         sync.Mutex

	cancel context.CancelFunc
	wg     sync.WaitGroup
	srv    *http.Server
	addr   string
}

// Start starts the emulators (unless endpoints are given), creates the
// table and queues, compiles the workflows from the template, builds the
// handlers and starts the background workers. Call Stop when done, also
// after an error.
func Start(ctx context.Context, cfg Config) (r *Runner, err error) {
	if cfg.Template == nil {
		return nil, errors.New("localrun: Config.Template is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Suffix == "" {
		cfg.Suffix = "dev"
	}
	if cfg.TimeScale <= 0 {
		cfg.TimeScale = 1
	}
	if cfg.AlarmTimeScale <= 0 {
		cfg.AlarmTimeScale = 1
	}
	if cfg.PaymentsTimeScale <= 0 {
		cfg.PaymentsTimeScale = 1
	}
	if cfg.RecoveryInterval == 0 {
		cfg.RecoveryInterval = 5 * time.Minute
	}
	if cfg.VisibilityTimeout <= 0 {
		cfg.VisibilityTimeout = 5 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 250 * time.Millisecond
	}
	if cfg.KeepExecutions <= 0 {
		cfg.KeepExecutions = 200
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r = &Runner{cfg: cfg, log: log, faults: newFaults(), metrics: newMetrics(), execs: newExecutions(cfg.KeepExecutions),
		queueAges: newQueueAges(3*cfg.VisibilityTimeout + time.Second),
		verifier:  newSigV4Verifier(append([]Credential{DefaultCredential}, cfg.Credentials...), cfg.Now)}
	r.faults.onChange = func(target, kind string, d time.Duration) {
		log.Warn("fault changed", "target", target, "fault", kind, "duration", d.String())
	}
	defer func() {
		if err != nil {
			r.Stop()
			r = nil
		}
	}()
	tpl := cfg.Template
	if err := r.startEmulators(ctx); err != nil {
		return r, err
	}
	if err := r.createResources(ctx, tpl); err != nil {
		return r, err
	}
	if err := r.build(tpl); err != nil {
		return r, err
	}
	bg, cancel := context.WithCancel(context.Background())
	r.cancel = cancel
	r.wg.Go(func() { r.poll(bg) })
	r.wg.Go(func() { r.cw.run(bg) })
	r.wg.Go(func() { r.sampleQueues(bg) })
	r.cw.onOK = func(alarm string) {
		r.wg.Go(func() { r.runRecovery(bg, "alarm-ok") })
	}
	if cfg.RecoveryInterval > 0 {
		r.wg.Go(func() { r.recoveryLoop(bg) })
	}
	return r, nil
}

func (r *Runner) startEmulators(ctx context.Context) error {
	ddbEndpoint, sqsEndpoint := r.cfg.DynamoDBEndpoint, r.cfg.SQSEndpoint
	if r.cfg.MemoryStore {
		ddbEndpoint = "memory"
	}
	type started struct {
		p   *emulator.Process
		err error
	}
	var ddbCh, sqsCh chan started
	if ddbEndpoint == "" || sqsEndpoint == "" {
		// npm ci must run once, before the two start concurrently.
		if _, err := emulator.Install(ctx); err != nil {
			return fmt.Errorf("localrun: installing the emulators: %w", err)
		}
	}
	if ddbEndpoint == "" {
		ddbCh = make(chan started, 1)
		go func() { p, err := emulator.StartDynamoDB(ctx); ddbCh <- started{p, err} }()
	}
	if sqsEndpoint == "" {
		sqsCh = make(chan started, 1)
		go func() { p, err := emulator.StartSQS(ctx); sqsCh <- started{p, err} }()
	}
	var errs []error
	if ddbCh != nil {
		s := <-ddbCh
		if s.err != nil {
			errs = append(errs, fmt.Errorf("localrun: starting DynamoDB Local: %w", s.err))
		} else {
			r.emulators = append(r.emulators, s.p)
			ddbEndpoint = s.p.Endpoint()
			r.log.Info("DynamoDB Local started", "endpoint", ddbEndpoint)
		}
	}
	if sqsCh != nil {
		s := <-sqsCh
		if s.err != nil {
			errs = append(errs, fmt.Errorf("localrun: starting the SQS emulator: %w", s.err))
		} else {
			r.emulators = append(r.emulators, s.p)
			sqsEndpoint = s.p.Endpoint()
			r.log.Info("SQS emulator started", "endpoint", sqsEndpoint)
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if r.cfg.MemoryStore {
		r.dynamo = memddb.New()
		r.log.Info("in-memory DynamoDB")
	} else {
		r.ddb = emulator.DynamoDBClient(ddbEndpoint)
		r.dynamo = r.ddb
	}
	r.sqs = emulator.SQSClient(sqsEndpoint)
	return nil
}

// dynamoAPI is what the runner asks of DynamoDB: the store's calls and
// creating its table. DynamoDB Local's client and memddb implement it.
type dynamoAPI interface {
	store.DB
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
}

var (
	_ dynamoAPI = (*dynamodb.Client)(nil)
	_ dynamoAPI = (*memddb.DB)(nil)
)

// createResources creates the table and the failed-transactions queue and
// DLQ under the template's names, with the template's maxReceiveCount.
func (r *Runner) createResources(ctx context.Context, tpl *cfn.Template) error {
	name := func(resourceType string) string { return naming.Physical(resourceType, r.cfg.Suffix) }
	r.names = &localNames{t: tpl, table: map[string]string{}, queues: map[string]queueRef{}}
	local := func(name string) string { return r.cfg.ResourcePrefix + name }
	table, err := tpl.ByName(cfn.DynamoDBTable, name(platform.TransactionsTable))
	if err != nil {
		return err
	}
	r.tableName = local(name(platform.TransactionsTable))
	if err := store.CreateTable(ctx, r.dynamo, r.tableName); err != nil {
		var inUse interface{ ErrorCode() string }
		if !errors.As(err, &inUse) || inUse.ErrorCode() != "ResourceInUseException" {
			return err
		}
	}
	r.names.table[table.LogicalID] = r.tableName

	queueName, dlqName := name(platform.FailedQueue), name(platform.FailedDLQ)
	maxReceive, err := r.names.maxReceiveCount(queueName)
	if err != nil {
		return err
	}
	if r.cfg.MaxReceiveCount > 0 {
		maxReceive = r.cfg.MaxReceiveCount
	}
	dlqRes, err := tpl.ByName(cfn.SQSQueue, dlqName)
	if err != nil {
		return err
	}
	if r.dlq, err = r.createQueue(ctx, local(dlqName), nil); err != nil {
		return err
	}
	r.names.queues[dlqRes.LogicalID] = r.dlq
	queueRes, err := tpl.ByName(cfn.SQSQueue, queueName)
	if err != nil {
		return err
	}
	r.queue, err = r.createQueue(ctx, local(queueName), map[string]string{
		"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"%d"}`, r.dlq.arn, maxReceive),
		"VisibilityTimeout": strconv.Itoa(max(1, int(r.cfg.VisibilityTimeout.Round(time.Second).Seconds()))),
	})
	if err != nil {
		return err
	}
	r.names.queues[queueRes.LogicalID] = r.queue
	r.log.Info("resources created", "table", r.tableName, "queue", r.queue.name, "dlq", r.dlq.name,
		"max_receive_count", maxReceive, "visibility_timeout", r.cfg.VisibilityTimeout.String())
	return nil
}

func (r *Runner) createQueue(ctx context.Context, name string, attrs map[string]string) (queueRef, error) {
	out, err := r.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		return queueRef{}, fmt.Errorf("localrun: creating queue %s: %w", name, err)
	}
	a, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		return queueRef{}, fmt.Errorf("localrun: reading queue %s: %w", name, err)
	}
	return queueRef{url: *out.QueueUrl, arn: a.Attributes[string(sqstypes.QueueAttributeNameQueueArn)], name: name}, nil
}

// build makes the handlers with their packages' constructors, from the
// template's function configuration, and compiles both workflows.
func (r *Runner) build(tpl *cfn.Template) error {
	var err error
	if r.cw, err = newCloudWatch(tpl, r.cfg.AlarmTimeScale, r.log.With("component", "cloudwatch")); err != nil {
		return err
	}
	db := &faultyDynamoDB{db: r.dynamo, faults: r.faults, cw: r.cw,
		table: naming.Physical(platform.TransactionsTable, r.cfg.Suffix)}
	healthClients := healthcheck.Clients{Alarms: r.cw, Tables: db, Queues: r.sqs, MoveTasks: r.sqs, Items: db}
	clients := paymentClients{DB: db, Queue: &faultySQS{sqs: r.sqs, faults: r.faults}, DLQ: r.sqs}
	r.invoker = &invoker{
		functions: map[string]*function{},
		sqs:       r.sqs, metrics: r.metrics, cw: r.cw, log: r.log.With("component", "recovery-integrations"),
		runningRecoveries: &r.runningRecoveries, timeScale: r.cfg.TimeScale,
	}
	for _, fnType := range slices.Concat(paymentFunctions, []string{platform.FnHealth, platform.FnHealthMonitor}) {
		name := naming.Physical(fnType, r.cfg.Suffix)
		env, err := r.names.functionEnv(name)
		if err != nil {
			return err
		}
		// The emulators on a busy laptop are slower than DynamoDB and SQS:
		// a longer per-call timeout, still inside the Tasks' timeouts.
		env[deadline.CallTimeoutEnv] = strconv.Itoa(int(localCallTimeout.Milliseconds()))
		group, err := r.names.logGroup(name)
		if err != nil {
			return err
		}
		// The function's log lines go through its log group's metric
		// filters, as CloudWatch Logs applies them.
		getenv := func(k string) string { return env[k] }
		log := slog.New(&logFilterHandler{next: r.log.Handler(), cw: r.cw, group: group}).With("function", name)
		var f *function
		switch fnType {
		case platform.FnHealth:
			// The deployed function caches its report for 5 s; locally it
			// answers fresh so that injected faults show at once.
			env["HEALTH_CACHE_SECONDS"] = "0"
			f, err = handlerFunction(health.New(getenv, healthClients, log))
		case platform.FnHealthMonitor:
			f, err = handlerFunction(healthmonitor.New(getenv, healthClients, log))
		default:
			f, err = paymentFunction(fnType, getenv, clients, log)
		}
		if err != nil {
			return fmt.Errorf("localrun: building %s: %w", name, err)
		}
		r.invoker.functions[name] = f
	}
	s := r.cfg.Suffix
	paymentsName, recoveryName := naming.Physical(platform.PaymentsWorkflow, s), naming.Physical(platform.RecoveryWorkflow, s)
	paymentsDef, err := r.names.definition(paymentsName)
	if err != nil {
		return err
	}
	r.payments, err = aslrun.New(paymentsDef, aslrun.Options{Invoker: r.invoker, Type: aslrun.Express,
		Clock: scaledClock{scale: r.cfg.PaymentsTimeScale}, StateMachineARN: stateMachineARN(paymentsName)})
	if err != nil {
		return fmt.Errorf("localrun: compiling the payments workflow: %w", err)
	}
	if r.paymentsData, err = r.names.logsExecutionData(paymentsName); err != nil {
		return err
	}
	recoveryDef, err := r.names.definition(recoveryName)
	if err != nil {
		return err
	}
	r.recovery, err = aslrun.New(recoveryDef, aslrun.Options{Invoker: r.invoker, Type: aslrun.Standard,
		Clock: scaledClock{scale: r.cfg.TimeScale}, ExecutionTimeout: -1,
		StateMachineARN: stateMachineARN(recoveryName)})
	if err != nil {
		return fmt.Errorf("localrun: compiling the recovery workflow: %w", err)
	}

	for _, rest := range tpl.ResourcesOfType("AWS::ApiGateway::RestApi") {
		r.apiName, _ = rest.Property("Name").(string)
	}
	rate, burst := r.cfg.ThrottleRate, r.cfg.ThrottleBurst
	if rate <= 0 || burst <= 0 {
		var ok bool
		if rate, burst, ok = throttle(tpl, "/*", "*"); !ok {
			return errors.New("localrun: the template's stage has no throttling limits; set ThrottleRate and ThrottleBurst")
		}
	}
	r.stageBucket = newTokenBucket(rate, burst)
	hr, hb, ok := throttle(tpl, "/~1health", "GET")
	if !ok {
		hr, hb = 20, 40 // the stack's health method limits
	}
	r.healthBucket = newTokenBucket(hr, hb)
	r.log.Info("workflows compiled", "payments", paymentsName, "recovery", recoveryName,
		"throttle_rate", rate, "throttle_burst", burst)
	return nil
}

// stateMachineARN is the local ARN of a state machine.
func stateMachineARN(name string) string {
	return "arn:aws:states:" + awsenv.Region + ":" + awsenv.LocalAccount + ":stateMachine:" + name
}

// paymentFunctions are the functions of the payment path: the payments
// workflow's Tasks, the queue's consumer and GET /payments/{id}.
var paymentFunctions = []string{platform.FnValidate, platform.FnPersist, platform.FnEnqueue,
	platform.FnReprocess, platform.FnGetPayment}

// paymentClients are the clients the payment path's handlers are built
// with: the table, the failed-transactions queue Enqueue sends to, and the
// DLQ reprocess dead-letters to.
type paymentClients struct {
	DB         store.DB
	Queue, DLQ queue.Sender
}

// paymentFunction builds one function of the payment path with its
// package's constructor, from its environment: the one place the Runner
// and the Executor build them.
func paymentFunction(fnType string, getenv func(string) string, c paymentClients, log *slog.Logger) (*function, error) {
	switch fnType {
	case platform.FnValidate:
		return handlerFunction(validate.New(getenv, log))
	case platform.FnPersist:
		return handlerFunction(persist.New(getenv, c.DB, log))
	case platform.FnEnqueue:
		return handlerFunction(enqueue.New(getenv, c.Queue, log))
	case platform.FnReprocess:
		return handlerFunction(reprocess.New(getenv, reprocess.Clients{DB: c.DB, SQS: c.DLQ}, log))
	case platform.FnGetPayment:
		return handlerFunction(getpayment.New(getenv, c.DB, log))
	}
	return nil, fmt.Errorf("localrun: %s is not a function of the payment path", fnType)
}

// handlerFunction makes a Lambda function of a built task handler.
func handlerFunction[H lambdamain.Handler[E, O], E, O any](h H, err error) (*function, error) {
	if err != nil {
		return nil, err
	}
	return newFunction(h.Handle), nil
}

// scaledClock is the real clock with sleeps divided by scale; deadlines
// (task timeouts) are not scaled.
type scaledClock struct{ scale float64 }

func (c scaledClock) Now() time.Time { return time.Now() }

func (c scaledClock) Sleep(ctx context.Context, d time.Duration) error {
	return aslrun.SystemClock{}.Sleep(ctx, time.Duration(float64(d)/c.scale))
}

func (c scaledClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// Parking is what an operator does with parked payments, on the local
// table and queue (no faults).
func (r *Runner) Parking() reprocess.Parking {
	return reprocess.Parking{Store: store.New(r.ddb, r.tableName), Queue: queue.New(r.sqs, r.queue.url)}
}

// Faults returns the fault injector.
func (r *Runner) Faults() *Faults { return r.faults }

// DynamoDB returns the client of the emulated DynamoDB (no faults), or
// nil with Config.MemoryStore.
func (r *Runner) DynamoDB() *dynamodb.Client { return r.ddb }

// SQS returns the client of the SQS emulator.
func (r *Runner) SQS() *sqs.Client { return r.sqs }

// TableName is the transactions table.
func (r *Runner) TableName() string { return r.tableName }

// QueueURLs returns the failed-transactions queue and its DLQ.
func (r *Runner) QueueURLs() (queueURL, dlqURL string) { return r.queue.url, r.dlq.url }

// Serve listens on addr (e.g. 127.0.0.1:8080, or :0 for any port) and
// serves the API in the background. Addr tells the address.
func (r *Runner) Serve(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
	r.wg.Go(func() {
		if err := r.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			r.log.Error("server stopped", "error", err.Error())
		}
	})
	return nil
}

// Addr is the address Serve listens on.
func (r *Runner) Addr() string { return r.addr }

// Stop stops the server and the background workers and stops the
// emulators the runner started. It is safe to call more than once.
func (r *Runner) Stop() {
	if r == nil {
		return
	}
	if r.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = r.srv.Shutdown(ctx)
		cancel()
	}
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	for _, p := range r.emulators {
		if err := p.Stop(); err != nil {
			r.log.Warn("stopping an emulator", "error", err.Error())
		}
	}
	r.emulators = nil
}
