package aslrun

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

// stateMachine is a compiled state machine or Parallel branch or Map
// iterator.
type stateMachine struct {
	startAt string
	states  map[string]*state
	timeout time.Duration // top level TimeoutSeconds; 0 if absent
}

// optPath is an optional path field that may also be null (InputPath,
// OutputPath, ResultPath). With neither set the default ($) applies.
type optPath struct {
	p    *path
	null bool
}

// state is a compiled state.
type state struct {
	name, typ string
	// events are the state's StateEntered and StateExited event types.
	events  [2]EventType
	next    string
	jsonata bool
	// assign is the state's Assign (both query languages); arguments
	// and output are a JSONata state's Arguments and Output.
	assign, arguments, output tnode
	inputPath                 optPath
	outputPath                optPath
	resultPath                optPath

	parameters     tnode
	resultSelector tnode

	// Pass
	result    any
	hasResult bool

	// Task
	resource    string
	lambda      bool // Resource is a Lambda function ARN
	timeout     time.Duration
	timeoutPath *path
	timeoutExpr tnode // JSONata TimeoutSeconds
	retry       []retrier
	catch       []catcher

	// Choice
	choices     []choice
	defaultNext string

	// Wait
	seconds       int64
	hasSeconds    bool
	secondsPath   *path
	timestamp     time.Time
	hasTimestamp  bool
	timestampPath *path
	secondsExpr   tnode // JSONata Seconds
	timestampExpr tnode // JSONata Timestamp

	// Fail
	errorName, cause     string
	errorExpr, causeExpr iexpr // ErrorPath, CausePath
	errorJSONata         tnode // JSONata Error
	causeJSONata         tnode // JSONata Cause

	// Parallel
	branches []*stateMachine

	// Map
	itemsPath          *path
	itemSelector       tnode
	iterator           *stateMachine
	maxConcurrency     int
	maxConcurrencyPath *path
	itemsExpr          tnode // JSONata Items
	maxConcurrencyExpr tnode // JSONata MaxConcurrency
}

type retrier struct {
	errorEquals []string
	interval    float64 // seconds
	maxAttempts int
	backoff     float64
	maxDelay    float64 // seconds; 0 means no cap
	jitterFull  bool
}

type catcher struct {
	errorEquals    []string
	next           string
	resultPath     optPath
	assign, output tnode
}

type choice struct {
	rule                      rule  // JSONPath
	condition, assign, output tnode // JSONata Condition; Assign and Output of either
	next                      string
}

// lintOnly lists the linter rules the executor does not enforce: this
// project's policy and advice, graph properties that do not stop a run
// (an unreachable state never runs; a loop runs until the time limit), and
// the EXPRESS integration rule (the executor reports those integration
// patterns as unsupported). Every
// other rule with error severity is something Step Functions rejects, so
// New refuses a definition the linter reports under it.
var lintOnly = []string{
	"choice-default", "unreachable-state", "no-terminal-path", "loop-without-exit", "express-integration", "sync-budget",
	"task-timeout", "retry-bounded", "lambda-retry", "catch-all", "error-name", "handler-shadowed",
	// Variable and $states reads the linter cannot prove safe fail at run
	// time (States.QueryEvaluationError), as in Step Functions.
	"states-reference", "variable-undefined", "variable-scope", "variable-unused",
}

// validate checks a parsed definition with the linter, the one validator
// of the States Language in this project.
func validate(def *asl.Definition) error {
	var first *DefinitionError
	var msgs []string
	for _, f := range asllint.Lint("definition", def, asllint.Options{Disable: lintOnly}) {
		if f.Severity != asllint.Error {
			continue
		}
		if first == nil {
			first = &DefinitionError{Path: f.Path}
		}
		msgs = append(msgs, fmt.Sprintf("%s: %s (%s)", f.Path, f.Message, f.Rule))
	}
	if first == nil {
		return nil
	}
	first.Msg = strings.Join(msgs, "; ")
	return first
}

// unsupportedFields are fields of valid ASL that aslrun does not
// implement.
var unsupportedFields = map[string]string{
	"ItemReader":                     "distributed Map (ItemReader)",
	"ItemBatcher":                    "distributed Map (ItemBatcher)",
	"ResultWriter":                   "distributed Map (ResultWriter)",
	"ToleratedFailurePercentage":     "distributed Map (ToleratedFailurePercentage)",
	"ToleratedFailureCount":          "distributed Map (ToleratedFailureCount)",
	"ToleratedFailurePercentagePath": "distributed Map (ToleratedFailurePercentagePath)",
	"ToleratedFailureCountPath":      "distributed Map (ToleratedFailureCountPath)",
}

// compileMachine compiles a validated definition or nested definition.
func compileMachine(d *asl.Definition) (*stateMachine, error) {
	if pc, ok := d.Raw["ProcessorConfig"].(map[string]any); ok && pc["Mode"] == "DISTRIBUTED" {
		return nil, &UnsupportedError{Path: defPath(d, "ProcessorConfig"), Feature: "distributed Map"}
	}
	sm := &stateMachine{startAt: d.StartAt, states: map[string]*state{}}
	if d.Parent == nil && d.TimeoutSeconds != nil {
		sm.timeout = time.Duration(*d.TimeoutSeconds) * time.Second
	}
	for _, name := range d.Order {
		st, err := compileState(d.States[name])
		if err != nil {
			return nil, err
		}
		sm.states[name] = st
	}
	return sm, nil
}

func defPath(d *asl.Definition, field string) string {
	if d.Path == "" {
		return field
	}
	return d.Path + "." + field
}

func compileState(s *asl.State) (*state, error) {
	for _, k := range s.KeyOrder {
		if feature, ok := unsupportedFields[k]; ok {
			return nil, &UnsupportedError{Path: s.Path + "." + k, Feature: feature}
		}
	}
	st := &state{name: s.Name, typ: s.Type, events: stateEvents[s.Type], next: s.Next, defaultNext: s.Default, jsonata: s.QueryLanguage == asl.JSONata}
	var err error
	for field, dst := range map[string]*tnode{"Assign": &st.assign, "Arguments": &st.arguments, "Output": &st.output} {
		if *dst, err = compileStateTemplate(s, s.Templates[field], s.Path+"."+field); err != nil {
			return nil, err
		}
	}
	if st.inputPath, err = optionalPath(s, "InputPath"); err != nil {
		return nil, err
	}
	if st.outputPath, err = optionalPath(s, "OutputPath"); err != nil {
		return nil, err
	}
	if st.resultPath, err = optionalPath(s, "ResultPath"); err != nil {
		return nil, err
	}
	if st.parameters, err = compileStateTemplate(s, s.Templates["Parameters"], s.Path+".Parameters"); err != nil {
		return nil, err
	}
	if st.resultSelector, err = compileStateTemplate(s, s.Templates["ResultSelector"], s.Path+".ResultSelector"); err != nil {
		return nil, err
	}
	for _, r := range s.Retry {
		st.retry = append(st.retry, retrier{
			errorEquals: r.ErrorEquals, interval: r.Interval(), maxAttempts: int(r.Attempts()), backoff: r.Backoff(),
			maxDelay: derefOr(r.MaxDelaySeconds, 0), jitterFull: r.JitterStrategy == "FULL",
		})
	}
	for i, c := range s.Catch {
		for _, k := range sortedKeys(c.Raw) {
			if feature, ok := unsupportedFields[k]; ok {
				return nil, &UnsupportedError{Path: fmt.Sprintf("%s.Catch[%d].%s", s.Path, i, k), Feature: feature}
			}
		}
		ct := catcher{errorEquals: c.ErrorEquals, next: c.Next}
		where := fmt.Sprintf("%s.Catch[%d]", s.Path, i)
		if ct.assign, err = compileStateTemplate(s, c.Assign, where+".Assign"); err != nil {
			return nil, err
		}
		if ct.output, err = compileStateTemplate(s, c.Output, where+".Output"); err != nil {
			return nil, err
		}
		if rp, has := c.Raw["ResultPath"]; has {
			ct.resultPath.null = rp == nil
			if ct.resultPath.p, err = compilePath(c.ResultPath, fmt.Sprintf("%s.Catch[%d].ResultPath", s.Path, i)); err != nil {
				return nil, err
			}
		}
		st.catch = append(st.catch, ct)
	}
	switch s.Type {
	case asl.TypeTask:
		err = compileTask(st, s)
	case asl.TypePass:
		if raw, ok := s.FieldJSON("Result"); ok {
			if st.result, err = decodeJSON(raw); err != nil {
				return nil, &DefinitionError{Path: s.Path + ".Result", Msg: err.Error()}
			}
			st.hasResult = true
		}
	case asl.TypeChoice:
		err = compileChoice(st, s)
	case asl.TypeWait:
		err = compileWait(st, s)
	case asl.TypeFail:
		err = compileFail(st, s)
	case asl.TypeParallel:
		for _, b := range s.Branches {
			sm, err := compileMachine(b)
			if err != nil {
				return nil, err
			}
			st.branches = append(st.branches, sm)
		}
	case asl.TypeMap:
		err = compileMap(st, s)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func derefOr(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

// optionalPath compiles InputPath, OutputPath or ResultPath.
func optionalPath(s *asl.State, field string) (optPath, error) {
	v, has := s.Raw[field]
	if !has {
		return optPath{}, nil
	}
	if v == nil {
		return optPath{null: true}, nil
	}
	p, err := compilePath(s.Paths[field], s.Path+"."+field)
	return optPath{p: p}, err
}

// statePath compiles one of a state's other path fields (nil if absent).
func statePath(s *asl.State, field string) (*path, error) {
	return compilePath(s.Paths[field], s.Path+"."+field)
}

func compileTask(st *state, s *asl.State) error {
	res := s.Resource
	if strings.HasSuffix(res, ".waitForTaskToken") || strings.HasSuffix(res, ".sync") || strings.HasSuffix(res, ".sync:2") {
		return &UnsupportedError{Path: s.Path + ".Resource", Feature: "the .sync and .waitForTaskToken integration patterns"}
	}
	if strings.Contains(res, ":activity:") {
		return &UnsupportedError{Path: s.Path + ".Resource", Feature: "activities"}
	}
	st.resource = res
	st.lambda = s.IsLambda() && !strings.Contains(res, ":states:::")
	if s.TimeoutSeconds != nil {
		st.timeout = time.Duration(*s.TimeoutSeconds) * time.Second
	}
	// HeartbeatSeconds only matters for activities and callbacks, which
	// are not supported; the linter checks it.
	var err error
	if st.timeoutPath, err = statePath(s, "TimeoutSecondsPath"); err != nil {
		return err
	}
	st.timeoutExpr, err = expressionField(s, "TimeoutSeconds")
	return err
}

// expressionField compiles a JSONata state's field when it holds an
// expression (nil when it is absent or a literal, which the typed field
// of the model holds).
func expressionField(s *asl.State, field string) (tnode, error) {
	t := s.Templates[field]
	if t == nil || t.Kind != asl.TemplateJSONata {
		return nil, nil
	}
	return compileStateTemplate(s, t, s.Path+"."+field)
}

func compileChoice(st *state, s *asl.State) error {
	for i, c := range s.Choices {
		where := fmt.Sprintf("%s.Choices[%d]", s.Path, i)
		ch := choice{next: c.Next}
		var err error
		if s.QueryLanguage == asl.JSONata {
			if ch.condition, err = compileStateTemplate(s, c.Condition, where+".Condition"); err != nil {
				return err
			}
			if ch.output, err = compileStateTemplate(s, c.Output, where+".Output"); err != nil {
				return err
			}
		} else if ch.rule, err = compileRule(c.Rule, where); err != nil {
			return err
		}
		if ch.assign, err = compileStateTemplate(s, c.Assign, where+".Assign"); err != nil {
			return err
		}
		st.choices = append(st.choices, ch)
	}
	return nil
}

func compileWait(st *state, s *asl.State) error {
	switch {
	case s.Seconds != nil:
		st.seconds, st.hasSeconds = int64(*s.Seconds), true
	case s.Raw["Timestamp"] != nil && !(s.QueryLanguage == asl.JSONata && asl.IsJSONataString(fmt.Sprint(s.Raw["Timestamp"]))):
		t, ok := asl.ParseTimestamp(s.Raw["Timestamp"])
		if !ok {
			return &DefinitionError{Path: s.Path + ".Timestamp", Msg: "Timestamp must be an RFC 3339 timestamp"}
		}
		st.timestamp, st.hasTimestamp = t, true
	}
	var err error
	if st.secondsPath, err = statePath(s, "SecondsPath"); err != nil {
		return err
	}
	if st.timestampPath, err = statePath(s, "TimestampPath"); err != nil {
		return err
	}
	if st.secondsExpr, err = expressionField(s, "Seconds"); err != nil {
		return err
	}
	st.timestampExpr, err = expressionField(s, "Timestamp")
	return err
}

func compileFail(st *state, s *asl.State) error {
	st.errorName, st.cause = s.Error, s.Cause
	var err error
	if st.errorExpr, err = compileExpr(s.Templates["ErrorPath"], s.Path+".ErrorPath"); err != nil {
		return err
	}
	if st.causeExpr, err = compileExpr(s.Templates["CausePath"], s.Path+".CausePath"); err != nil {
		return err
	}
	if st.errorJSONata, err = expressionField(s, "Error"); err != nil {
		return err
	}
	st.causeJSONata, err = expressionField(s, "Cause")
	return err
}

// compileExpr compiles a path or intrinsic function template (ErrorPath,
// CausePath); nil stays nil.
func compileExpr(t *asl.Template, where string) (iexpr, error) {
	if t == nil {
		return nil, nil
	}
	if t.Kind == asl.TemplateIntrinsic {
		return compileIntrinsic(t.Func, where)
	}
	p, err := compilePath(t.Path, where)
	if err != nil {
		return nil, err
	}
	return &iPath{p: p}, nil
}

func compileMap(st *state, s *asl.State) error {
	if s.ItemProcessor == nil {
		return &DefinitionError{Path: s.Path, Msg: "a Map state needs an ItemProcessor"}
	}
	var err error
	if st.iterator, err = compileMachine(s.ItemProcessor); err != nil {
		return err
	}
	if st.itemsPath, err = statePath(s, "ItemsPath"); err != nil {
		return err
	}
	// In a Map state, Parameters is the legacy name of ItemSelector.
	sel, field := s.Templates["ItemSelector"], "ItemSelector"
	if sel == nil {
		sel, field, st.parameters = s.Templates["Parameters"], "Parameters", nil
	}
	if st.itemSelector, err = compileStateTemplate(s, sel, s.Path+"."+field); err != nil {
		return err
	}
	if s.MaxConcurrency != nil {
		st.maxConcurrency = int(*s.MaxConcurrency)
	}
	if st.maxConcurrencyPath, err = statePath(s, "MaxConcurrencyPath"); err != nil {
		return err
	}
	if st.maxConcurrencyExpr, err = expressionField(s, "MaxConcurrency"); err != nil {
		return err
	}
	st.itemsExpr, err = compileStateTemplate(s, s.Templates["Items"], s.Path+".Items")
	return err
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
