package healthcheck

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// AlarmReader is the CloudWatch call the Checker makes.
type AlarmReader interface {
	DescribeAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, optFns ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error)
}

// TableReader is the DynamoDB call the Checker makes.
type TableReader interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// QueueReader is the SQS call that reads a queue's depth and redrive policy.
type QueueReader interface {
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, optFns ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// MoveTaskLister is the SQS call that lists a DLQ's message move tasks.
type MoveTaskLister interface {
	ListMessageMoveTasks(ctx context.Context, in *sqs.ListMessageMoveTasksInput, optFns ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error)
}

// StoreReader is what the Checker asks of the store's data plane: a probe
// read, and the number of parked payments; *store.Store implements it.
type StoreReader interface {
	Probe(ctx context.Context) error
	CountParked(ctx context.Context) (int64, error)
}

var _ StoreReader = (*store.Store)(nil)

// Compile-time checks that the SDK clients satisfy the interfaces.
var (
	_ AlarmReader    = (*cloudwatch.Client)(nil)
	_ TableReader    = (*dynamodb.Client)(nil)
	_ QueueReader    = (*sqs.Client)(nil)
	_ MoveTaskLister = (*sqs.Client)(nil)
)

// maxAlarmPages bounds DescribeAlarms pagination so that a service that
// keeps returning a NextToken cannot hold the check forever.
const maxAlarmPages = 100

// maxAlarmNamesPerCall is DescribeAlarms' limit on AlarmNames.
const maxAlarmNamesPerCall = 100

// Checker runs health checks. Its fields are set once at start-up and it is
// safe for concurrent use; the clients must be too (the SDK clients are).
type Checker struct {
	Alarms    AlarmReader
	Tables    TableReader
	Queues    QueueReader
	MoveTasks MoveTaskLister
	// Store is probed with a read through the store's path; nil skips the
	// probe (the table's status then rests on DescribeTable alone).
	Store  StoreReader
	Config Config
	// Logger receives the underlying SDK errors (never put in the
	// report); nil discards them.
	Logger *slog.Logger
	// CallTimeout bounds each AWS call; zero leaves it to ctx.
	CallTimeout time.Duration
	// Budget bounds the whole check (keep it under the function's timeout
	// so a report is always returned); zero leaves it to ctx. Calls still
	// running when it ends fail and are reported as such.
	Budget time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Check reads every source of health and returns the report. It never
// fails: a call that fails lowers the status and adds a reason. Alarms, the
// table and the queues are read concurrently, so a slow service delays the
// report by its own latency only; the report's order does not depend on
// which finishes first.
func (c *Checker) Check(ctx context.Context) Report {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	checkedAt := now().UTC()
	if c.Budget > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.Budget)
		defer cancel()
	}
	alarms, table, queues := newBuilder(c.Config), newBuilder(c.Config), newBuilder(c.Config)
	var wg sync.WaitGroup
	wg.Go(func() { c.checkAlarms(ctx, alarms) })
	wg.Go(func() { c.checkTable(ctx, table) })
	wg.Go(func() {
		c.checkQueues(ctx, queues)
		c.checkMoveTasks(ctx, queues)
	})
	wg.Wait()

	r := newBuilder(c.Config)
	r.CheckedAt = checkedAt
	for _, part := range []*builder{alarms, table, queues} {
		if part.Status.rank() > r.Status.rank() {
			r.Status = part.Status
		}
		r.Reasons = append(r.Reasons, part.Reasons...)
		r.Notes = append(r.Notes, part.Notes...)
	}
	r.AlarmsInAlarm = alarms.AlarmsInAlarm
	r.NonBlockingAlarmsInAlarm = alarms.NonBlockingAlarmsInAlarm
	r.AlarmsInsufficientData = alarms.AlarmsInsufficientData
	r.Table = table.Table
	r.ParkedPayments = table.ParkedPayments
	r.Queues, r.MoveTasks = queues.Queues, queues.MoveTasks
	c.planRedrive(r)
	return r.Report
}

// newBuilder returns an empty healthy report whose lists are [] not null.
func newBuilder(cfg Config) *builder {
	return &builder{Report: Report{
		Status:                   Healthy,
		Reasons:                  []string{},
		Notes:                    []string{},
		AlarmsInAlarm:            []string{},
		NonBlockingAlarmsInAlarm: []string{},
		AlarmsInsufficientData:   []string{},
		Table:                    Table{Name: cfg.TableName, Status: "UNKNOWN"},
		Queues:                   []QueueDepth{},
		MoveTasks:                []MoveTask{},
		Redrive:                  []RedriveCandidate{},
	}}
}

// builder accumulates a Report; the worst status wins.
type builder struct {
	Report
}

func (b *builder) lower(s Status, reason string) {
	if s.rank() > b.Status.rank() {
		b.Status = s
	}
	b.Reasons = append(b.Reasons, reason)
}

func (b *builder) note(n string) { b.Notes = append(b.Notes, n) }

func (c *Checker) logError(ctx context.Context, msg string, err error, attrs ...any) {
	if c.Logger == nil {
		return
	}
	c.Logger.ErrorContext(ctx, msg, append(attrs, slog.String("error", err.Error()))...)
}

func (c *Checker) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.CallTimeout > 0 {
		return context.WithTimeout(ctx, c.CallTimeout)
	}
	return ctx, func() {}
}

// checkAlarms reads the states of this app's alarms: by exact names (in
// chunks of 100) and by prefix, every page of each.
func (c *Checker) checkAlarms(ctx context.Context, r *builder) {
	states := map[string]cwtypes.StateValue{}
	complete := true
	var queries []*cloudwatch.DescribeAlarmsInput
	for chunk := range slices.Chunk(c.Config.AlarmNames, maxAlarmNamesPerCall) {
		queries = append(queries, &cloudwatch.DescribeAlarmsInput{AlarmNames: chunk})
	}
	if c.Config.AlarmNamePrefix != "" {
		queries = append(queries, &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(c.Config.AlarmNamePrefix)})
	}
	prefixMatches := 0
	for _, q := range queries {
		q.AlarmTypes = []cwtypes.AlarmType{cwtypes.AlarmTypeMetricAlarm}
		if c.Config.IncludeCompositeAlarms {
			q.AlarmTypes = append(q.AlarmTypes, cwtypes.AlarmTypeCompositeAlarm)
		}
		n, ok := c.describeAllAlarms(ctx, q, states)
		if !ok {
			complete = false
		}
		if q.AlarmNamePrefix != nil {
			prefixMatches = n
		}
	}
	if !complete {
		r.lower(Degraded, fmt.Sprintf("alarm states could not be read completely (%d read); redrive is held back", len(states)))
	}
	if complete {
		for _, name := range c.Config.AlarmNames {
			if _, ok := states[name]; !ok {
				r.lower(Degraded, fmt.Sprintf("alarm %s was not found", name))
			}
		}
		if c.Config.AlarmNamePrefix != "" && prefixMatches == 0 {
			r.lower(Degraded, fmt.Sprintf("no alarm matches the prefix %s", c.Config.AlarmNamePrefix))
		}
	}
	names := make([]string, 0, len(states))
	for name := range states {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		switch states[name] {
		case cwtypes.StateValueAlarm:
			if slices.Contains(c.Config.NonBlockingAlarmNames, name) {
				r.NonBlockingAlarmsInAlarm = append(r.NonBlockingAlarmsInAlarm, name)
				r.note(fmt.Sprintf("alarm %s is in ALARM (non-blocking)", name))
				continue
			}
			r.AlarmsInAlarm = append(r.AlarmsInAlarm, name)
			r.lower(Unhealthy, fmt.Sprintf("alarm %s is in ALARM", name))
		case cwtypes.StateValueInsufficientData:
			r.AlarmsInsufficientData = append(r.AlarmsInsufficientData, name)
			r.note(fmt.Sprintf("alarm %s has insufficient data", name))
		}
	}
}

// describeAllAlarms pages through one DescribeAlarms query, recording the
// state of every alarm found. It returns how many alarms the query matched
// and whether every page was read.
func (c *Checker) describeAllAlarms(ctx context.Context, in *cloudwatch.DescribeAlarmsInput, states map[string]cwtypes.StateValue) (int, bool) {
	matched := 0
	seenTokens := map[string]bool{}
	for page := 0; page < maxAlarmPages; page++ {
		cctx, cancel := c.callCtx(ctx)
		out, err := c.Alarms.DescribeAlarms(cctx, in)
		cancel()
		if err != nil {
			c.logError(ctx, "describe alarms failed", err, slog.Int("page", page+1))
			return matched, false
		}
		for _, a := range out.MetricAlarms {
			if a.AlarmName != nil {
				states[*a.AlarmName] = a.StateValue
				matched++
			}
		}
		for _, a := range out.CompositeAlarms {
			if a.AlarmName != nil {
				states[*a.AlarmName] = a.StateValue
				matched++
			}
		}
		token := aws.ToString(out.NextToken)
		if token == "" {
			return matched, true
		}
		if seenTokens[token] {
			c.logError(ctx, "describe alarms repeated a page token", fmt.Errorf("token seen before"), slog.Int("page", page+1))
			return matched, false
		}
		seenTokens[token] = true
		next := *in
		next.NextToken = aws.String(token)
		in = &next
	}
	c.logError(ctx, "describe alarms did not finish", fmt.Errorf("more than %d pages", maxAlarmPages))
	return matched, false
}

// checkTable requires the transactions table to be ACTIVE and, with a
// Store, to serve a probe read: DescribeTable answers ACTIVE while the
// data plane fails, a read through the store's own path does not. A probe
// that finds the store unavailable is logged with
// store.UnavailableLogMessage, which the store-unavailable alarm counts, so
// an outage is seen on every recovery run even when nobody is paying.
func (c *Checker) checkTable(ctx context.Context, r *builder) {
	cctx, cancel := c.callCtx(ctx)
	defer cancel()
	out, err := c.Tables.DescribeTable(cctx, &dynamodb.DescribeTableInput{TableName: aws.String(c.Config.TableName)})
	switch {
	case err != nil || out.Table == nil:
		if err != nil {
			c.logError(ctx, "describe table failed", err, slog.String("table", c.Config.TableName))
		}
		r.lower(Unhealthy, fmt.Sprintf("table %s could not be described", c.Config.TableName))
	default:
		status := string(out.Table.TableStatus)
		r.Table.Status = status
		switch status {
		case "ACTIVE":
		case "UPDATING":
			r.lower(Degraded, fmt.Sprintf("table %s is UPDATING", c.Config.TableName))
		default:
			r.lower(Unhealthy, fmt.Sprintf("table %s is %s, not ACTIVE", c.Config.TableName, status))
		}
	}
	if c.Store == nil {
		return
	}
	pctx, pcancel := c.callCtx(ctx)
	defer pcancel()
	if err := c.Store.Probe(pctx); err != nil {
		if payment.AsError(err).Name == errorname.StoreUnavailable {
			if c.Logger != nil {
				c.Logger.WarnContext(ctx, store.UnavailableLogMessage, slog.String("probe", "health"), slog.String("error", err.Error()))
			}
			r.lower(Unhealthy, fmt.Sprintf("table %s does not serve reads (the probe read failed)", c.Config.TableName))
		} else {
			c.logError(ctx, "probe read refused", err, slog.String("table", c.Config.TableName))
			r.lower(Degraded, fmt.Sprintf("table %s refused the probe read", c.Config.TableName))
		}
	} else {
		r.Table.Readable = true
	}
	if !c.Config.CountParked {
		return
	}
	qctx, qcancel := c.callCtx(ctx)
	defer qcancel()
	n, err := c.Store.CountParked(qctx)
	if err != nil {
		c.logError(ctx, "counting parked payments failed", err, slog.String("table", c.Config.TableName))
		r.note("parked payments could not be counted")
		return
	}
	r.ParkedPayments = &n
	if n > 0 {
		r.note(fmt.Sprintf("%d queued payments are parked; see the runbook", n))
	}
}

// queueAttributes are the attributes read from every queue.
var queueAttributes = []sqstypes.QueueAttributeName{
	sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
	sqstypes.QueueAttributeNameQueueArn,
	sqstypes.QueueAttributeNameRedrivePolicy,
}

// checkQueues reads every queue's depth and redrive policy, then pairs
// each dead-letter queue with the queue that names it.
func (c *Checker) checkQueues(ctx context.Context, r *builder) {
	for _, u := range c.Config.QueueURLs {
		q := QueueDepth{Name: QueueName(u), URL: u}
		cctx, cancel := c.callCtx(ctx)
		out, err := c.Queues.GetQueueAttributes(cctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(u), AttributeNames: queueAttributes})
		cancel()
		if err != nil {
			c.logError(ctx, "get queue attributes failed", err, slog.String("queue", q.Name))
			r.lower(Degraded, fmt.Sprintf("queue %s could not be read", q.Name))
			r.Queues = append(r.Queues, q)
			continue
		}
		a := out.Attributes
		q.ARN = a[string(sqstypes.QueueAttributeNameQueueArn)]
		var bad []string
		for _, f := range []struct {
			name string
			dst  *int64
		}{
			{string(sqstypes.QueueAttributeNameApproximateNumberOfMessages), &q.Visible},
			{string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible), &q.InFlight},
			{string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed), &q.Delayed},
		} {
			n, err := strconv.ParseInt(a[f.name], 10, 64)
			if err != nil {
				bad = append(bad, f.name)
				continue
			}
			*f.dst = n
		}
		if q.ARN == "" {
			bad = append(bad, string(sqstypes.QueueAttributeNameQueueArn))
		}
		if p := a[string(sqstypes.QueueAttributeNameRedrivePolicy)]; p != "" {
			target, err := deadLetterTarget(p)
			if err != nil {
				bad = append(bad, string(sqstypes.QueueAttributeNameRedrivePolicy))
			}
			q.DeadLetterTargetARN = target
		}
		if len(bad) > 0 {
			r.lower(Degraded, fmt.Sprintf("queue %s returned unusable attributes: %s", q.Name, strings.Join(bad, ", ")))
		} else {
			q.Readable = true
		}
		r.Queues = append(r.Queues, q)
	}
	sources := map[string][]string{}
	for _, q := range r.Queues {
		if q.DeadLetterTargetARN != "" {
			sources[q.DeadLetterTargetARN] = append(sources[q.DeadLetterTargetARN], q.ARN)
		}
	}
	watched := map[string]bool{}
	for i := range r.Queues {
		q := &r.Queues[i]
		if q.ARN == "" {
			continue
		}
		watched[q.ARN] = true
		src, ok := sources[q.ARN]
		if !ok {
			continue
		}
		q.IsDLQ = true
		if len(src) == 1 {
			q.SourceQueueARN = src[0]
		} else {
			r.note(fmt.Sprintf("queue %s is the dead-letter queue of %d queues; it is not redriven automatically", q.Name, len(src)))
		}
	}
	targets := make([]string, 0, len(sources))
	for t := range sources {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	for _, t := range targets {
		if !watched[t] {
			r.note(fmt.Sprintf("dead-letter queue %s is not in %s; its depth is not checked", arnName(t), EnvQueueURLs))
		}
	}
}

// deadLetterTarget returns deadLetterTargetArn from a RedrivePolicy.
func deadLetterTarget(policy string) (string, error) {
	var p struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	if err := json.Unmarshal([]byte(policy), &p); err != nil {
		return "", err
	}
	if p.DeadLetterTargetArn == "" {
		return "", fmt.Errorf("redrive policy without deadLetterTargetArn")
	}
	return p.DeadLetterTargetArn, nil
}

// checkMoveTasks lists the recent move tasks of every readable DLQ.
func (c *Checker) checkMoveTasks(ctx context.Context, r *builder) {
	for _, q := range r.Queues {
		if !q.IsDLQ || q.ARN == "" {
			continue
		}
		cctx, cancel := c.callCtx(ctx)
		out, err := c.MoveTasks.ListMessageMoveTasks(cctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(q.ARN), MaxResults: aws.Int32(10)})
		cancel()
		if err != nil {
			c.logError(ctx, "list message move tasks failed", err, slog.String("queue", q.Name))
			r.lower(Degraded, fmt.Sprintf("move tasks of queue %s could not be listed", q.Name))
			continue
		}
		for _, t := range out.Results {
			mt := MoveTask{
				SourceARN:      aws.ToString(t.SourceArn),
				DestinationARN: aws.ToString(t.DestinationArn),
				Status:         aws.ToString(t.Status),
				Moved:          t.ApproximateNumberOfMessagesMoved,
				ToMove:         aws.ToInt64(t.ApproximateNumberOfMessagesToMove),
			}
			if mt.SourceARN == "" {
				mt.SourceARN = q.ARN
			}
			if t.StartedTimestamp > 0 {
				mt.StartedAt = time.UnixMilli(t.StartedTimestamp).UTC()
			}
			r.MoveTasks = append(r.MoveTasks, mt)
		}
	}
}

// planRedrive lists the DLQs to redrive; only a healthy report redrives.
func (c *Checker) planRedrive(r *builder) {
	byARN := map[string]QueueDepth{}
	for _, q := range r.Queues {
		if q.ARN != "" {
			byARN[q.ARN] = q
		}
	}
	for _, q := range r.Queues {
		if !q.IsDLQ || q.Visible == 0 || q.SourceQueueARN == "" {
			continue
		}
		if slices.ContainsFunc(r.MoveTasks, func(t MoveTask) bool { return t.SourceARN == q.ARN && t.Active() }) {
			r.note(fmt.Sprintf("a message move task is already running on queue %s", q.Name))
			continue
		}
		if r.Status != Healthy {
			r.note(fmt.Sprintf("queue %s holds %d messages; redrive deferred while %s", q.Name, q.Visible, r.Status))
			continue
		}
		src := byARN[q.SourceQueueARN]
		r.Redrive = append(r.Redrive, RedriveCandidate{
			DLQARN:                       q.ARN,
			DLQURL:                       q.URL,
			DLQName:                      q.Name,
			SourceARN:                    q.SourceQueueARN,
			SourceURL:                    src.URL,
			SourceName:                   src.Name,
			Messages:                     q.Visible,
			MaxNumberOfMessagesPerSecond: c.Config.RedriveRate,
		})
	}
	r.RedriveNeeded = len(r.Redrive) > 0
}

// QueueName returns the queue name of an SQS queue URL (its last path
// segment), or the URL itself when it has no path.
func QueueName(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil || u.Path == "" || u.Path == "/" {
		return queueURL
	}
	return path.Base(u.Path)
}

// arnName returns the resource name at the end of an ARN.
func arnName(arn string) string {
	if i := strings.LastIndex(arn, ":"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}
