package aslrun

import (
	"context"
	cryptorand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/workflows/asl"
)

// Invoker runs a Task state's Resource. input is the state's effective
// input (after InputPath and Parameters); the returned JSON is the task
// result (before ResultSelector, ResultPath and OutputPath).
//
// An error fails the task. Its error name and cause are taken from a
// *TaskError or a messages.InvokeResponse_Error in the error chain, or
// else from the error's Go type name, as aws-lambda-go reports handler
// errors; see [TaskError] and [LambdaInvoker]. The context carries the
// task's TimeoutSeconds and the execution's deadline; an Invoker should
// return when it is done.
type Invoker interface {
	Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error)
}

// InvokerFunc adapts a function to Invoker.
type InvokerFunc func(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error)

// Invoke calls f.
func (f InvokerFunc) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	return f(ctx, resource, input)
}

// Clock is the executor's source of time. Tests substitute a fake so that
// retry backoff and Wait states do not really sleep.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout returns a context that is done after d (a Task's
	// TimeoutSeconds, the execution's time limit).
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// SystemClock is the real clock, the default.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Sleep sleeps for d unless ctx is done first.
func (SystemClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// WithTimeout is context.WithTimeout.
func (SystemClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// Workflow types; they decide the execution ARN format.
const (
	Express  = "EXPRESS"
	Standard = "STANDARD"
)

// DefaultExecutionTimeout is the longest an EXPRESS execution may run.
const DefaultExecutionTimeout = 5 * time.Minute

// Options configure a Machine. The zero value is usable for definitions
// without Task states.
type Options struct {
	// Invoker runs Task states. Required when the definition has any.
	Invoker Invoker
	// Clock defaults to SystemClock.
	Clock Clock
	// Random returns numbers in [0, 1) for JitterStrategy FULL and
	// States.MathRandom. Defaults to math/rand/v2.
	Random func() float64
	// NewUUID returns a UUID for execution names and States.UUID. Defaults
	// to random version 4 UUIDs.
	NewUUID func() string
	// ExecutionTimeout bounds every execution, in addition to the
	// definition's TimeoutSeconds (the smaller applies). Zero means
	// DefaultExecutionTimeout, which is the EXPRESS limit; negative means
	// no limit besides TimeoutSeconds.
	ExecutionTimeout time.Duration
	// StateMachineARN is $$.StateMachine.Id. Defaults to
	// arn:aws:states:us-east-1:123456789012:stateMachine:<Name>.
	StateMachineARN string
	// Name is $$.StateMachine.Name; defaults to the last part of
	// StateMachineARN, or "StateMachine".
	Name string
	// Type is Express (the default) or Standard.
	Type string
	// RoleARN is $$.Execution.RoleArn.
	RoleARN string
	// InvokeInline calls the Invoker on the execution's own goroutine
	// instead of handing each call to a worker goroutine. Set it when the Invoker returns once
	// its context is done (an in-process handler that passes its context
	// on, a stub): a Task's TimeoutSeconds and the execution's time limit
	// then rely on the Invoker to stop. The outcomes and the history are
	// the same as without it for such an Invoker, and each Task saves the
	// hand-offs between the worker and the execution's goroutine. Off by
	// default: an Invoker that ignores its context (a handler blocked in a
	// call without a deadline) would hold the execution past its limits.
	InvokeInline bool
	// PlainLambdaCause makes a Lambda error's Cause its errorMessage alone
	// instead of the {"errorMessage","errorType"} JSON document that Step
	// Functions reports. Off by default, to match AWS.
	PlainLambdaCause bool
}

// Machine is a compiled state machine, safe for concurrent executions.
type Machine struct {
	sm   *stateMachine
	opts Options
	env  *env
	// region and account come from the state machine ARN.
	region, account string
	// historyCap is the capacity a new execution's history starts with:
	// the longest history seen so far, up to maxHistoryCap.
	historyCap atomic.Int64
	// encodeHint is the size of the buffer a new execution's main thread
	// encodes its data into: the most seen so far, up to maxChunk.
	encodeHint atomic.Int64
	// watchdog wakes executions whose Task outlives its deadline.
	watchdog watchdog
	// ctxSM is $$.StateMachine, the same for every execution.
	ctxSM *asl.Object
}

// minHistoryCap and maxHistoryCap bound the capacity an execution's
// history is allocated with.
const (
	minHistoryCap = 8
	maxHistoryCap = 1024
)

// env is what expression evaluation needs from the machine.
type env struct {
	rand func() float64
	uuid func() string
	now  func() time.Time
}

// New compiles an ASL definition (JSON): asl.Parse reads it, the workflow
// linter validates it, and the executor compiles from the parsed model. It
// returns a *DefinitionError for a definition the linter finds invalid (see
// lintOnly for the rules it does not enforce) and an *UnsupportedError for
// a feature aslrun does not implement.
func New(definition []byte, opts Options) (*Machine, error) {
	def, err := asl.Parse(definition)
	if err != nil {
		return nil, &DefinitionError{Path: "$", Msg: "the definition is not a JSON object: " + err.Error()}
	}
	if err := validate(def); err != nil {
		return nil, err
	}
	sm, err := compileMachine(def)
	if err != nil {
		return nil, err
	}
	if opts.Invoker == nil && hasTask(sm) {
		return nil, fmt.Errorf("aslrun: the definition has Task states but Options.Invoker is nil")
	}
	if opts.Clock == nil {
		opts.Clock = SystemClock{}
	}
	if opts.Random == nil {
		opts.Random = rand.Float64
	}
	if opts.NewUUID == nil {
		opts.NewUUID = newUUID
	}
	if opts.ExecutionTimeout == 0 {
		opts.ExecutionTimeout = DefaultExecutionTimeout
	}
	switch opts.Type {
	case "":
		opts.Type = Express
	case Express, Standard:
	default:
		return nil, fmt.Errorf("aslrun: Options.Type must be %s or %s", Express, Standard)
	}
	if opts.Name == "" {
		opts.Name = "StateMachine"
		if i := strings.LastIndexByte(opts.StateMachineARN, ':'); i >= 0 {
			opts.Name = opts.StateMachineARN[i+1:]
		}
	}
	if opts.StateMachineARN == "" {
		opts.StateMachineARN = "arn:" + awsenv.Partition + ":states:" + awsenv.Region + ":" + awsenv.LocalAccount + ":stateMachine:" + opts.Name
	}
	m := &Machine{sm: sm, opts: opts, env: &env{rand: opts.Random, uuid: opts.NewUUID, now: opts.Clock.Now}, region: awsenv.Region, account: awsenv.LocalAccount}
	m.historyCap.Store(minHistoryCap)
	m.watchdog.clock = opts.Clock
	m.ctxSM = obj("Id", opts.StateMachineARN, "Name", opts.Name)
	if parts := strings.Split(opts.StateMachineARN, ":"); len(parts) >= 5 {
		m.region, m.account = parts[3], parts[4]
	}
	return m, nil
}

func hasTask(sm *stateMachine) bool {
	for _, st := range sm.states {
		if st.typ == "Task" {
			return true
		}
		for _, b := range st.branches {
			if hasTask(b) {
				return true
			}
		}
		if st.iterator != nil && hasTask(st.iterator) {
			return true
		}
	}
	return false
}

// Status is an execution's final status.
type Status string

// Execution statuses.
const (
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	TimedOut  Status = "TIMED_OUT"
	Aborted   Status = "ABORTED"
)

// Execution is the outcome of one run of a Machine.
type Execution struct {
	ExecutionARN    string          `json:"executionArn"`
	StateMachineARN string          `json:"stateMachineArn"`
	Name            string          `json:"name"`
	Status          Status          `json:"status"`
	Input           json.RawMessage `json:"input"`
	// Output is set when Status is SUCCEEDED.
	Output json.RawMessage `json:"output,omitempty"`
	// Error and Cause are set when Status is FAILED or TIMED_OUT.
	Error     string    `json:"error,omitempty"`
	Cause     string    `json:"cause,omitempty"`
	StartDate time.Time `json:"startDate"`
	StopDate  time.Time `json:"stopDate"`
	History   []Event   `json:"history"`
}

// SyncResponse renders the execution as the StartSyncExecution API
// returns it: input and output as JSON strings, dates as epoch seconds.
// An API Gateway emulation can feed it to the integration's response
// mapping.
func (e *Execution) SyncResponse() ([]byte, error) {
	type resp struct {
		ExecutionARN    string  `json:"executionArn"`
		StateMachineARN string  `json:"stateMachineArn"`
		Name            string  `json:"name"`
		StartDate       float64 `json:"startDate"`
		StopDate        float64 `json:"stopDate"`
		Status          Status  `json:"status"`
		Error           string  `json:"error,omitempty"`
		Cause           string  `json:"cause,omitempty"`
		Input           string  `json:"input"`
		Output          *string `json:"output,omitempty"`
	}
	r := resp{
		ExecutionARN: e.ExecutionARN, StateMachineARN: e.StateMachineARN, Name: e.Name,
		StartDate: epoch(e.StartDate), StopDate: epoch(e.StopDate),
		Status: e.Status, Error: e.Error, Cause: e.Cause, Input: string(e.Input),
	}
	if e.Output != nil {
		s := string(e.Output)
		r.Output = &s
	}
	return json.Marshal(r)
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// InputError reports an execution that StartExecution would not start:
// input that is not JSON or is larger than the 256 KiB quota
// (InvalidExecutionInput), or an invalid execution name (InvalidName).
type InputError struct{ Err error }

// Error implements error.
func (e *InputError) Error() string { return "aslrun: cannot start the execution: " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// Run executes the state machine with input and returns when the execution
// has stopped. name is $$.Execution.Name; empty means a generated UUID.
// The returned error is non-nil only when the execution could not start
// (see InputError); a failed, timed-out or aborted (ctx cancelled)
// execution is reported in Execution.Status.
func (m *Machine) Run(ctx context.Context, name string, input json.RawMessage) (*Execution, error) {
	if len(input) == 0 {
		input = json.RawMessage("{}")
	}
	if len(input) > maxPayload {
		return nil, &InputError{Err: fmt.Errorf("the input is %d bytes, more than the %d bytes quota", len(input), maxPayload)}
	}
	in, err := decodeJSON(input)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if name == "" {
		name = m.opts.NewUUID()
	}
	if err := checkExecutionName(name); err != nil {
		return nil, err
	}
	return m.run(ctx, name, input, in), nil
}

// checkExecutionName applies StartExecution's rules for names: 1 to 80
// characters, without whitespace, wildcards, brackets, control characters
// or any of : ; , \ | ^ ~ $ # % & ` ".
func checkExecutionName(name string) error {
	if n := utf8.RuneCountInString(name); n == 0 || n > 80 {
		return &InputError{Err: fmt.Errorf("the execution name must be 1 to 80 characters")}
	}
	for _, r := range name {
		if r < utf8.RuneSelf && r > ' ' && r != 0x7f && !badNameChar[r] {
			continue // the common case, without the Unicode tables
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(badNameChars, r) {
			return &InputError{Err: fmt.Errorf("the execution name may not contain %q", r)}
		}
	}
	return nil
}

// badNameChars are the ASCII characters an execution name may not
// contain besides whitespace and control characters.
const badNameChars = "?*<>{}[]:;,\\|^~$#%&`\""

// badNameChar marks badNameChars.
var badNameChar = func() (t [utf8.RuneSelf]bool) {
	for _, c := range badNameChars {
		t[c] = true
	}
	return t
}()

// uuidRandom holds crypto/rand bytes for newUUID, read 32 UUIDs at a
// time: one read per UUID was a few percent of an execution's CPU.
var uuidRandom = sync.Pool{New: func() any { return new(uuidBytes) }}

type uuidBytes struct {
	b    [32 * 16]byte
	used int // bytes handed out; len(b) when empty
}

func newUUID() string {
	r := uuidRandom.Get().(*uuidBytes)
	if r.used == 0 || r.used == len(r.b) {
		if _, err := cryptorand.Read(r.b[:]); err != nil {
			panic(err) // crypto/rand never fails on supported platforms
		}
		r.used = 0
	}
	var b [16]byte
	copy(b[:], r.b[r.used:])
	clear(r.b[r.used : r.used+16]) // handed out: not kept
	r.used += 16
	uuidRandom.Put(r)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}
