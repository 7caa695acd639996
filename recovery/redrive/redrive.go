// Package redrive moves messages from dead-letter queues back to their
// source queues, but only on a healthy health report. It does in-process
// what the recovery workflow does with the Step Functions SQS SDK
// integration (StartMessageMoveTask, then polling ListMessageMoveTasks), so
// the local runner and the integration tests exercise the same decisions.
package redrive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/recovery/health"
)

// MoveTaskStarter is the SQS call that starts a redrive.
type MoveTaskStarter interface {
	StartMessageMoveTask(ctx context.Context, in *sqs.StartMessageMoveTaskInput, optFns ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error)
}

var (
	_ MoveTaskStarter       = (*sqs.Client)(nil)
	_ health.MoveTaskLister = (*sqs.Client)(nil)
)

// ErrDeferred is returned by Start when the report does not allow a
// redrive (it is not healthy).
var ErrDeferred = errors.New("redrive: deferred, the service is not healthy")

// Redriver starts and follows message move tasks.
type Redriver struct {
	Starter MoveTaskStarter
	// Lister is needed by Wait only.
	Lister health.MoveTaskLister
	// Logger records SDK errors (never returned verbatim); nil discards.
	Logger *slog.Logger
}

// Started is a move task this Redriver started.
type Started struct {
	DLQARN    string `json:"dlqArn"`
	SourceARN string `json:"sourceArn"`
	// Messages is the DLQ's depth when the health check ran.
	Messages int64 `json:"messages"`
}

// Outcome is what happened to one started move task by the end of Wait.
type Outcome struct {
	Started
	// Status is the task's last status: COMPLETED, CANCELLED or FAILED,
	// or RUNNING or CANCELLING if it had not finished when Wait gave up.
	Status string `json:"status"`
	// Moved is ApproximateNumberOfMessagesMoved at that time.
	Moved int64 `json:"moved"`
}

// Start starts one move task per redrive candidate of a healthy report,
// from the DLQ to its source queue at the candidate's rate. It returns
// ErrDeferred, starting nothing, unless r.Status is healthy. A candidate
// that fails to start does not stop the others; the failures are joined
// in the error, in words of this package.
func (d *Redriver) Start(ctx context.Context, r health.Report) ([]Started, error) {
	if r.Status != health.Healthy {
		return nil, ErrDeferred
	}
	var started []Started
	var errs []error
	for _, c := range r.Redrive {
		if c.DLQARN == "" || c.SourceARN == "" || c.Messages <= 0 {
			continue
		}
		in := &sqs.StartMessageMoveTaskInput{SourceArn: aws.String(c.DLQARN), DestinationArn: aws.String(c.SourceARN)}
		if c.MaxNumberOfMessagesPerSecond > 0 {
			in.MaxNumberOfMessagesPerSecond = aws.Int32(c.MaxNumberOfMessagesPerSecond)
		}
		if _, err := d.Starter.StartMessageMoveTask(ctx, in); err != nil {
			if d.Logger != nil {
				d.Logger.ErrorContext(ctx, "start message move task failed", slog.String("dlq", c.DLQName), slog.String("error", err.Error()))
			}
			errs = append(errs, fmt.Errorf("redrive: the move task for %s could not be started", c.DLQName))
			continue
		}
		if d.Logger != nil {
			d.Logger.InfoContext(ctx, "message move task started", slog.String("dlq", c.DLQName),
				slog.String("source", c.SourceName), slog.Int64("messages", c.Messages))
		}
		started = append(started, Started{DLQARN: c.DLQARN, SourceARN: c.SourceARN, Messages: c.Messages})
	}
	return started, errors.Join(errs...)
}

// Wait polls ListMessageMoveTasks every interval until no started task is
// RUNNING or ctx ends (the bound on waiting), and returns each task's last
// known state. It returns ctx's error with the outcomes so far when it
// gives up; a failed poll is retried at the next interval.
func (d *Redriver) Wait(ctx context.Context, started []Started, interval time.Duration) ([]Outcome, error) {
	out := make([]Outcome, len(started))
	for i, s := range started {
		out[i] = Outcome{Started: s, Status: "RUNNING"}
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		running := 0
		for i := range out {
			if !active(out[i].Status) {
				continue
			}
			res, err := d.Lister.ListMessageMoveTasks(ctx, &sqs.ListMessageMoveTasksInput{SourceArn: aws.String(out[i].DLQARN), MaxResults: aws.Int32(1)})
			if err != nil {
				if d.Logger != nil {
					d.Logger.WarnContext(ctx, "list message move tasks failed", slog.String("error", err.Error()))
				}
				running++
				continue
			}
			if len(res.Results) > 0 {
				t := res.Results[0] // the most recent task: ours
				out[i].Status = aws.ToString(t.Status)
				out[i].Moved = t.ApproximateNumberOfMessagesMoved
			}
			if active(out[i].Status) {
				running++
			}
		}
		if running == 0 {
			return out, nil
		}
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-tick.C:
		}
	}
}

// active reports whether a move task status may still change.
func active(status string) bool { return health.MoveTask{Status: status}.Active() }
