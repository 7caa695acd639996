package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Fault kinds, as POST /_local/faults and -fault take them.
const (
	// FaultOK clears the fault of a target.
	FaultOK = "ok"
	// FaultUnavailable makes every call fail as a service outage does
	// (HTTP 503 ServiceUnavailable, a server fault).
	FaultUnavailable = "unavailable"
	// FaultThrottled makes DynamoDB data calls fail with
	// ProvisionedThroughputExceededException.
	FaultThrottled = "throttled"
	// FaultConflict makes DynamoDB transactions fail with a
	// TransactionConflict cancellation, as when another transaction holds
	// the items: the store waits, then answers InProgress (409).
	FaultConflict = "conflict"
	// FaultLostAnswer makes SQS sends deliver the message and then fail
	// as a send whose answer never came back does (a timeout): the
	// payment is queued, but the enqueue function cannot know it.
	FaultLostAnswer = "lost-answer"
)

// Fault targets.
const (
	// TargetStore is the DynamoDB client of persist, reprocess,
	// get-payment and the health checks.
	TargetStore = "store"
	// TargetQueue is the SQS client of the enqueue function.
	TargetQueue = "queue"
)

// FaultRequest is the body of POST /_local/faults: one target and kind,
// e.g. {"store":"unavailable","seconds":10}. Seconds 0 means until cleared.
type FaultRequest struct {
	Store   string  `json:"store,omitempty"`
	Queue   string  `json:"queue,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
}

// ParseFault parses the -fault flag: "store=unavailable:10s",
// "queue=unavailable" (until cleared), "queue=lost-answer" or "store=ok".
func ParseFault(s string) (FaultRequest, error) {
	target, rest, ok := strings.Cut(s, "=")
	if !ok {
		return FaultRequest{}, fmt.Errorf("localrun: fault %q is not target=kind[:duration]", s)
	}
	kind, dur, _ := strings.Cut(rest, ":")
	var fr FaultRequest
	switch target {
	case TargetStore:
		fr.Store = kind
	case TargetQueue:
		fr.Queue = kind
	default:
		return FaultRequest{}, fmt.Errorf("localrun: fault target %q is not store or queue", target)
	}
	if dur != "" {
		d, err := time.ParseDuration(dur)
		if err != nil || d < 0 {
			return FaultRequest{}, fmt.Errorf("localrun: fault duration %q is not a duration", dur)
		}
		fr.Seconds = d.Seconds()
	}
	return fr, nil
}

type fault struct {
	kind  string
	until time.Time // zero: until cleared
}

// Faults holds the injected faults. It is safe for concurrent use.
type Faults struct {
	mu     sync.Mutex
	now    func() time.Time
	faults map[string]fault
	// onChange is told about every change, for logs.
	onChange func(target, kind string, d time.Duration)
}

func newFaults() *Faults {
	return &Faults{now: time.Now, faults: map[string]fault{}}
}

// Apply sets or clears faults.
func (f *Faults) Apply(r FaultRequest) error {
	if r.Store == "" && r.Queue == "" {
		return fmt.Errorf("name a target: store or queue")
	}
	if r.Seconds < 0 || r.Seconds > 86400 {
		return fmt.Errorf("seconds must be within 0..86400")
	}
	for target, kind := range map[string]string{TargetStore: r.Store, TargetQueue: r.Queue} {
		if kind == "" {
			continue
		}
		valid := []string{FaultOK, FaultUnavailable}
		if target == TargetStore {
			valid = append(valid, FaultThrottled, FaultConflict)
		} else {
			valid = append(valid, FaultLostAnswer)
		}
		if !slices.Contains(valid, kind) {
			return fmt.Errorf("%s fault must be one of %s", target, strings.Join(valid, ", "))
		}
	}
	d := time.Duration(r.Seconds * float64(time.Second))
	f.mu.Lock()
	defer f.mu.Unlock()
	for target, kind := range map[string]string{TargetStore: r.Store, TargetQueue: r.Queue} {
		switch kind {
		case "":
			continue
		case FaultOK:
			delete(f.faults, target)
		default:
			ft := fault{kind: kind}
			if d > 0 {
				ft.until = f.now().Add(d)
			}
			f.faults[target] = ft
		}
		if f.onChange != nil {
			f.onChange(target, kind, d)
		}
	}
	return nil
}

// Active returns the fault kind active on target, or "".
func (f *Faults) Active(target string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ft, ok := f.faults[target]
	if !ok {
		return ""
	}
	if !ft.until.IsZero() && !f.now().Before(ft.until) {
		delete(f.faults, target)
		return ""
	}
	return ft.kind
}

// Snapshot returns the active faults with their remaining seconds (-1:
// until cleared), for GET /_local/faults.
func (f *Faults) Snapshot() map[string]any {
	out := map[string]any{}
	for _, target := range []string{TargetStore, TargetQueue} {
		kind := f.Active(target)
		if kind == "" {
			continue
		}
		f.mu.Lock()
		left := -1.0
		if u := f.faults[target].until; !u.IsZero() {
			left = u.Sub(f.now()).Seconds()
		}
		f.mu.Unlock()
		out[target] = map[string]any{"fault": kind, "secondsLeft": left}
	}
	return out
}

func unavailableError(service string) error {
	return &smithy.GenericAPIError{Code: "ServiceUnavailable",
		Message: service + " is unavailable (fault injected by the local runner)", Fault: smithy.FaultServer}
}

// faultyDynamoDB is the DynamoDB client with the store fault applied.
type faultyDynamoDB struct {
	db     store.DB
	faults *Faults
}

var _ store.DB = (*faultyDynamoDB)(nil)

func (c *faultyDynamoDB) dataFault(op string) error {
	switch c.faults.Active(TargetStore) {
	case FaultUnavailable:
		return unavailableError("DynamoDB")
	case FaultThrottled:
		return &ddbtypes.ProvisionedThroughputExceededException{
			Message: aws.String("The level of configured provisioned throughput for the table was exceeded (fault injected by the local runner)")}
	case FaultConflict:
		if op == "TransactWriteItems" {
			return &ddbtypes.TransactionCanceledException{
				Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]"),
				CancellationReasons: []ddbtypes.CancellationReason{
					{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")},
					{Code: aws.String("None")},
				},
			}
		}
	}
	return nil
}

// TransactWriteItems implements store.DB.
func (c *faultyDynamoDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if err := c.dataFault("TransactWriteItems"); err != nil {
		return nil, err
	}
	return c.db.TransactWriteItems(ctx, in, opts...)
}

// GetItem implements store.DB.
func (c *faultyDynamoDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := c.dataFault("GetItem"); err != nil {
		return nil, err
	}
	return c.db.GetItem(ctx, in, opts...)
}

// UpdateItem implements store.DB (parking).
func (c *faultyDynamoDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := c.dataFault("UpdateItem"); err != nil {
		return nil, err
	}
	return c.db.UpdateItem(ctx, in, opts...)
}

// Query implements store.DB (listing parked payments).
func (c *faultyDynamoDB) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := c.dataFault("Query"); err != nil {
		return nil, err
	}
	return c.db.Query(ctx, in, opts...)
}

// DescribeTable implements store.DB; only an outage fails it (throttling
// applies to data calls).
func (c *faultyDynamoDB) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if c.faults.Active(TargetStore) == FaultUnavailable {
		return nil, unavailableError("DynamoDB")
	}
	return c.db.DescribeTable(ctx, in, opts...)
}

// faultySQS is the enqueue function's SQS client with the queue fault.
type faultySQS struct {
	sqs    *sqs.Client
	faults *Faults
}

// SendMessage is the call the enqueue function makes.
func (c *faultySQS) SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	switch c.faults.Active(TargetQueue) {
	case FaultUnavailable:
		return nil, unavailableError("SQS")
	case FaultLostAnswer:
		if _, err := c.sqs.SendMessage(ctx, in, opts...); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("operation error SQS: SendMessage: the answer was lost (fault injected by the local runner): %w", context.DeadlineExceeded)
	}
	return c.sqs.SendMessage(ctx, in, opts...)
}

// fakeAlarms stands in for CloudWatch alarms: every alarm the health
// checks ask for exists and is OK, except those a fault would set off
// while the fault is active (the Lambda error alarms have a threshold of
// 0 errors, the throttle alarms of 0 throttles).
type fakeAlarms struct {
	known  []string
	suffix string
	faults *Faults
}

// inAlarm returns the alarms the active faults set off.
func (a *fakeAlarms) inAlarm() []string {
	var types []string
	switch a.faults.Active(TargetStore) {
	case FaultUnavailable:
		types = append(types, platform.FnPersist+"-errors-alarm", platform.FnReprocess+"-errors-alarm")
	case FaultThrottled:
		types = append(types, platform.FnPersist+"-errors-alarm", platform.FnReprocess+"-errors-alarm",
			"table-read-throttles-alarm", "table-write-throttles-alarm")
	}
	if a.faults.Active(TargetQueue) != "" {
		types = append(types, platform.FnEnqueue+"-errors-alarm")
	}
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = naming.Physical(t, a.suffix)
	}
	return out
}

// DescribeAlarms implements health.AlarmReader.
func (a *fakeAlarms) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	firing := a.inAlarm()
	var names []string
	for _, n := range a.known {
		if slices.Contains(in.AlarmNames, n) || (in.AlarmNamePrefix != nil && strings.HasPrefix(n, *in.AlarmNamePrefix)) {
			names = append(names, n)
		}
	}
	out := &cloudwatch.DescribeAlarmsOutput{}
	for _, n := range names {
		state := cwtypes.StateValueOk
		if slices.Contains(firing, n) {
			state = cwtypes.StateValueAlarm
		}
		out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(n), StateValue: state})
	}
	return out, nil
}

// MarshalJSON shows the alarms' states on /_local/metrics.
func (a *fakeAlarms) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{"inAlarm": a.inAlarm(), "known": len(a.known)})
}
