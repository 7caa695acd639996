// Package healthcheck checks whether the payment API's dependencies are fit to
// take traffic and whether its dead-letter queues should be redriven.
//
// A Checker reads this app's CloudWatch alarm states, the transactions
// table status, the depth of every configured queue and the message move
// tasks already running on each dead-letter queue, and condenses them into
// a Report. The health-monitor Lambda (tasks/healthmonitor) returns the
// Report to the recovery workflow; the /health Lambda (tasks/health) returns
// it to API clients.
//
// # Report JSON
//
// The JSON shape is a contract with the recovery workflow's Choice and Map
// states; field names are stable and every list is always present (an empty
// list is [] and never null, so a Map state may iterate it unconditionally):
//
//	{
//	  "status": "healthy",              // "healthy" | "degraded" | "unhealthy"
//	  "reasons": [],                    // why status is not healthy, in our own words
//	  "notes": ["alarm x has insufficient data"], // informational findings
//	  "checkedAt": "2026-11-25T20:00:00Z",
//	  "alarmsInAlarm": [],              // blocking alarms in ALARM (make it unhealthy)
//	  "nonBlockingAlarmsInAlarm": ["dlq-depth-alarm-dev"], // symptoms a redrive fixes
//	  "alarmsInsufficientData": [],
//	  "table": {"name": "transactions-table-dev", "status": "ACTIVE"},
//	  "queues": [{"name": "failed-transactions-dlq-dev", "url": "https://...", "arn": "arn:aws:sqs:...",
//	              "visible": 3, "inFlight": 0, "delayed": 0, "isDlq": true,
//	              "sourceQueueArn": "arn:aws:sqs:...:failed-transactions-queue-dev", "readable": true}],
//	  "moveTasks": [{"sourceArn": "arn:...dlq", "destinationArn": "arn:...queue", "status": "COMPLETED",
//	                 "moved": 3, "toMove": 3, "startedAt": "2026-11-25T19:00:00Z"}],
//	  "redrive": [{"dlqArn": "arn:...dlq", "dlqUrl": "https://...", "dlqName": "failed-transactions-dlq-dev",
//	               "sourceArn": "arn:...queue", "sourceUrl": "https://...", "sourceName": "failed-transactions-queue-dev",
//	               "messages": 3, "maxNumberOfMessagesPerSecond": 10}],
//	  "redriveNeeded": true
//	}
//
// The recovery workflow stores the report at $.health and branches on it:
//
//   - $.health.status == "unhealthy": notify that redrive is deferred, listing
//     $.health.alarmsInAlarm and $.health.reasons.
//   - $.health.redriveNeeded == true: for each item of $.health.redrive (a
//     Map state, or a Task on $.health.redrive[0]) call SQS StartMessageMoveTask
//     with SourceArn = dlqArn (the dead-letter queue), DestinationArn = sourceArn
//     (the queue the messages came from) and MaxNumberOfMessagesPerSecond =
//     maxNumberOfMessagesPerSecond; poll ListMessageMoveTasks(SourceArn = dlqArn).
//   - otherwise (healthy with nothing to do, or degraded): succeed; a
//     degraded report means some state could not be read, so redrive is held
//     back (redriveNeeded is never true unless status is "healthy").
//
// # Rules
//
//   - A blocking alarm in ALARM makes the report unhealthy. Alarms named in
//     NON_BLOCKING_ALARM_NAMES (e.g. DLQ depth, oldest message age: symptoms
//     that a redrive cures) are listed but do not block.
//   - Only metric alarms are read unless INCLUDE_COMPOSITE_ALARMS=true
//     (CloudWatch returns composite alarms only to callers allowed
//     cloudwatch:DescribeAlarms on "*").
//   - Configured alarm names that do not exist, or a prefix that matches no
//     alarm, make the report degraded: a typo must not read as healthy.
//   - INSUFFICIENT_DATA alarms are noted, not counted against health.
//   - The table must be ACTIVE; UPDATING (still serving traffic) is degraded;
//     any other status, or a failed DescribeTable, is unhealthy.
//   - A failed alarm, queue or move-task read makes the report degraded (if
//     nothing worse was found): what could be read is still reported, but
//     health is never claimed while any alarm state is unknown.
//   - A dead-letter queue with visible messages, no RUNNING or CANCELLING move
//     task and a single source queue is a redrive candidate, when and only
//     when the status is healthy.
//
// # Pairing dead-letter queues with their sources
//
// QUEUE_URLS lists every queue to watch, sources and dead-letter queues
// alike. A queue is a dead-letter queue when another listed queue's
// RedrivePolicy names its ARN as deadLetterTargetArn; that queue is its
// source. The pairing therefore comes from the queues' own configuration and
// cannot drift from it. A dead-letter queue serving several sources is noted
// and not redriven automatically.
package healthcheck

import (
	"strings"
	"time"
)

// Status is the overall verdict of a health check.
type Status string

// The three verdicts, from best to worst.
const (
	// Healthy means every alarm state, the table and every queue could be
	// read and nothing blocks traffic or redrive.
	Healthy Status = "healthy"
	// Degraded means the service works but part of the state is unknown or
	// in transition; the report is served with 200 but redrive waits.
	Degraded Status = "degraded"
	// Unhealthy means an alarm is firing or the table is unusable; the
	// /health endpoint answers 503 and redrive is deferred.
	Unhealthy Status = "unhealthy"
)

// rank orders statuses so that the worse one wins.
func (s Status) rank() int {
	switch s {
	case Unhealthy:
		return 2
	case Degraded:
		return 1
	default:
		return 0
	}
}

// Report is the result of one health check. Its JSON shape is documented in
// the package comment and read by the recovery workflow.
type Report struct {
	// Status is the overall verdict.
	Status Status `json:"status"`
	// Reasons say why the status is not healthy, in this package's own
	// words (never an SDK error string).
	Reasons []string `json:"reasons"`
	// Notes are findings that do not lower the status.
	Notes []string `json:"notes"`
	// CheckedAt is when the check started (UTC).
	CheckedAt time.Time `json:"checkedAt"`
	// AlarmsInAlarm are the blocking alarms in state ALARM, sorted.
	AlarmsInAlarm []string `json:"alarmsInAlarm"`
	// NonBlockingAlarmsInAlarm are alarms in ALARM that were configured as
	// non-blocking (symptoms that a redrive cures), sorted.
	NonBlockingAlarmsInAlarm []string `json:"nonBlockingAlarmsInAlarm"`
	// AlarmsInsufficientData are alarms in INSUFFICIENT_DATA, sorted.
	AlarmsInsufficientData []string `json:"alarmsInsufficientData"`
	// Table is the transactions table and its status.
	Table Table `json:"table"`
	// ParkedPayments is how many queued payments are parked now, when the
	// checker counts them (the health monitor) and could; absent
	// otherwise. The recovery workflow publishes it as a metric.
	ParkedPayments *int64 `json:"parkedPayments,omitempty"`
	// Queues are the configured queues in configuration order.
	Queues []QueueDepth `json:"queues"`
	// MoveTasks are the most recent message move tasks of every
	// dead-letter queue.
	MoveTasks []MoveTask `json:"moveTasks"`
	// Redrive lists the dead-letter queues to redrive now. It is empty
	// unless Status is healthy.
	Redrive []RedriveCandidate `json:"redrive"`
	// RedriveNeeded is len(Redrive) > 0, for a Choice state.
	RedriveNeeded bool `json:"redriveNeeded"`
}

// Table is the transactions table as DescribeTable saw it.
type Table struct {
	Name string `json:"name"`
	// Status is the DynamoDB TableStatus, or "UNKNOWN" when it could not be
	// read.
	Status string `json:"status"`
	// Readable is whether a probe read through the store's path succeeded
	// (false when the checker has no store to probe).
	Readable bool `json:"readable"`
}

// QueueDepth is one queue's approximate message counts and its place in
// the dead-letter pairing.
type QueueDepth struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// ARN is empty when the queue's attributes could not be read.
	ARN string `json:"arn"`
	// Visible is ApproximateNumberOfMessages.
	Visible int64 `json:"visible"`
	// InFlight is ApproximateNumberOfMessagesNotVisible.
	InFlight int64 `json:"inFlight"`
	// Delayed is ApproximateNumberOfMessagesDelayed.
	Delayed int64 `json:"delayed"`
	// IsDLQ is true when another configured queue uses this one as its
	// dead-letter queue.
	IsDLQ bool `json:"isDlq"`
	// SourceQueueARN is the queue whose dead-letter queue this is (empty
	// unless IsDLQ, and empty when several queues share this DLQ).
	SourceQueueARN string `json:"sourceQueueArn"`
	// DeadLetterTargetARN is this queue's own dead-letter queue, from its
	// RedrivePolicy.
	DeadLetterTargetARN string `json:"deadLetterTargetArn"`
	// Readable is false when GetQueueAttributes failed; the counts are
	// then zero and meaningless.
	Readable bool `json:"readable"`
}

// MoveTask is one message move task as ListMessageMoveTasks reported it.
type MoveTask struct {
	// SourceARN is the queue messages are moved out of (the DLQ).
	SourceARN string `json:"sourceArn"`
	// DestinationARN is empty when the task moves messages back to their
	// original sources.
	DestinationARN string `json:"destinationArn"`
	// Status is RUNNING, COMPLETED, CANCELLING, CANCELLED or FAILED.
	Status string `json:"status"`
	// Moved is ApproximateNumberOfMessagesMoved.
	Moved int64 `json:"moved"`
	// ToMove is ApproximateNumberOfMessagesToMove (0 when not reported).
	ToMove int64 `json:"toMove"`
	// StartedAt is when the task started (zero when not reported).
	StartedAt time.Time `json:"startedAt"`
}

// Active reports whether the task still holds its source queue: SQS runs
// one move task per source queue at a time.
func (t MoveTask) Active() bool { return t.Status == "RUNNING" || t.Status == "CANCELLING" }

// RedriveCandidate is a dead-letter queue whose messages should be moved
// back to their source queue now. For SQS StartMessageMoveTask, SourceArn
// is DLQARN and DestinationArn is SourceARN.
type RedriveCandidate struct {
	DLQARN  string `json:"dlqArn"`
	DLQURL  string `json:"dlqUrl"`
	DLQName string `json:"dlqName"`
	// SourceARN is the queue the messages originally came from: the move
	// task's destination.
	SourceARN  string `json:"sourceArn"`
	SourceURL  string `json:"sourceUrl"`
	SourceName string `json:"sourceName"`
	// Messages is the DLQ's visible message count when checked.
	Messages int64 `json:"messages"`
	// MaxNumberOfMessagesPerSecond is the rate limit to pass to
	// StartMessageMoveTask.
	MaxNumberOfMessagesPerSecond int32 `json:"maxNumberOfMessagesPerSecond"`
}

// Public returns a copy of r fit for the public GET /health route: the same
// report, states, names and counts, without queue URLs and ARNs (they
// carry the account id). ARNs are replaced by the resource name.
func (r Report) Public() Report {
	name := func(arn string) string {
		if i := strings.LastIndexByte(arn, ':'); i >= 0 {
			return arn[i+1:]
		}
		return arn
	}
	p := r
	p.Queues = make([]QueueDepth, len(r.Queues))
	for i, q := range r.Queues {
		q.URL, q.ARN = "", ""
		q.SourceQueueARN, q.DeadLetterTargetARN = name(q.SourceQueueARN), name(q.DeadLetterTargetARN)
		p.Queues[i] = q
	}
	p.MoveTasks = make([]MoveTask, len(r.MoveTasks))
	for i, t := range r.MoveTasks {
		t.SourceARN, t.DestinationARN = name(t.SourceARN), name(t.DestinationARN)
		p.MoveTasks[i] = t
	}
	p.Redrive = make([]RedriveCandidate, len(r.Redrive))
	for i, c := range r.Redrive {
		c.DLQARN, c.DLQURL, c.SourceARN, c.SourceURL = "", "", "", ""
		p.Redrive[i] = c
	}
	return p
}
