package aslrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// timeFormat is how Step Functions renders timestamps in the context
// object.
const timeFormat = "2006-01-02T15:04:05.000Z"

// run is the state of one execution.
type run struct {
	m     *Machine
	clock Clock
	hist  *history
	// The execution's history, main thread and top variable scope,
	// allocated with it.
	history  history
	main     thread
	vars     varScope
	deadline time.Time // execution time limit on the Clock; zero if none
	limit    time.Duration
	// root is the context Run was given; ctx is the execution's own,
	// root with the time limit, or nil without one.
	root   context.Context
	ctx    *deadlineCtx
	ctxMem deadlineCtx // what ctx points to
	// $$.Execution is built from these on first use (execObj), since
	// most executions never read it.
	arn, name string
	start     time.Time
	input     any
	execOnce  sync.Once
	ctxExec   *asl.Object
}

// execObj returns $$.Execution.
func (r *run) execObj() *asl.Object {
	r.execOnce.Do(func() {
		r.ctxExec = obj("Id", r.arn, "Input", r.input, "Name", r.name, "RoleArn", r.m.opts.RoleARN,
			"StartTime", r.start.UTC().Format(timeFormat), "RedriveCount", num(0))
	})
	return r.ctxExec
}

var errHalt = &stateError{name: ErrTimeout, cause: "the execution stopped", halt: true}

func (m *Machine) run(parent context.Context, name string, rawInput json.RawMessage, in any) *Execution {
	clock := m.opts.Clock
	start := clock.Now()
	limit := m.opts.ExecutionTimeout
	if limit < 0 {
		limit = 0
	}
	if t := m.sm.timeout; t > 0 && (limit == 0 || t < limit) {
		limit = t
	}
	ctx := parent
	r := &run{m: m, clock: clock, limit: limit, root: parent}
	r.history = history{clock: clock, events: make([]Event, 0, m.historyCap.Load())}
	r.hist = &r.history
	r.main = thread{h: r.hist, chunk: int(m.encodeHint.Load())}
	if limit > 0 {
		r.deadline = start.Add(limit)
		r.ctx = withDeadline(&r.ctxMem, parent, clock, r.deadline)
		defer r.ctx.cancel()
		ctx = r.ctx
	}

	smName := m.opts.Name
	var arn string
	if m.opts.Type == Standard {
		arn = "arn:aws:states:" + m.region + ":" + m.account + ":execution:" + smName + ":" + name
	} else {
		arn = "arn:aws:states:" + m.region + ":" + m.account + ":express:" + smName + ":" + name + ":" + m.opts.NewUUID()
	}
	th := &r.main
	compactInput := th.mustEncode(in)
	r.arn, r.name, r.start, r.input = arn, name, start, in

	th.emitAt(Event{Type: ExecutionStarted, Input: compactInput}, start)
	out, outJSON, serr := r.runMachine(ctx, m.sm, in, compactInput, th, &r.vars)

	exec := &Execution{
		ExecutionARN: arn, StateMachineARN: m.opts.StateMachineARN, Name: name,
		Input: compactInput, StartDate: start,
	}
	if serr == nil {
		b, err := outJSON, error(nil) // the last state's output, as encoded for its exit event
		if b == nil {
			b, err = th.encode(out)
		}
		switch {
		case err != nil:
			serr = runtimeErr("the execution output cannot be encoded: %v", err)
		case len(b) > maxPayload:
			serr = &stateError{name: ErrDataLimitExceeded, cause: fmt.Sprintf("The execution output is %d bytes, more than the %d bytes quota", len(b), maxPayload)}
		default:
			exec.Status, exec.Output = Succeeded, b
			exec.StopDate = clock.Now()
			th.emitAt(Event{Type: ExecutionSucceeded, Output: b}, exec.StopDate)
		}
	}
	if serr != nil {
		switch {
		case parent.Err() != nil:
			exec.Status = Aborted
			th.emit(Event{Type: ExecutionAborted})
		case serr.halt:
			exec.Status, exec.Error = TimedOut, ErrTimeout
			exec.Cause = fmt.Sprintf("The execution ran longer than its time limit of %s", limit)
			th.emit(Event{Type: ExecutionTimedOut, Error: exec.Error, Cause: exec.Cause})
		default:
			exec.Status, exec.Error, exec.Cause = Failed, serr.name, serr.cause
			th.emit(Event{Type: ExecutionFailed, Error: serr.name, Cause: serr.cause})
		}
	}
	if exec.StopDate.IsZero() {
		exec.StopDate = clock.Now()
	}
	// Every branch has finished: the events can be handed over as they are.
	exec.History = r.hist.events
	if n := int64(len(exec.History)); n > m.historyCap.Load() && n <= maxHistoryCap {
		m.historyCap.Store(n) // the next execution's history starts this large
	}
	if n := int64(r.main.used + 64); n > m.encodeHint.Load() && n <= maxChunk {
		m.encodeHint.Store(n) // and its main thread's encodings fit one buffer
	}
	return exec
}

// halted reports whether the execution must stop: its context is done or
// its time limit has passed on the Clock.
func (r *run) halted(ctx context.Context) *stateError {
	return r.haltedAt(ctx, r.clock.Now())
}

// haltedAt is halted with the Clock's time already read.
func (r *run) haltedAt(ctx context.Context, now time.Time) *stateError {
	if r.ctx != nil && ctx == context.Context(r.ctx) {
		ctx = r.root // its deadline is r.deadline, checked below
	}
	if ctx.Err() != nil {
		return errHalt
	}
	if !r.deadline.IsZero() && !now.Before(r.deadline) {
		return errHalt
	}
	return nil
}

// sleep waits for d on the Clock, stopping at the execution's time limit.
func (r *run) sleep(ctx context.Context, d time.Duration) *stateError {
	if !r.deadline.IsZero() {
		if remaining := r.deadline.Sub(r.clock.Now()); d >= remaining {
			_ = r.clock.Sleep(ctx, max(remaining, 0))
			return errHalt
		}
	}
	if r.clock.Sleep(ctx, d) != nil {
		return errHalt
	}
	return nil
}

// evalCtx is what expressions of a state evaluate against besides their
// input: the context object ($$), the variables in scope and the machine's
// sources of randomness.
type evalCtx struct {
	// ctxObj is the context object; contextObject builds it from the
	// fields below the first time an expression reads it, since most
	// states never do.
	ctxObj     *asl.Object
	run        *run
	stateName  string
	entered    time.Time
	retryCount int
	item       *asl.Object
	vars       *varScope
	env        *env
	// JSONata's $states: the state's input, and its result or error
	// output where the field being evaluated can read them.
	input                     any
	inputJSON                 json.RawMessage // input's encoding, where known
	result, errorOutput       any
	hasResult, hasErrorOutput bool
}

// newEvalCtx returns a new evaluation context of a state whose input is
// in; item is the Map item for a Map state's ItemSelector. A negative
// retryCount leaves $$.State.RetryCount out, as AWS does in states that
// cannot retry (LocalStack's recorded test_query_context_object_values: a
// Pass state's $$.State has Name and EnteredTime only).
func (r *run) newEvalCtx(stateName string, entered time.Time, retryCount int, item *asl.Object, vars *varScope, in any) *evalCtx {
	c := new(evalCtx)
	r.initEvalCtx(c, stateName, entered, retryCount, item, vars, in)
	return c
}

// initEvalCtx sets c up as newEvalCtx's.
func (r *run) initEvalCtx(c *evalCtx, stateName string, entered time.Time, retryCount int, item *asl.Object, vars *varScope, in any) {
	*c = evalCtx{run: r, stateName: stateName, entered: entered, retryCount: retryCount, item: item, vars: vars, env: r.m.env, input: in}
}

// threadEvalCtx is newEvalCtx without an item, in th's own evalCtx: a
// thread runs one state at a time, and nothing keeps a state's evalCtx
// once the state is done. It replaces the one it gave before.
func (r *run) threadEvalCtx(th *thread, stateName string, entered time.Time, retryCount int, vars *varScope, in any) *evalCtx {
	r.initEvalCtx(&th.ec, stateName, entered, retryCount, nil, vars, in)
	return &th.ec
}

// contextObject returns the context object ($$), building it on first use.
func (c *evalCtx) contextObject() *asl.Object {
	if c.ctxObj != nil || c.run == nil {
		return c.ctxObj
	}
	stObj := obj("EnteredTime", c.entered.UTC().Format(timeFormat), "Name", c.stateName)
	if c.retryCount >= 0 {
		stObj.Set("RetryCount", num(int64(c.retryCount)))
	}
	o := obj("Execution", c.run.execObj(), "StateMachine", c.run.m.ctxSM, "State", stObj)
	if c.item != nil {
		o.Set("Map", obj("Item", c.item))
	}
	c.ctxObj = o
	return o
}

// runMachine runs a state machine or branch from its StartAt state.
// inJSON is the encoding of input if the caller has it, else nil.
// It returns the output of the last state and its encoding.
func (r *run) runMachine(ctx context.Context, sm *stateMachine, input any, inJSON json.RawMessage, th *thread, vars *varScope) (any, json.RawMessage, *stateError) {
	name := sm.startAt
	for {
		now := r.clock.Now()
		if herr := r.haltedAt(ctx, now); herr != nil {
			return nil, nil, herr
		}
		out, outJSON, next, serr := r.runState(ctx, sm.states[name], input, inJSON, th, vars, now)
		if serr != nil {
			return nil, nil, serr
		}
		if next == "" {
			return out, outJSON, nil
		}
		name, input, inJSON = next, out, outJSON
	}
}

var stateEvents = map[string][2]EventType{
	"Task":     {TaskStateEntered, TaskStateExited},
	"Pass":     {PassStateEntered, PassStateExited},
	"Choice":   {ChoiceStateEntered, ChoiceStateExited},
	"Wait":     {WaitStateEntered, WaitStateExited},
	"Succeed":  {SucceedStateEntered, SucceedStateExited},
	"Fail":     {FailStateEntered, ""},
	"Parallel": {ParallelStateEntered, ParallelStateExited},
	"Map":      {MapStateEntered, MapStateExited},
}

// runState runs one state and returns its output and the next state ("" at
// the end of the machine).
// entered is the time the state is entered: $$.State.EnteredTime and the
// timestamp of its StateEntered event.
func (r *run) runState(ctx context.Context, st *state, input any, inJSON json.RawMessage, th *thread, vars *varScope, entered time.Time) (any, json.RawMessage, string, *stateError) {
	evs := st.events
	if inJSON == nil {
		inJSON = th.mustEncode(input)
	}
	enteredID := th.emitAt(Event{Type: evs[0], StateName: st.name, Input: inJSON}, entered)
	var (
		out    any
		next   = st.next
		assign *asl.Object
		serr   *stateError
	)
	var c *evalCtx // withRetry makes its own, one per attempt
	if st.typ != "Task" && st.typ != "Parallel" && st.typ != "Map" {
		c = r.threadEvalCtx(th, st.name, entered, -1, vars, input)
	}
	switch st.typ {
	case "Task", "Parallel", "Map":
		out, next, assign, serr = r.withRetry(ctx, st, input, inJSON, th, entered, enteredID, vars)
	case "Pass":
		out, assign, serr = r.pass(st, input, c)
	case "Choice":
		out, next, assign, serr = r.choice(st, input, c)
	case "Wait":
		out, assign, serr = r.wait(ctx, st, input, c)
	case "Succeed":
		out, serr = r.succeed(st, input, c)
		next = ""
	case "Fail":
		return nil, nil, "", locate(r.fail(st, input, c), st, enteredID)
	}
	if serr != nil {
		return nil, nil, "", locate(serr, st, enteredID)
	}
	// Assignments take effect once the state is done: every expression of
	// the state read the variables as they were when it was entered.
	vars.assign(assign)
	b, err := th.encode(out)
	if err != nil {
		return nil, nil, "", runtimeErr("the output of state '%s' cannot be encoded: %v", st.name, err)
	}
	if len(b) > maxPayload {
		return nil, nil, "", &stateError{name: ErrDataLimitExceeded, cause: fmt.Sprintf("The output of state '%s' is %d bytes, more than the %d bytes quota", st.name, len(b), maxPayload)}
	}
	th.emit(Event{Type: evs[1], StateName: st.name, Output: b})
	return out, b, next, nil
}

// pathErr words an InputPath or OutputPath that failed, as AWS does when
// it matched nothing (LocalStack's recorded test_invalid_jsonpath,
// test_catch_states_runtime).
func pathErr(field, source string, err *stateError) *stateError {
	if err.missing != nil && err.missing.jayway != "" {
		return runtimeErr("Invalid path '%s' : %s", source, err.missing.jayway)
	}
	return runtimeErr("Invalid %s '%s': %s", field, source, err.cause)
}

// compactJSON is v as compact JSON, for error causes.
func compactJSON(v any) string {
	b, err := encodeJSON(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// rawText is a string as it is, anything else as compact JSON.
func rawText(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return compactJSON(v)
}

// locate words an error the executor raised in a state as AWS does: "An
// error occurred while executing the state 'S' (entered at the event id
// #N). " and the message (LocalStack's recorded runs of States.Runtime and
// States.QueryEvaluationError failures). Errors of task handlers and of
// nested states keep their cause.
func locate(serr *stateError, st *state, enteredID int64) *stateError {
	if serr != nil && serr.own && !serr.located {
		serr.cause = fmt.Sprintf("An error occurred while executing the state '%s' (entered at the event id #%d). %s", st.name, enteredID, serr.cause)
		serr.located = true
	}
	return serr
}

// Input and output processing.

func inputPath(st *state, input any, c *evalCtx) (any, *stateError) {
	switch {
	case st.inputPath.null:
		return asl.NewSmallObject(0), nil
	case st.inputPath.p != nil:
		v, err := st.inputPath.p.eval(input, c)
		if err != nil {
			return nil, pathErr("InputPath", st.inputPath.p.Source, err)
		}
		return v, nil
	}
	return input, nil
}

func outputPath(st *state, output any, c *evalCtx) (any, *stateError) {
	switch {
	case st.outputPath.null:
		return asl.NewSmallObject(0), nil
	case st.outputPath.p != nil:
		v, err := st.outputPath.p.eval(output, c)
		if err != nil {
			return nil, pathErr("OutputPath", st.outputPath.p.Source, err)
		}
		return v, nil
	}
	return output, nil
}

func applyResultPath(rp optPath, rawInput, result any) (any, *stateError) {
	switch {
	case rp.null:
		return rawInput, nil
	case rp.p == nil || rp.p.IsRoot():
		return result, nil
	}
	return setPath(rawInput, rp.p, result)
}

// effectiveInput applies InputPath and then Parameters, or a JSONata
// state's Arguments.
func (r *run) effectiveInput(st *state, input any, c *evalCtx) (any, *stateError) {
	if st.jsonata {
		if st.arguments == nil {
			return input, nil
		}
		return st.arguments.eval(nil, c)
	}
	v, err := inputPath(st, input, c)
	if err != nil {
		return nil, err
	}
	if st.parameters != nil {
		return st.parameters.eval(v, c)
	}
	return v, nil
}

// applyResult applies ResultSelector, ResultPath and OutputPath.
func (r *run) applyResult(st *state, rawInput, result any, c *evalCtx) (any, *stateError) {
	if st.resultSelector != nil {
		var err *stateError
		if result, err = st.resultSelector.eval(result, c); err != nil {
			return nil, err
		}
	}
	out, err := applyResultPath(st.resultPath, rawInput, result)
	if err != nil {
		return nil, err
	}
	return outputPath(st, out, c)
}

// finishJSONata evaluates a JSONata state's Output (by default the state's
// result when it has one, else its input) and Assign.
func finishJSONata(output, assign tnode, c *evalCtx, dflt any) (any, *asl.Object, *stateError) {
	out := dflt
	if output != nil {
		var err *stateError
		if out, err = output.eval(nil, c); err != nil {
			return nil, nil, err
		}
	}
	vars, err := evalAssign(assign, nil, c)
	return out, vars, err
}

// evalAssign evaluates an Assign field into the variables it sets. In a
// JSONPath state in is what its paths read ($).
func evalAssign(t tnode, in any, c *evalCtx) (*asl.Object, *stateError) {
	if t == nil {
		return nil, nil
	}
	v, err := t.eval(in, c)
	if err != nil {
		return nil, err
	}
	o, ok := v.(*asl.Object)
	if !ok {
		return nil, queryErr("Assign must give an object of variables, got %s", jsonType(v))
	}
	return o, nil
}

// States without Retry.

func (r *run) pass(st *state, input any, c *evalCtx) (any, *asl.Object, *stateError) {
	if st.jsonata {
		return finishJSONata(st.output, st.assign, c, input)
	}
	eff, err := r.effectiveInput(st, input, c)
	if err != nil {
		return nil, nil, err
	}
	result := eff
	if st.hasResult {
		result = st.result
	}
	vars, err := evalAssign(st.assign, result, c)
	if err != nil {
		return nil, nil, err
	}
	out, err := applyResultPath(st.resultPath, input, result)
	if err != nil {
		return nil, nil, err
	}
	out, err = outputPath(st, out, c)
	return out, vars, err
}

func (r *run) choice(st *state, input any, c *evalCtx) (any, string, *asl.Object, *stateError) {
	eff := input
	if !st.jsonata {
		var err *stateError
		if eff, err = inputPath(st, input, c); err != nil {
			return nil, "", nil, err
		}
	}
	var matched *choice
	for i := range st.choices {
		ch := &st.choices[i]
		var ok bool
		var err *stateError
		if st.jsonata {
			ok, err = evalCondition(ch.condition, c)
		} else {
			ok, err = ch.rule.eval(eff, c)
		}
		if err != nil {
			return nil, "", nil, err
		}
		if ok {
			matched = ch
			break
		}
	}
	next, assign, output := st.defaultNext, st.assign, st.output
	if matched != nil {
		next = matched.next
		// A matched rule's own Assign and Output replace the state's.
		if matched.assign != nil {
			assign = matched.assign
		}
		if matched.output != nil {
			output = matched.output
		}
	} else if next == "" {
		return nil, "", nil, &stateError{name: ErrNoChoiceMatched, cause: fmt.Sprintf("No choice rule of state '%s' matched and it has no Default", st.name)}
	}
	if st.jsonata {
		out, vars, err := finishJSONata(output, assign, c, input)
		return out, next, vars, err
	}
	vars, err := evalAssign(assign, eff, c)
	if err != nil {
		return nil, "", nil, err
	}
	out, err := outputPath(st, eff, c)
	return out, next, vars, err
}

// evalCondition evaluates a JSONata Choice rule's Condition.
func evalCondition(t tnode, c *evalCtx) (bool, *stateError) {
	v, err := t.eval(nil, c)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, queryErr("The Condition of a choice rule must be a boolean, got %s", excerpt(v))
	}
	return b, nil
}

// intField evaluates a JSONata expression for a number field that takes
// an integer from min to 99999999.
func intField(t tnode, c *evalCtx, field string, min int64) (int64, *stateError) {
	v, err := t.eval(nil, c)
	if err != nil {
		return 0, err
	}
	n, ok := toInt(v)
	if !ok || n < min || n > 99999999 {
		return 0, queryErr("The %s expression returned %s, which is not an integer from %d to 99999999", field, excerpt(v), min)
	}
	return n, nil
}

func (r *run) wait(ctx context.Context, st *state, input any, c *evalCtx) (any, *asl.Object, *stateError) {
	eff := input
	if !st.jsonata {
		var err *stateError
		if eff, err = inputPath(st, input, c); err != nil {
			return nil, nil, err
		}
	}
	var d time.Duration
	switch {
	case st.hasSeconds:
		d = time.Duration(st.seconds) * time.Second
	case st.hasTimestamp:
		d = st.timestamp.Sub(r.clock.Now())
	case st.secondsExpr != nil:
		n, err := intField(st.secondsExpr, c, "Seconds", 0)
		if err != nil {
			return nil, nil, err
		}
		d = time.Duration(n) * time.Second
	case st.timestampExpr != nil:
		v, err := st.timestampExpr.eval(nil, c)
		if err != nil {
			return nil, nil, err
		}
		t, ok := asl.ParseTimestamp(v)
		if !ok {
			return nil, nil, queryErr("The Timestamp expression returned %s, which is not an RFC 3339 timestamp", excerpt(v))
		}
		d = t.Sub(r.clock.Now())
	case st.secondsPath != nil:
		v, err := st.secondsPath.eval(eff, c)
		if err != nil {
			if err.missing != nil { // AWS's wording (LocalStack's recorded test_logs)
				return nil, nil, runtimeErr("The SecondsPath parameter does not reference an input value: %s", st.secondsPath.Source)
			}
			return nil, nil, runtimeErr("Invalid SecondsPath '%s': %s", st.secondsPath.Source, err.cause)
		}
		// AWS's wording (LocalStack's recorded test_base_wait_seconds_path).
		n, ok := toInt(v)
		switch {
		case !ok:
			return nil, nil, runtimeErr("The SecondsPath parameter cannot be parsed as a long value: %s == %s", st.secondsPath.Source, compactJSON(v))
		case n < 0:
			return nil, nil, runtimeErr("The SecondsPath parameter references a negative value: %s == %s", st.secondsPath.Source, compactJSON(v))
		case n > 99999999:
			return nil, nil, runtimeErr("The SecondsPath '%s' selected %s, which is more than 99999999 seconds", st.secondsPath.Source, excerpt(v))
		}
		d = time.Duration(n) * time.Second
	case st.timestampPath != nil:
		v, err := st.timestampPath.eval(eff, c)
		if err != nil {
			return nil, nil, runtimeErr("Invalid TimestampPath '%s': %s", st.timestampPath.Source, err.cause)
		}
		t, ok := asl.ParseTimestamp(v)
		if !ok {
			return nil, nil, runtimeErr("The TimestampPath '%s' selected %s, which is not an RFC 3339 timestamp", st.timestampPath.Source, excerpt(v))
		}
		d = t.Sub(r.clock.Now())
	}
	if d > 0 {
		if herr := r.sleep(ctx, d); herr != nil {
			return nil, nil, herr
		}
	}
	if st.jsonata {
		return finishJSONata(st.output, st.assign, c, input)
	}
	vars, err := evalAssign(st.assign, eff, c)
	if err != nil {
		return nil, nil, err
	}
	out, err := outputPath(st, eff, c)
	return out, vars, err
}

func (r *run) succeed(st *state, input any, c *evalCtx) (any, *stateError) {
	if st.jsonata {
		out, _, err := finishJSONata(st.output, nil, c, input)
		return out, err
	}
	eff, err := inputPath(st, input, c)
	if err != nil {
		return nil, err
	}
	return outputPath(st, eff, c)
}

func (r *run) fail(st *state, input any, c *evalCtx) *stateError {
	name, cause := st.errorName, st.cause
	for _, f := range []struct {
		field   string
		expr    iexpr
		jsonata tnode
		dst     *string
	}{{"Error", st.errorExpr, st.errorJSONata, &name}, {"Cause", st.causeExpr, st.causeJSONata, &cause}} {
		var v any
		var err *stateError
		switch {
		case f.jsonata != nil:
			if v, err = f.jsonata.eval(nil, c); err != nil {
				return err
			}
			s, ok := v.(string)
			if !ok {
				return queryErr("The %s expression of state '%s' returned %s, which is not a string", f.field, st.name, excerpt(v))
			}
			*f.dst = s
			continue
		case f.expr != nil:
			if v, err = f.expr.eval(input, c); err != nil {
				if err.missing != nil {
					return runtimeErr("%s", err.missing.notFoundIn(f.field+"Path"))
				}
				return runtimeErr("Invalid %sPath in state '%s': %s", f.field, st.name, err.cause)
			}
		default:
			continue
		}
		s, ok := v.(string)
		if !ok {
			return runtimeErr("The %sPath of state '%s' selected %s, which is not a string", f.field, st.name, excerpt(v))
		}
		*f.dst = s
	}
	return &stateError{name: name, cause: cause}
}

// Retry and Catch.

// withRetry runs a Task, Parallel or Map state's attempts under its Retry
// and Catch policy.
func (r *run) withRetry(ctx context.Context, st *state, input any, inJSON json.RawMessage, th *thread, entered time.Time, enteredID int64, vars *varScope) (any, string, *asl.Object, *stateError) {
	// Each retrier counts its own retries, whatever error names they were
	// for: its interval grows and its MaxAttempts runs out with them, as
	// in the specification's example (see the package documentation).
	// The counts reset when the state is entered again.
	var counts []int // retries made by each retrier
	if len(st.retry) > 0 {
		counts = make([]int, len(st.retry))
	}
	retryCount := 0
	for {
		c := r.threadEvalCtx(th, st.name, entered, retryCount, vars, input)
		c.inputJSON = inJSON
		var (
			result   any
			serr     *stateError
			failType EventType
		)
		switch st.typ {
		case "Task":
			result, serr, failType = r.task(ctx, st, input, c, th)
		case "Parallel":
			result, serr, failType = r.parallel(ctx, st, input, c, th)
		case "Map":
			result, serr, failType = r.mapState(ctx, st, input, c, th, entered, retryCount)
		}
		if serr == nil {
			out, assign, err := r.complete(st, input, result, c)
			if err == nil {
				return out, st.next, assign, nil
			}
			serr = err // an Output or Assign that fails fails the state
		}
		locate(serr, st, enteredID)
		if serr.halt {
			return nil, "", nil, serr
		}
		var retry *RetryInfo
		if !serr.terminal() {
			if i := matchRetrier(st.retry, serr.name); i >= 0 && counts[i] < st.retry[i].maxAttempts {
				retry = &RetryInfo{Retrier: i, Attempt: counts[i] + 1, MaxAttempts: st.retry[i].maxAttempts, Delay: r.backoff(st.retry[i], counts[i])}
				counts[i]++
			}
		}
		if failType != "" {
			th.emit(Event{Type: failType, StateName: st.name, Resource: st.resource, Error: serr.name, Cause: serr.cause, Retry: retry})
		}
		if retry != nil {
			if herr := r.sleep(ctx, retry.Delay); herr != nil {
				return nil, "", nil, herr
			}
			retryCount++
			continue
		}
		if !serr.terminal() {
			for i := range st.catch {
				ct := &st.catch[i]
				if !anyMatches(ct.errorEquals, serr.name) {
					continue
				}
				out, assign, err := r.caught(st, ct, input, obj("Error", serr.name, "Cause", serr.cause), c)
				if err != nil {
					return nil, "", nil, err
				}
				return out, ct.next, assign, nil
			}
		}
		return nil, "", nil, serr
	}
}

// complete gives the output and variable assignments of a Task, Parallel
// or Map state whose attempt gave result. A JSONPath state's Assign reads
// the result as $, before ResultSelector.
func (r *run) complete(st *state, input, result any, c *evalCtx) (any, *asl.Object, *stateError) {
	if st.jsonata {
		c.result, c.hasResult = result, true
		return finishJSONata(st.output, st.assign, c, result)
	}
	vars, err := evalAssign(st.assign, result, c)
	if err != nil {
		return nil, nil, err
	}
	out, err := r.applyResult(st, input, result, c)
	return out, vars, err
}

// caught gives the output and variable assignments of a state whose error
// a catcher handles: the catcher's Output (JSONata; by default the error
// output) or ResultPath (JSONPath), and its Assign, which reads the error
// output ($states.errorOutput, or $ in JSONPath).
func (r *run) caught(st *state, ct *catcher, input any, errOut *asl.Object, c *evalCtx) (any, *asl.Object, *stateError) {
	if st.jsonata {
		c.errorOutput, c.hasErrorOutput = errOut, true
		return finishJSONata(ct.output, ct.assign, c, errOut)
	}
	vars, err := evalAssign(ct.assign, errOut, c)
	if err != nil {
		return nil, nil, err
	}
	out, err := applyResultPath(ct.resultPath, input, errOut)
	return out, vars, err
}

// matchRetrier returns the index of the first retrier whose ErrorEquals
// matches name, or -1. Only that retrier applies, even when it has no
// attempts left.
func matchRetrier(rs []retrier, name string) int {
	for i, rt := range rs {
		if anyMatches(rt.errorEquals, name) {
			return i
		}
	}
	return -1
}

// backoff computes the wait before retry number n+1 of a retrier:
// IntervalSeconds × BackoffRate^n, capped at MaxDelaySeconds, then drawn
// uniformly from [0, delay] with JitterStrategy FULL.
func (r *run) backoff(rt retrier, n int) time.Duration {
	secs := rt.interval * math.Pow(rt.backoff, float64(n))
	if rt.maxDelay > 0 && secs > rt.maxDelay {
		secs = rt.maxDelay
	}
	if rt.jitterFull {
		secs *= r.m.env.rand()
	}
	if secs > 1e9 { // keep the Duration in range
		secs = 1e9
	}
	return time.Duration(secs * float64(time.Second))
}

// Task.

func taskEvents(lambda bool) (sched, started, succeeded, failed, timedOut EventType) {
	if lambda {
		return LambdaFunctionScheduled, LambdaFunctionStarted, LambdaFunctionSucceeded, LambdaFunctionFailed, LambdaFunctionTimedOut
	}
	return TaskScheduled, TaskStarted, TaskSucceeded, TaskFailed, TaskTimedOut
}

func (r *run) task(ctx context.Context, st *state, input any, c *evalCtx, th *thread) (any, *stateError, EventType) {
	eff, err := r.effectiveInput(st, input, c)
	if err != nil {
		return nil, err, ""
	}
	timeout := st.timeout
	if st.timeoutExpr != nil {
		n, err := intField(st.timeoutExpr, c, "TimeoutSeconds", 1)
		if err != nil {
			return nil, err, ""
		}
		timeout = time.Duration(n) * time.Second
	}
	if st.timeoutPath != nil {
		v, err := st.timeoutPath.eval(input, c)
		if err != nil {
			return nil, runtimeErr("Invalid TimeoutSecondsPath '%s': %s", st.timeoutPath.Source, err.cause), ""
		}
		n, ok := toInt(v)
		if !ok || n <= 0 {
			return nil, runtimeErr("The TimeoutSecondsPath '%s' selected %s, which is not a positive integer", st.timeoutPath.Source, excerpt(v)), ""
		}
		timeout = time.Duration(n) * time.Second
	}
	payload, jerr := c.inputJSON, error(nil)
	if !sameObject(eff, input) || payload == nil {
		payload, jerr = th.encode(eff) // InputPath or Parameters changed it
	}
	if jerr != nil {
		return nil, runtimeErr("the input of state '%s' cannot be encoded: %v", st.name, jerr), ""
	}
	if len(payload) > maxPayload {
		return nil, &stateError{name: ErrDataLimitExceeded, cause: fmt.Sprintf("The input of state '%s' is %d bytes, more than the %d bytes quota", st.name, len(payload), maxPayload)}, ""
	}
	sched, started, succeeded, failed, timedOut := taskEvents(st.lambda)
	now := r.clock.Now() // the task is scheduled and started at once
	th.emitAt(Event{Type: sched, StateName: st.name, Resource: st.resource, Input: payload}, now)
	th.emitAt(Event{Type: started, StateName: st.name, Resource: st.resource}, now)

	tctx := ctx
	if timeout > 0 {
		dctx := withDeadline(new(deadlineCtx), ctx, r.clock, now.Add(timeout))
		defer dctx.cancel()
		tctx = dctx
	}
	res, ierr := r.invoke(tctx, st.resource, payload)
	if ierr != nil {
		if herr := r.halted(ctx); herr != nil {
			return nil, herr, ""
		}
		if timeout > 0 && tctx.Err() != nil {
			// AWS gives a task time-out no cause (recorded runs:
			// LocalStack's test_timeouts and test_invoke_timeout).
			return nil, &stateError{name: ErrTimeout}, timedOut
		}
		return nil, classifyInvokeError(ierr, r.m.opts.PlainLambdaCause), failed
	}
	if len(res) > maxPayload {
		// Unlike a state's input or output over the quota, a task result
		// over it can be retried and caught (see the package documentation).
		// AWS's wording (LocalStack's recorded runs, test_states_errors):
		// the Lambda ARN, or the integration's service name.
		return nil, &stateError{name: ErrDataLimitExceeded, cause: fmt.Sprintf("The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit.", resultLimitName(st.resource)), catchable: true}, failed
	}
	var out any
	res = bytes.Clone(bytes.TrimSpace(res)) // the history keeps it; the Invoker may reuse its buffer
	if len(res) > 0 {
		v, derr := decodeOwnJSON(res)
		if derr != nil {
			return nil, runtimeErr("the result of state '%s' is not JSON: %v", st.name, derr), ""
		}
		out = v
	} else {
		res = json.RawMessage("null")
	}
	th.emit(Event{Type: succeeded, StateName: st.name, Resource: st.resource, Output: res})
	return out, nil, ""
}

// sameObject reports whether a and b are the same object (not only equal).
func sameObject(a, b any) bool {
	x, ok := a.(*asl.Object)
	y, ok2 := b.(*asl.Object)
	return ok && ok2 && x == y
}

// resultLimitName names a task resource the way AWS's result-size error
// does: "lambda" for arn:aws:states:::lambda:invoke, the resource itself
// for a Lambda function ARN.
func resultLimitName(resource string) string {
	if svc, ok := strings.CutPrefix(resource, "arn:aws:states:::"); ok {
		name, _, _ := strings.Cut(svc, ":")
		return name
	}
	return resource
}

// invokeInline calls the Invoker on the execution's goroutine (see
// Options.InvokeInline). For an Invoker that returns once ctx is done,
// the outcomes are invoke's: a call that ends after ctx is done is timed
// out or halted, whatever it returned.
func (r *run) invokeInline(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error) {
	out, err := r.callInvoker(ctx, resource, payload)
	if cerr := ctx.Err(); cerr != nil {
		return nil, cerr
	}
	return out, err
}

// callInvoker calls the Invoker, turning a panic into a Lambda-style error.
func (r *run) callInvoker(ctx context.Context, resource string, payload json.RawMessage) (out json.RawMessage, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, messages.InvokeResponse_Error{Type: goErrorType(v), Message: fmt.Sprint(v)}
		}
	}()
	return r.m.opts.Invoker.Invoke(ctx, resource, payload)
}

// Parallel and Map.

func (r *run) parallel(ctx context.Context, st *state, input any, c *evalCtx, th *thread) (any, *stateError, EventType) {
	eff, err := r.effectiveInput(st, input, c)
	if err != nil {
		return nil, err, ""
	}
	th.emit(Event{Type: ParallelStateStarted, StateName: st.name})
	results := make([]any, len(st.branches))
	first := r.fanOut(ctx, len(st.branches), 0, th, func(bctx context.Context, i int, bth *thread) *stateError {
		out, _, err := r.runMachine(bctx, st.branches[i], eff, nil, bth, c.vars.child())
		results[i] = out
		return err
	})
	if first != nil {
		return nil, first, ParallelStateFailed
	}
	th.emit(Event{Type: ParallelStateSucceeded, StateName: st.name})
	return results, nil, ""
}

func (r *run) mapState(ctx context.Context, st *state, input any, c *evalCtx, th *thread, entered time.Time, retryCount int) (any, *stateError, EventType) {
	eff, err := input, (*stateError)(nil)
	if !st.jsonata {
		if eff, err = inputPath(st, input, c); err != nil {
			return nil, err, ""
		}
	}
	items := eff
	if st.itemsExpr != nil {
		if items, err = st.itemsExpr.eval(nil, c); err != nil {
			return nil, err, ""
		}
		if _, ok := items.([]any); !ok {
			return nil, queryErr("The Items of Map state '%s' must be an array, got %s", st.name, jsonType(items)), ""
		}
	}
	if st.itemsPath != nil {
		if items, err = st.itemsPath.eval(eff, c); err != nil {
			return nil, runtimeErr("Invalid ItemsPath '%s': %s", st.itemsPath.Source, err.cause), ""
		}
	}
	arr, ok := items.([]any)
	if !ok {
		if st.jsonata {
			// A JSONata Map's input that is not an array is a query
			// evaluation error for AWS, in these words (LocalStack's
			// recorded test_map_state_items_input_types).
			return nil, queryErr("Map state input must be an array but was: %s", compactJSON(items)), ""
		}
		return nil, runtimeErr("The items of Map state '%s' must be an array, got %s", st.name, jsonType(items)), ""
	}
	conc := st.maxConcurrency
	if st.maxConcurrencyPath != nil {
		v, err := st.maxConcurrencyPath.eval(input, c)
		if err != nil {
			return nil, runtimeErr("Invalid MaxConcurrencyPath '%s': %s", st.maxConcurrencyPath.Source, err.cause), ""
		}
		n, ok := toInt(v)
		if !ok || n < 0 {
			// AWS's wording (LocalStack's recorded test_max_concurrency_path).
			return nil, runtimeErr("The MaxConcurrencyPath field refers to value \"%s\" which is not a valid integer: %s", rawText(v), st.maxConcurrencyPath.Source), ""
		}
		conc = int(n)
	}
	if st.maxConcurrencyExpr != nil {
		n, err := intField(st.maxConcurrencyExpr, c, "MaxConcurrency", 0)
		if err != nil {
			return nil, err, ""
		}
		conc = int(n)
	}
	inputs := arr
	if st.itemSelector != nil {
		inputs = make([]any, len(arr))
		for i, item := range arr {
			itemCtx := r.newEvalCtx(st.name, entered, retryCount, obj("Index", num(int64(i)), "Value", item), c.vars, input)
			v, err := st.itemSelector.eval(eff, itemCtx)
			if err != nil {
				return nil, err, ""
			}
			inputs[i] = v
		}
	}
	n := len(inputs)
	th.emit(Event{Type: MapStateStarted, StateName: st.name, Length: &n})
	results := make([]any, n)
	first := r.fanOut(ctx, n, conc, th, func(ictx context.Context, i int, ith *thread) *stateError {
		idx := i
		ith.emit(Event{Type: MapIterationStarted, StateName: st.name, Index: &idx})
		out, _, err := r.runMachine(ictx, st.iterator, inputs[i], nil, ith, c.vars.child())
		if err != nil {
			if !err.halt {
				ith.emit(Event{Type: MapIterationFailed, StateName: st.name, Index: &idx, Error: err.name, Cause: err.cause})
			}
			return err
		}
		results[i] = out
		ith.emit(Event{Type: MapIterationSucceeded, StateName: st.name, Index: &idx})
		return nil
	})
	if first != nil {
		return nil, first, MapStateFailed
	}
	th.emit(Event{Type: MapStateSucceeded, StateName: st.name})
	return results, nil, ""
}

// fanOut runs n branches with at most conc at a time (0: all at once),
// each on its own history thread, and returns the first error; the first
// error cancels the branches still running.
func (r *run) fanOut(ctx context.Context, n, conc int, th *thread, branch func(context.Context, int, *thread) *stateError) *stateError {
	if n == 0 {
		return nil
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if conc <= 0 || conc > n {
		conc = n
	}
	sem := make(chan struct{}, conc)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first *stateError
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-bctx.Done():
		}
		if bctx.Err() != nil {
			break
		}
		wg.Add(1)
		bth := th.fork()
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := branch(bctx, i, bth); err != nil {
				mu.Lock()
				if first == nil {
					first = err
					cancel()
				}
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if first == nil && bctx.Err() != nil {
		// The execution stopped before every branch was started.
		return errHalt
	}
	if first != nil && first.halt {
		if herr := r.halted(ctx); herr != nil {
			return herr
		}
	}
	return first
}
