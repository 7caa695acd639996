package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// poll is the failed-transactions queue's event source, as Lambda runs it
// for the reprocess function (batch size 10, batch item failures): it
// receives a batch, invokes the function with it and deletes the messages
// the function did not report as failures. Failed messages become visible
// again after the visibility timeout and go to the DLQ after
// maxReceiveCount receives. It uses short polling: the SQS emulator's long
// polling can return a message twice.
func (r *Runner) poll(ctx context.Context) {
	log := r.log.With("component", "event-source", "queue", r.queue.name)
	for ctx.Err() == nil {
		n, err := r.pollOnce(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("polling the queue failed", "error", err.Error())
		}
		if n == 0 || err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(r.cfg.PollInterval):
			}
		}
	}
}

// pollOnce handles one batch and returns its size.
func (r *Runner) pollOnce(ctx context.Context) (int, error) {
	out, err := r.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(r.queue.url), MaxNumberOfMessages: 10, WaitTimeSeconds: 0,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
		MessageAttributeNames:       []string{"All"},
	})
	if err != nil || len(out.Messages) == 0 {
		return 0, err
	}
	ev := events.SQSEvent{Records: make([]events.SQSMessage, len(out.Messages))}
	for i, m := range out.Messages {
		attrs := map[string]events.SQSMessageAttribute{}
		for k, v := range m.MessageAttributes {
			attrs[k] = events.SQSMessageAttribute{DataType: aws.ToString(v.DataType), StringValue: v.StringValue, BinaryValue: v.BinaryValue}
		}
		ev.Records[i] = events.SQSMessage{
			MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle), Body: aws.ToString(m.Body),
			Md5OfBody: aws.ToString(m.MD5OfBody), Attributes: m.Attributes, MessageAttributes: attrs,
			EventSource: "aws:sqs", EventSourceARN: r.queue.arn, AWSRegion: awsenv.Region,
		}
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		return len(out.Messages), err
	}
	resp, err := r.invoker.lambda(ctx, naming.Physical(platform.FnReprocess, r.cfg.Suffix), payload)
	if err != nil {
		// A function error fails the whole batch: every message is
		// received again after the visibility timeout.
		r.metrics.add("Local/ReprocessBatchesFailed", 1)
		return len(out.Messages), fmt.Errorf("reprocess function failed: %w", err)
	}
	var res events.SQSEventResponse
	if err := json.Unmarshal(resp, &res); err != nil {
		return len(out.Messages), fmt.Errorf("reprocess function answered %q: %w", resp, err)
	}
	failed := map[string]bool{}
	for _, f := range res.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	r.queueAges.seen(out.Messages, failed)
	var del []sqstypes.DeleteMessageBatchRequestEntry
	for i, m := range out.Messages {
		if !failed[aws.ToString(m.MessageId)] {
			del = append(del, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), ReceiptHandle: m.ReceiptHandle})
		}
	}
	r.metrics.add("Local/ReprocessedMessages", float64(len(del)))
	r.metrics.add("Local/ReprocessFailedMessages", float64(len(failed)))
	if len(del) > 0 {
		d, err := r.sqs.DeleteMessageBatch(ctx, &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(r.queue.url), Entries: del})
		if err != nil {
			return len(out.Messages), fmt.Errorf("deleting processed messages: %w", err)
		}
		if len(d.Failed) > 0 {
			return len(out.Messages), fmt.Errorf("deleting %d processed messages failed", len(d.Failed))
		}
	}
	return len(out.Messages), nil
}

// recoveryLoop starts the recovery workflow on its schedule, as the
// EventBridge rule does. Executions may overlap, as they can in AWS; the
// workflow itself checks for another running one.
func (r *Runner) recoveryLoop(ctx context.Context) {
	t := time.NewTicker(r.cfg.RecoveryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.wg.Go(func() { r.runRecovery(ctx, "schedule") })
		}
	}
}

// RunRecovery executes the recovery workflow once, as a scheduled trigger
// does, and returns its record.
func (r *Runner) RunRecovery(ctx context.Context) *Record { return r.runRecovery(ctx, "schedule") }

// runRecovery executes the recovery workflow once with the input its
// EventBridge target gives it ({"trigger": "schedule"} or "alarm-ok").
func (r *Runner) runRecovery(ctx context.Context, trigger string) *Record {
	name := fmt.Sprintf("local-recovery-%d-%d", time.Now().Unix(), r.recoverySeq.Add(1))
	input, _ := json.Marshal(map[string]any{"trigger": trigger})
	r.runningRecoveries.Add(1)
	exec, err := r.recovery.Run(ctx, name, input)
	r.runningRecoveries.Add(-1)
	if err != nil {
		r.log.Error("recovery workflow did not start", "error", err.Error())
		return nil
	}
	rec := recoveryRecord(name, r.cfg.Suffix, exec)
	r.execs.add(rec)
	r.metrics.add("Local/RecoveryExecutions"+string(exec.Status), 1)
	r.executionMetrics(naming.Physical(platform.RecoveryWorkflow, r.cfg.Suffix), exec.Status)
	attrs := []any{"execution", name, "status", string(exec.Status), "outcome", recoveryOutcome(exec),
		"duration_ms", exec.StopDate.Sub(exec.StartDate).Milliseconds()}
	if exec.Status != aslrun.Succeeded {
		r.log.Error("recovery workflow failed", append(attrs, "error", exec.Error)...)
	} else {
		r.log.Info("recovery workflow finished", attrs...)
	}
	return rec
}

// recoveryRecord is the record kept of a recovery execution. Its history
// is kept as it is: the recovery workflow never sees a payment (its input
// is the schedule's EventBridge event, its states read queue counts and
// the health report), so the payment rules of redactHistory, which hide
// members named idempotencyKey, body and source, would only hide the
// event's "source":"aws.events".
func recoveryRecord(name, suffix string, exec *aslrun.Execution) *Record {
	return &Record{ID: name, Workflow: naming.Physical(platform.RecoveryWorkflow, suffix), Status: string(exec.Status), Error: exec.Error,
		StartDate: exec.StartDate, StopDate: exec.StopDate, History: exec.History}
}

// recoveryOutcome names the Succeed state the recovery ended in.
func recoveryOutcome(exec *aslrun.Execution) string {
	for i := len(exec.History) - 1; i >= 0; i-- {
		ev := exec.History[i]
		if ev.Type == aslrun.SucceedStateEntered || ev.Type == aslrun.FailStateEntered {
			return ev.StateName
		}
	}
	return ""
}

// printHistory writes an execution's history to HistoryTo.
func (r *Runner) printHistory(id string, events []aslrun.Event) {
	if r.cfg.HistoryTo == nil {
		return
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "--- payments execution for request %s\n", id)
	_ = aslrun.FormatHistory(&b, events)
	r.historyMu.Lock()
	_, _ = r.cfg.HistoryTo.Write(b.Bytes())
	r.historyMu.Unlock()
}

// executionMetrics publishes what Step Functions publishes for an ended
// execution (AWS/States, StateMachineArn).
func (r *Runner) executionMetrics(stateMachine string, status aslrun.Status) {
	dims := map[string]string{"StateMachineArn": stateMachineARN(stateMachine)}
	r.cw.put("AWS/States", "ExecutionsStarted", dims, 1)
	for metric, s := range map[string]aslrun.Status{"ExecutionsSucceeded": aslrun.Succeeded, "ExecutionsFailed": aslrun.Failed,
		"ExecutionsTimedOut": aslrun.TimedOut, "ExecutionsAborted": aslrun.Aborted} {
		v := 0.0
		if status == s {
			v = 1
		}
		r.cw.put("AWS/States", metric, dims, v)
	}
}

// queueAges tracks the enqueue time of the messages the event source
// received and left on the failed-transactions queue, for the queue's
// ApproximateAgeOfOldestMessage: the SQS emulator does not report the age,
// and peeking at the queue would count as a receive. A message not
// received again within staleAfter has left the queue (SQS moved it to the
// DLQ) and is forgotten.
type queueAges struct {
	mu         sync.Mutex
	sent       map[string]time.Time
	lastSeen   map[string]time.Time
	staleAfter time.Duration
}

func newQueueAges(staleAfter time.Duration) *queueAges {
	return &queueAges{sent: map[string]time.Time{}, lastSeen: map[string]time.Time{}, staleAfter: staleAfter}
}

// seen records a received batch: the failed messages stay, the others left.
func (q *queueAges) seen(msgs []sqstypes.Message, failed map[string]bool) {
	now := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range msgs {
		id := aws.ToString(m.MessageId)
		if !failed[id] {
			delete(q.sent, id)
			delete(q.lastSeen, id)
			continue
		}
		ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64)
		if err != nil {
			continue
		}
		q.sent[id], q.lastSeen[id] = time.UnixMilli(ms), now
	}
}

// oldest returns the age of the oldest message still on the queue.
func (q *queueAges) oldest() time.Duration {
	now := time.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	var age time.Duration
	for id, t := range q.sent {
		if now.Sub(q.lastSeen[id]) > q.staleAfter {
			delete(q.sent, id)
			delete(q.lastSeen, id)
			continue
		}
		age = max(age, now.Sub(t))
	}
	return age
}

// sampleQueues publishes the failed-transactions queue's and DLQ's
// gauges (AWS/SQS, QueueName: the deployed names) every scaled minute, as
// SQS publishes them: the visible messages, and the queue's oldest
// message's age as the event source saw it, on the alarms' clock
// (multiplied by Config.AlarmTimeScale). The DLQ's age is not published:
// reading it would take a receive, which hides the message from the
// health check and the redrive (the emulator treats a visibility timeout
// of 0 as its default); its alarm keeps its state.
func (r *Runner) sampleQueues(ctx context.Context) {
	every := max(r.cw.scaled(time.Minute), 20*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	deployed := map[string]string{
		r.queue.url: naming.Physical(platform.FailedQueue, r.cfg.Suffix),
		r.dlq.url:   naming.Physical(platform.FailedDLQ, r.cfg.Suffix),
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for url, name := range deployed {
			dims := map[string]string{"QueueName": name}
			a, err := r.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
			if err != nil {
				continue
			}
			visible, _ := strconv.ParseFloat(a.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)], 64)
			r.cw.put("AWS/SQS", "ApproximateNumberOfMessagesVisible", dims, visible)
			if url == r.queue.url {
				r.cw.put("AWS/SQS", "ApproximateAgeOfOldestMessage", dims, r.queueAges.oldest().Seconds()*r.cfg.AlarmTimeScale)
			}
		}
	}
}
