package aslrun

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// EventType names a history event, as GetExecutionHistory does.
type EventType string

// History event types. Tasks whose Resource is a Lambda function ARN
// report Lambda* events, as Step Functions does; other resources
// (arn:aws:states:::lambda:invoke and other integrations) report Task*
// events.
const (
	ExecutionStarted   EventType = "ExecutionStarted"
	ExecutionSucceeded EventType = "ExecutionSucceeded"
	ExecutionFailed    EventType = "ExecutionFailed"
	ExecutionTimedOut  EventType = "ExecutionTimedOut"
	ExecutionAborted   EventType = "ExecutionAborted"

	TaskStateEntered EventType = "TaskStateEntered"
	TaskStateExited  EventType = "TaskStateExited"
	TaskScheduled    EventType = "TaskScheduled"
	TaskStarted      EventType = "TaskStarted"
	TaskSucceeded    EventType = "TaskSucceeded"
	TaskFailed       EventType = "TaskFailed"
	TaskTimedOut     EventType = "TaskTimedOut"

	LambdaFunctionScheduled EventType = "LambdaFunctionScheduled"
	LambdaFunctionStarted   EventType = "LambdaFunctionStarted"
	LambdaFunctionSucceeded EventType = "LambdaFunctionSucceeded"
	LambdaFunctionFailed    EventType = "LambdaFunctionFailed"
	LambdaFunctionTimedOut  EventType = "LambdaFunctionTimedOut"

	PassStateEntered    EventType = "PassStateEntered"
	PassStateExited     EventType = "PassStateExited"
	ChoiceStateEntered  EventType = "ChoiceStateEntered"
	ChoiceStateExited   EventType = "ChoiceStateExited"
	WaitStateEntered    EventType = "WaitStateEntered"
	WaitStateExited     EventType = "WaitStateExited"
	SucceedStateEntered EventType = "SucceedStateEntered"
	SucceedStateExited  EventType = "SucceedStateExited"
	FailStateEntered    EventType = "FailStateEntered"

	ParallelStateEntered   EventType = "ParallelStateEntered"
	ParallelStateStarted   EventType = "ParallelStateStarted"
	ParallelStateSucceeded EventType = "ParallelStateSucceeded"
	ParallelStateFailed    EventType = "ParallelStateFailed"
	ParallelStateExited    EventType = "ParallelStateExited"

	MapStateEntered       EventType = "MapStateEntered"
	MapStateStarted       EventType = "MapStateStarted"
	MapIterationStarted   EventType = "MapIterationStarted"
	MapIterationSucceeded EventType = "MapIterationSucceeded"
	MapIterationFailed    EventType = "MapIterationFailed"
	MapStateSucceeded     EventType = "MapStateSucceeded"
	MapStateFailed        EventType = "MapStateFailed"
	MapStateExited        EventType = "MapStateExited"
)

// Event is one entry of an execution's history.
type Event struct {
	// ID numbers events from 1 in the order they happened.
	ID int64 `json:"id"`
	// PreviousID is the event this one follows from (0 for the first);
	// inside Parallel branches and Map iterations it chains per branch.
	PreviousID int64     `json:"previousEventId"`
	Timestamp  time.Time `json:"timestamp"`
	Type       EventType `json:"type"`
	// StateName is set on state and task events.
	StateName string `json:"stateName,omitempty"`
	// Resource is the Task resource, on task events.
	Resource string `json:"resource,omitempty"`
	// Input is set on ExecutionStarted, *StateEntered and *Scheduled.
	Input json.RawMessage `json:"input,omitempty"`
	// Output is set on ExecutionSucceeded, *StateExited and *Succeeded.
	Output json.RawMessage `json:"output,omitempty"`
	// Error and Cause are set on failure events.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// Retry is set on a failure that a retrier will retry.
	Retry *RetryInfo `json:"retry,omitempty"`
	// Index is the iteration index on MapIteration* events, and Length
	// the number of items on MapStateStarted.
	Index  *int `json:"index,omitempty"`
	Length *int `json:"length,omitempty"`
}

// RetryInfo says how a failed attempt is retried. It is not part of Step
// Functions' history (which only shows the attempts) but is what one
// wants to see when checking a retry policy.
type RetryInfo struct {
	// Retrier is the index of the matching retrier in the state's Retry.
	Retrier int `json:"retrier"`
	// Attempt is the number of this retry for that retrier, from 1;
	// MaxAttempts bounds it.
	Attempt int `json:"attempt"`
	// MaxAttempts is the retrier's MaxAttempts.
	MaxAttempts int `json:"maxAttempts"`
	// Delay is the backoff chosen before the retry, after MaxDelaySeconds
	// and jitter.
	Delay time.Duration `json:"delayNanos"`
}

// history collects events from all branches of an execution.
type history struct {
	mu     sync.Mutex
	clock  Clock
	events []Event
}

// thread tracks the previous event id of one line of execution (the main
// line, a Parallel branch, a Map iteration).
type thread struct {
	h    *history
	last int64
	// ec is the evalCtx of the state the thread runs (run.threadEvalCtx).
	ec evalCtx
	// buf is where encode puts the thread's encodings: several events'
	// data share one allocation instead of one each. chunk is the size
	// of the next buffer encode allocates (0: forkChunk), used counts the
	// bytes encoded.
	buf   []byte
	chunk int
	used  int
}

// forkChunk is the size of the buffers a Parallel branch or Map
// iteration encodes into.
const forkChunk = 256

// maxChunk bounds the buffer the main thread starts with.
const maxChunk = 64 << 10

// encode is encodeJSON into the thread's buffer. The result is never
// appended to, so it can be kept (in the history, as the output).
func (t *thread) encode(v any) (json.RawMessage, error) {
	if cap(t.buf)-len(t.buf) < 64 {
		t.buf = make([]byte, 0, max(t.chunk, forkChunk))
		t.chunk = 0
	}
	start := len(t.buf)
	b, ok := fastEncode(t.buf, v)
	if !ok {
		return encodeJSON(v)
	}
	if start > 0 && cap(b) != cap(t.buf) {
		// append moved it: keep this encoding alone at the start of the
		// new array, and the room after it for the next.
		b = b[start:]
		start = 0
	}
	t.buf = b
	t.used += len(b) - start
	return json.RawMessage(b[start:len(b):len(b)]), nil
}

// mustEncode is mustEncode into the thread's buffer.
func (t *thread) mustEncode(v any) json.RawMessage {
	b, err := t.encode(v)
	if err != nil {
		return mustEncode(v)
	}
	return b
}

func (t *thread) emit(ev Event) int64 { return t.emitAt(ev, t.h.clock.Now()) }

// emitAt records ev with the timestamp at, a time just read from the
// Clock.
func (t *thread) emitAt(ev Event, at time.Time) int64 {
	h := t.h
	h.mu.Lock()
	ev.ID = int64(len(h.events) + 1)
	ev.PreviousID = t.last
	ev.Timestamp = at
	h.events = append(h.events, ev)
	h.mu.Unlock()
	t.last = ev.ID
	return ev.ID
}

func (t *thread) fork() *thread { return &thread{h: t.h, last: t.last} }

// FormatHistory writes events as compact human-readable lines, one per
// event: id, time offset from the first event, type, state, and the
// error, retry or data that matters for that event.
func FormatHistory(w io.Writer, events []Event) error {
	var start time.Time
	if len(events) > 0 {
		start = events[0].Timestamp
	}
	for _, ev := range events {
		var b strings.Builder
		fmt.Fprintf(&b, "%4d %+9.3fs %-24s", ev.ID, ev.Timestamp.Sub(start).Seconds(), ev.Type)
		if ev.StateName != "" {
			fmt.Fprintf(&b, " %s", ev.StateName)
		}
		if ev.Index != nil {
			fmt.Fprintf(&b, " [%d]", *ev.Index)
		}
		if ev.Length != nil {
			fmt.Fprintf(&b, " items=%d", *ev.Length)
		}
		if ev.Error != "" || ev.Cause != "" {
			fmt.Fprintf(&b, " error=%s cause=%s", ev.Error, shorten(ev.Cause, 120))
		}
		if r := ev.Retry; r != nil {
			fmt.Fprintf(&b, " -> retry %d/%d (retrier %d) in %s", r.Attempt, r.MaxAttempts, r.Retrier, r.Delay)
		}
		switch {
		case len(ev.Output) > 0:
			fmt.Fprintf(&b, " output=%s", shorten(string(ev.Output), 160))
		case len(ev.Input) > 0:
			fmt.Fprintf(&b, " input=%s", shorten(string(ev.Input), 160))
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
