package redrive_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/recovery/health"
	"github.com/resilientpay/paymentapi/recovery/redrive"
)

// fakeStarter records StartMessageMoveTask calls and fails for DLQs in fail.
type fakeStarter struct {
	calls []*sqs.StartMessageMoveTaskInput
	fail  map[string]bool
}

var _ redrive.MoveTaskStarter = (*fakeStarter)(nil)

func (f *fakeStarter) StartMessageMoveTask(_ context.Context, in *sqs.StartMessageMoveTaskInput, _ ...func(*sqs.Options)) (*sqs.StartMessageMoveTaskOutput, error) {
	f.calls = append(f.calls, in)
	if f.fail[aws.ToString(in.SourceArn)] {
		return nil, errors.New("UnsupportedOperation: There is already a task running. arn:aws:iam::123456789012:secret")
	}
	return &sqs.StartMessageMoveTaskOutput{TaskHandle: aws.String("handle")}, nil
}

// scriptedLister answers ListMessageMoveTasks from a script of statuses,
// one per call; "error" fails the call.
type scriptedLister struct {
	script []string
	calls  int
}

func (s *scriptedLister) ListMessageMoveTasks(context.Context, *sqs.ListMessageMoveTasksInput, ...func(*sqs.Options)) (*sqs.ListMessageMoveTasksOutput, error) {
	st := s.script[min(s.calls, len(s.script)-1)]
	s.calls++
	if st == "error" {
		return nil, errors.New("throttled")
	}
	return &sqs.ListMessageMoveTasksOutput{Results: []sqstypes.ListMessageMoveTasksResultEntry{{
		Status: aws.String(st), ApproximateNumberOfMessagesMoved: int64(s.calls)}}}, nil
}

func candidate(dlq string, messages int64) health.RedriveCandidate {
	return health.RedriveCandidate{DLQARN: "arn:aws:sqs:us-east-1:000000000000:" + dlq, DLQName: dlq,
		SourceARN: "arn:aws:sqs:us-east-1:000000000000:" + dlq + "-source", Messages: messages, MaxNumberOfMessagesPerSecond: 9}
}

func TestStart(t *testing.T) {
	tests := []struct {
		name        string
		report      health.Report
		fail        map[string]bool
		wantErr     string
		wantStarted []string // DLQ names
		wantCalls   int
	}{
		{
			name:    "an unhealthy report starts nothing",
			report:  health.Report{Status: health.Unhealthy, Redrive: []health.RedriveCandidate{candidate("a", 1)}},
			wantErr: redrive.ErrDeferred.Error(),
		},
		{
			name:    "a degraded report starts nothing even with candidates",
			report:  health.Report{Status: health.Degraded, Redrive: []health.RedriveCandidate{candidate("a", 1)}, RedriveNeeded: true},
			wantErr: redrive.ErrDeferred.Error(),
		},
		{
			name:   "a healthy report without candidates starts nothing",
			report: health.Report{Status: health.Healthy, Redrive: []health.RedriveCandidate{}},
		},
		{
			name:        "a healthy report starts one task per candidate",
			report:      health.Report{Status: health.Healthy, Redrive: []health.RedriveCandidate{candidate("a", 2), candidate("b", 5)}, RedriveNeeded: true},
			wantStarted: []string{"a", "b"}, wantCalls: 2,
		},
		{
			name:        "a candidate that fails to start does not stop the others",
			report:      health.Report{Status: health.Healthy, Redrive: []health.RedriveCandidate{candidate("a", 2), candidate("b", 5)}, RedriveNeeded: true},
			fail:        map[string]bool{candidate("a", 0).DLQARN: true},
			wantErr:     "the move task for a could not be started",
			wantStarted: []string{"b"}, wantCalls: 2,
		},
		{
			name:   "an empty candidate is skipped",
			report: health.Report{Status: health.Healthy, Redrive: []health.RedriveCandidate{candidate("a", 0)}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &fakeStarter{fail: tt.fail}
			started, err := (&redrive.Redriver{Starter: s}).Start(context.Background(), tt.report)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "arn:aws:iam") {
				t.Errorf("error leaks the SDK's text: %v", err)
			}
			if len(s.calls) != tt.wantCalls {
				t.Errorf("%d StartMessageMoveTask calls, want %d", len(s.calls), tt.wantCalls)
			}
			var names []string
			for _, st := range started {
				names = append(names, strings.TrimPrefix(st.DLQARN, "arn:aws:sqs:us-east-1:000000000000:"))
			}
			if strings.Join(names, ",") != strings.Join(tt.wantStarted, ",") {
				t.Errorf("started %q, want %q", names, tt.wantStarted)
			}
			for _, in := range s.calls {
				dlq := aws.ToString(in.SourceArn)
				if aws.ToString(in.DestinationArn) != dlq+"-source" || aws.ToInt32(in.MaxNumberOfMessagesPerSecond) != 9 {
					t.Errorf("StartMessageMoveTask(%s -> %s at %d/s), want the DLQ moved to its source at 9/s",
						dlq, aws.ToString(in.DestinationArn), aws.ToInt32(in.MaxNumberOfMessagesPerSecond))
				}
			}
		})
	}
}

func TestWait(t *testing.T) {
	started := []redrive.Started{{DLQARN: "arn:dlq", SourceARN: "arn:src", Messages: 3}}
	tests := []struct {
		name       string
		script     []string
		timeout    time.Duration
		wantStatus string
		wantErr    bool
	}{
		{"a task that completes is reported with its moved count", []string{"RUNNING", "error", "RUNNING", "COMPLETED"}, time.Minute, "COMPLETED", false},
		{"a task that fails is reported as failed", []string{"FAILED"}, time.Minute, "FAILED", false},
		{"a task still running when the bound ends is reported as running", []string{"RUNNING"}, 20 * time.Millisecond, "RUNNING", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &scriptedLister{script: tt.script}
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			out, err := (&redrive.Redriver{Lister: l}).Wait(ctx, started, time.Millisecond)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if len(out) != 1 || out[0].Status != tt.wantStatus || out[0].Started != started[0] {
				t.Fatalf("outcomes = %+v", out)
			}
			if !tt.wantErr && out[0].Moved != int64(l.calls) {
				t.Errorf("moved = %d, want the last reported %d", out[0].Moved, l.calls)
			}
		})
	}
}
