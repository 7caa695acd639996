package aslrun

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
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
	name, typ  string
	next       string
	end        bool
	inputPath  optPath
	outputPath optPath
	resultPath optPath

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

	// Fail
	errorName, cause   string
	errorExpr, causeEx iexpr

	// Parallel
	branches []*stateMachine

	// Map
	itemsPath          *path
	itemSelector       tnode
	iterator           *stateMachine
	maxConcurrency     int
	maxConcurrencyPath *path
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
	errorEquals []string
	next        string
	resultPath  optPath
}

type choice struct {
	rule rule
	next string
}

// Fields each state type accepts (besides Type and Comment).
var stateFields = map[string][]string{
	"Task":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Resource", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Retry", "Catch", "Credentials"},
	"Pass":     {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result"},
	"Choice":   {"InputPath", "OutputPath", "Choices", "Default"},
	"Wait":     {"Next", "End", "InputPath", "OutputPath", "Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
	"Succeed":  {"InputPath", "OutputPath"},
	"Fail":     {"Error", "ErrorPath", "Cause", "CausePath"},
	"Parallel": {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Branches", "Retry", "Catch"},
	"Map":      {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "ItemsPath", "ItemSelector", "Iterator", "ItemProcessor", "MaxConcurrency", "MaxConcurrencyPath", "Retry", "Catch", "Label"},
}

// Fields of valid ASL that aslrun does not implement.
var unsupportedFields = map[string]string{
	"Assign":                         "variables (Assign)",
	"Arguments":                      "the JSONata query language (Arguments)",
	"Output":                         "the JSONata query language (Output)",
	"ItemReader":                     "distributed Map (ItemReader)",
	"ItemBatcher":                    "distributed Map (ItemBatcher)",
	"ResultWriter":                   "distributed Map (ResultWriter)",
	"ToleratedFailurePercentage":     "distributed Map (ToleratedFailurePercentage)",
	"ToleratedFailureCount":          "distributed Map (ToleratedFailureCount)",
	"ToleratedFailurePercentagePath": "distributed Map (ToleratedFailurePercentagePath)",
	"ToleratedFailureCountPath":      "distributed Map (ToleratedFailureCountPath)",
}

type compiler struct{}

// compileMachine compiles a top-level definition or a branch.
func (c *compiler) compileMachine(m map[string]any, loc string, top bool) (*stateMachine, error) {
	allowed := map[string]bool{"StartAt": true, "States": true, "Comment": true}
	if top {
		allowed["Version"] = true
		allowed["TimeoutSeconds"] = true
		allowed["QueryLanguage"] = true
	} else {
		allowed["ProcessorConfig"] = true
	}
	for _, k := range sortedKeys(m) {
		if !allowed[k] {
			return nil, &DefinitionError{Path: loc, Msg: fmt.Sprintf("unknown field %q", k)}
		}
	}
	if err := checkQueryLanguage(m, loc); err != nil {
		return nil, err
	}
	if pc, ok := m["ProcessorConfig"]; ok {
		pcm, _ := pc.(map[string]any)
		if mode, _ := pcm["Mode"].(string); mode == "DISTRIBUTED" {
			return nil, &UnsupportedError{Path: loc + "/ProcessorConfig", Feature: "distributed Map"}
		}
	}
	sm := &stateMachine{states: map[string]*state{}}
	start, ok := m["StartAt"].(string)
	if !ok || start == "" {
		return nil, &DefinitionError{Path: loc, Msg: "StartAt must name a state"}
	}
	sm.startAt = start
	if top {
		if v, has := m["TimeoutSeconds"]; has {
			n, ok := toInt(v)
			if !ok || n <= 0 {
				return nil, &DefinitionError{Path: loc + "/TimeoutSeconds", Msg: "TimeoutSeconds must be a positive integer"}
			}
			sm.timeout = time.Duration(n) * time.Second
		}
	}
	states, ok := m["States"].(map[string]any)
	if !ok || len(states) == 0 {
		return nil, &DefinitionError{Path: loc, Msg: "States must be a non-empty object"}
	}
	for _, name := range sortedKeys(states) {
		if len(name) > 80 {
			return nil, &DefinitionError{Path: loc + "/States/" + name, Msg: "state names are at most 80 characters"}
		}
		sdef, ok := states[name].(map[string]any)
		if !ok {
			return nil, &DefinitionError{Path: loc + "/States/" + name, Msg: "a state must be an object"}
		}
		st, err := c.compileState(name, sdef, loc+"/States/"+name)
		if err != nil {
			return nil, err
		}
		sm.states[name] = st
	}
	if _, ok := sm.states[start]; !ok {
		return nil, &DefinitionError{Path: loc + "/StartAt", Msg: fmt.Sprintf("StartAt names %q, which is not a state", start)}
	}
	for _, name := range sortedKeys(states) {
		st := sm.states[name]
		sloc := loc + "/States/" + name
		targets := map[string]string{}
		if st.next != "" {
			targets[sloc+"/Next"] = st.next
		}
		if st.defaultNext != "" {
			targets[sloc+"/Default"] = st.defaultNext
		}
		for i, ch := range st.choices {
			targets[fmt.Sprintf("%s/Choices/%d/Next", sloc, i)] = ch.next
		}
		for i, ct := range st.catch {
			targets[fmt.Sprintf("%s/Catch/%d/Next", sloc, i)] = ct.next
		}
		for where, target := range targets {
			if _, ok := sm.states[target]; !ok {
				return nil, &DefinitionError{Path: where, Msg: fmt.Sprintf("%q is not a state of this state machine", target)}
			}
		}
	}
	return sm, nil
}

func checkQueryLanguage(m map[string]any, loc string) error {
	if ql, has := m["QueryLanguage"]; has {
		switch ql {
		case "JSONPath":
		case "JSONata":
			return &UnsupportedError{Path: loc + "/QueryLanguage", Feature: "the JSONata query language"}
		default:
			return &DefinitionError{Path: loc + "/QueryLanguage", Msg: fmt.Sprintf("unknown query language %v", ql)}
		}
	}
	return nil
}

func (c *compiler) compileState(name string, m map[string]any, loc string) (*state, error) {
	typ, _ := m["Type"].(string)
	fields, known := stateFields[typ]
	if !known {
		return nil, &DefinitionError{Path: loc + "/Type", Msg: fmt.Sprintf("unknown state type %v", m["Type"])}
	}
	if err := checkQueryLanguage(m, loc); err != nil {
		return nil, err
	}
	allowed := map[string]bool{"Type": true, "Comment": true, "QueryLanguage": true}
	for _, f := range fields {
		allowed[f] = true
	}
	for _, k := range sortedKeys(m) {
		if feature, ok := unsupportedFields[k]; ok {
			return nil, &UnsupportedError{Path: loc + "/" + k, Feature: feature}
		}
		if !allowed[k] {
			return nil, &DefinitionError{Path: loc, Msg: fmt.Sprintf("field %q is not allowed in a %s state", k, typ)}
		}
	}
	st := &state{name: name, typ: typ}
	var err error

	// Transitions.
	_, hasNext := m["Next"]
	end, _ := m["End"].(bool)
	if _, hasEnd := m["End"]; hasEnd && !end {
		if _, isBool := m["End"].(bool); !isBool {
			return nil, &DefinitionError{Path: loc + "/End", Msg: "End must be a boolean"}
		}
	}
	switch typ {
	case "Choice", "Succeed", "Fail":
	default:
		if hasNext == end {
			return nil, &DefinitionError{Path: loc, Msg: "a " + typ + " state needs exactly one of Next and End: true"}
		}
		if hasNext {
			s, ok := m["Next"].(string)
			if !ok || s == "" {
				return nil, &DefinitionError{Path: loc + "/Next", Msg: "Next must be a state name"}
			}
			st.next = s
		}
		st.end = end
	}

	// Paths.
	if st.inputPath, err = optionalPath(m, "InputPath", loc, false); err != nil {
		return nil, err
	}
	if st.outputPath, err = optionalPath(m, "OutputPath", loc, false); err != nil {
		return nil, err
	}
	if st.resultPath, err = optionalPath(m, "ResultPath", loc, true); err != nil {
		return nil, err
	}
	for _, f := range []string{"Parameters", "ResultSelector"} {
		v, has := m[f]
		if !has {
			continue
		}
		if _, ok := v.(map[string]any); !ok && f == "ResultSelector" {
			return nil, &DefinitionError{Path: loc + "/" + f, Msg: f + " must be an object"}
		}
		n, err := compileTemplate(v, loc+"/"+f)
		if err != nil {
			return nil, err
		}
		if f == "Parameters" {
			st.parameters = n
		} else {
			st.resultSelector = n
		}
	}
	if typ == "Map" {
		// In a Map state, Parameters is the legacy name of ItemSelector.
		if st.parameters != nil {
			if _, has := m["ItemSelector"]; has {
				return nil, &DefinitionError{Path: loc, Msg: "use ItemSelector or Parameters, not both"}
			}
			st.itemSelector, st.parameters = st.parameters, nil
		}
	}

	if st.retry, err = compileRetry(m["Retry"], loc+"/Retry"); err != nil {
		return nil, err
	}
	if st.catch, err = compileCatch(m["Catch"], loc+"/Catch"); err != nil {
		return nil, err
	}

	switch typ {
	case "Task":
		err = c.compileTask(st, m, loc)
	case "Pass":
		st.result, st.hasResult = m["Result"]
	case "Choice":
		err = c.compileChoice(st, m, loc)
	case "Wait":
		err = compileWait(st, m, loc)
	case "Fail":
		err = compileFail(st, m, loc)
	case "Parallel":
		err = c.compileParallel(st, m, loc)
	case "Map":
		err = c.compileMap(st, m, loc)
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

func optionalPath(m map[string]any, field, loc string, reference bool) (optPath, error) {
	v, has := m[field]
	if !has {
		return optPath{}, nil
	}
	if v == nil {
		return optPath{null: true}, nil
	}
	s, ok := v.(string)
	if !ok {
		return optPath{}, &DefinitionError{Path: loc + "/" + field, Msg: field + " must be a path or null"}
	}
	p, err := parsePath(s, reference)
	if err != nil {
		return optPath{}, &DefinitionError{Path: loc + "/" + field, Msg: err.Error()}
	}
	if reference && p.context {
		return optPath{}, &DefinitionError{Path: loc + "/" + field, Msg: field + " cannot write to the context object"}
	}
	return optPath{p: p}, nil
}

func positiveInt(v any, where, field string, allowZero bool) (int64, error) {
	n, ok := toInt(v)
	if !ok || n < 0 || (n == 0 && !allowZero) || n > 99999999 {
		kind := "a positive integer"
		if allowZero {
			kind = "a non-negative integer"
		}
		return 0, &DefinitionError{Path: where, Msg: fmt.Sprintf("%s must be %s, got %s", field, kind, excerpt(v))}
	}
	return n, nil
}

func compileErrorEquals(v any, loc string, last bool) ([]string, error) {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil, &DefinitionError{Path: loc, Msg: "ErrorEquals must be a non-empty array of error names"}
	}
	out := make([]string, len(list))
	for i, e := range list {
		s, ok := e.(string)
		if !ok || s == "" {
			return nil, &DefinitionError{Path: fmt.Sprintf("%s/%d", loc, i), Msg: "error names must be non-empty strings"}
		}
		if s == ErrALL && (len(list) != 1 || !last) {
			return nil, &DefinitionError{Path: loc, Msg: "States.ALL must appear alone, in the last retrier or catcher"}
		}
		out[i] = s
	}
	return out, nil
}

func compileRetry(v any, loc string) ([]retrier, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &DefinitionError{Path: loc, Msg: "Retry must be an array"}
	}
	out := make([]retrier, len(list))
	for i, item := range list {
		rloc := fmt.Sprintf("%s/%d", loc, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, &DefinitionError{Path: rloc, Msg: "a retrier must be an object"}
		}
		r := retrier{interval: 1, maxAttempts: 3, backoff: 2}
		for _, k := range sortedKeys(m) {
			val := m[k]
			var err error
			switch k {
			case "ErrorEquals":
				r.errorEquals, err = compileErrorEquals(val, rloc+"/ErrorEquals", i == len(list)-1)
			case "IntervalSeconds":
				var n int64
				n, err = positiveInt(val, rloc+"/"+k, k, false)
				r.interval = float64(n)
			case "MaxAttempts":
				var n int64
				n, err = positiveInt(val, rloc+"/"+k, k, true)
				r.maxAttempts = int(n)
			case "MaxDelaySeconds":
				var n int64
				n, err = positiveInt(val, rloc+"/"+k, k, false)
				r.maxDelay = float64(n)
			case "BackoffRate":
				f, ok := toFloat(val)
				if !ok || f < 1 || math.IsInf(f, 0) {
					err = &DefinitionError{Path: rloc + "/" + k, Msg: "BackoffRate must be a number >= 1.0"}
				}
				r.backoff = f
			case "JitterStrategy":
				switch val {
				case "FULL":
					r.jitterFull = true
				case "NONE":
				default:
					err = &DefinitionError{Path: rloc + "/" + k, Msg: "JitterStrategy must be FULL or NONE"}
				}
			case "Comment":
			default:
				err = &DefinitionError{Path: rloc, Msg: fmt.Sprintf("unknown retrier field %q", k)}
			}
			if err != nil {
				return nil, err
			}
		}
		if r.errorEquals == nil {
			return nil, &DefinitionError{Path: rloc, Msg: "a retrier needs ErrorEquals"}
		}
		out[i] = r
	}
	return out, nil
}

func compileCatch(v any, loc string) ([]catcher, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, &DefinitionError{Path: loc, Msg: "Catch must be an array"}
	}
	out := make([]catcher, len(list))
	for i, item := range list {
		cloc := fmt.Sprintf("%s/%d", loc, i)
		m, ok := item.(map[string]any)
		if !ok {
			return nil, &DefinitionError{Path: cloc, Msg: "a catcher must be an object"}
		}
		for _, k := range sortedKeys(m) {
			if feature, ok := unsupportedFields[k]; ok {
				return nil, &UnsupportedError{Path: cloc + "/" + k, Feature: feature}
			}
			switch k {
			case "ErrorEquals", "Next", "ResultPath", "Comment":
			default:
				return nil, &DefinitionError{Path: cloc, Msg: fmt.Sprintf("unknown catcher field %q", k)}
			}
		}
		var c catcher
		var err error
		if c.errorEquals, err = compileErrorEquals(m["ErrorEquals"], cloc+"/ErrorEquals", i == len(list)-1); err != nil {
			return nil, err
		}
		next, ok := m["Next"].(string)
		if !ok || next == "" {
			return nil, &DefinitionError{Path: cloc + "/Next", Msg: "a catcher needs Next"}
		}
		c.next = next
		if c.resultPath, err = optionalPath(m, "ResultPath", cloc, true); err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

func (c *compiler) compileTask(st *state, m map[string]any, loc string) error {
	res, ok := m["Resource"].(string)
	if !ok || res == "" {
		return &DefinitionError{Path: loc + "/Resource", Msg: "a Task needs a Resource URI string"}
	}
	if strings.HasSuffix(res, ".waitForTaskToken") || strings.HasSuffix(res, ".sync") || strings.HasSuffix(res, ".sync:2") {
		return &UnsupportedError{Path: loc + "/Resource", Feature: "the .sync and .waitForTaskToken integration patterns"}
	}
	if strings.HasPrefix(res, "arn:aws:states:") && strings.Contains(res, ":activity:") {
		return &UnsupportedError{Path: loc + "/Resource", Feature: "activities"}
	}
	st.resource = res
	st.lambda = strings.HasPrefix(res, "arn:aws:lambda:") || strings.HasPrefix(res, "arn:aws-cn:lambda:") || strings.HasPrefix(res, "arn:aws-us-gov:lambda:")
	if v, has := m["TimeoutSeconds"]; has {
		n, err := positiveInt(v, loc+"/TimeoutSeconds", "TimeoutSeconds", false)
		if err != nil {
			return err
		}
		st.timeout = time.Duration(n) * time.Second
	}
	if v, has := m["TimeoutSecondsPath"]; has {
		if _, both := m["TimeoutSeconds"]; both {
			return &DefinitionError{Path: loc, Msg: "use TimeoutSeconds or TimeoutSecondsPath, not both"}
		}
		s, _ := v.(string)
		p, err := parsePath(s, true)
		if err != nil {
			return &DefinitionError{Path: loc + "/TimeoutSecondsPath", Msg: err.Error()}
		}
		st.timeoutPath = p
	}
	// HeartbeatSeconds only matters for activities and callbacks, which
	// are not supported; it is checked and otherwise ignored.
	if v, has := m["HeartbeatSeconds"]; has {
		n, err := positiveInt(v, loc+"/HeartbeatSeconds", "HeartbeatSeconds", false)
		if err != nil {
			return err
		}
		if st.timeout > 0 && time.Duration(n)*time.Second >= st.timeout {
			return &DefinitionError{Path: loc + "/HeartbeatSeconds", Msg: "HeartbeatSeconds must be smaller than TimeoutSeconds"}
		}
	}
	if v, has := m["HeartbeatSecondsPath"]; has {
		s, _ := v.(string)
		if _, err := parsePath(s, true); err != nil {
			return &DefinitionError{Path: loc + "/HeartbeatSecondsPath", Msg: err.Error()}
		}
	}
	return nil
}

func (c *compiler) compileChoice(st *state, m map[string]any, loc string) error {
	list, ok := m["Choices"].([]any)
	if !ok || len(list) == 0 {
		return &DefinitionError{Path: loc + "/Choices", Msg: "Choices must be a non-empty array"}
	}
	for i, item := range list {
		r, next, err := compileRule(item, fmt.Sprintf("%s/Choices/%d", loc, i), true)
		if err != nil {
			return err
		}
		st.choices = append(st.choices, choice{rule: r, next: next})
	}
	if v, has := m["Default"]; has {
		s, ok := v.(string)
		if !ok || s == "" {
			return &DefinitionError{Path: loc + "/Default", Msg: "Default must be a state name"}
		}
		st.defaultNext = s
	}
	return nil
}

func compileWait(st *state, m map[string]any, loc string) error {
	n := 0
	for _, f := range []string{"Seconds", "SecondsPath", "Timestamp", "TimestampPath"} {
		if _, has := m[f]; has {
			n++
		}
	}
	if n != 1 {
		return &DefinitionError{Path: loc, Msg: "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath"}
	}
	var err error
	switch {
	case m["Seconds"] != nil:
		st.seconds, err = positiveInt(m["Seconds"], loc+"/Seconds", "Seconds", true)
		st.hasSeconds = true
	case m["Timestamp"] != nil:
		t, ok := parseTimestamp(m["Timestamp"])
		if !ok {
			return &DefinitionError{Path: loc + "/Timestamp", Msg: "Timestamp must be an RFC 3339 timestamp such as 2026-01-02T15:04:05Z"}
		}
		st.timestamp, st.hasTimestamp = t, true
	case m["SecondsPath"] != nil:
		s, _ := m["SecondsPath"].(string)
		st.secondsPath, err = parsePath(s, true)
	case m["TimestampPath"] != nil:
		s, _ := m["TimestampPath"].(string)
		st.timestampPath, err = parsePath(s, true)
	default:
		return &DefinitionError{Path: loc, Msg: "Wait fields must not be null"}
	}
	if err != nil {
		if _, isDef := err.(*DefinitionError); isDef {
			return err
		}
		return &DefinitionError{Path: loc, Msg: err.Error()}
	}
	return nil
}

func compileFail(st *state, m map[string]any, loc string) error {
	for _, f := range [][2]string{{"Error", "ErrorPath"}, {"Cause", "CausePath"}} {
		lit, hasLit := m[f[0]]
		pth, hasPath := m[f[1]]
		if hasLit && hasPath {
			return &DefinitionError{Path: loc, Msg: fmt.Sprintf("use %s or %s, not both", f[0], f[1])}
		}
		if hasLit {
			s, ok := lit.(string)
			if !ok {
				return &DefinitionError{Path: loc + "/" + f[0], Msg: f[0] + " must be a string"}
			}
			if f[0] == "Error" {
				st.errorName = s
			} else {
				st.cause = s
			}
		}
		if hasPath {
			s, ok := pth.(string)
			if !ok {
				return &DefinitionError{Path: loc + "/" + f[1], Msg: f[1] + " must be a path or an intrinsic function"}
			}
			var expr iexpr
			var err error
			if strings.HasPrefix(s, "States.") {
				expr, err = parseIntrinsic(s)
			} else {
				var p *path
				p, err = parsePath(s, true)
				expr = &iPath{p: p}
			}
			if err != nil {
				return &DefinitionError{Path: loc + "/" + f[1], Msg: err.Error()}
			}
			if f[0] == "Error" {
				st.errorExpr = expr
			} else {
				st.causeEx = expr
			}
		}
	}
	return nil
}

func (c *compiler) compileParallel(st *state, m map[string]any, loc string) error {
	list, ok := m["Branches"].([]any)
	if !ok || len(list) == 0 {
		return &DefinitionError{Path: loc + "/Branches", Msg: "Branches must be a non-empty array"}
	}
	for i, b := range list {
		bm, ok := b.(map[string]any)
		if !ok {
			return &DefinitionError{Path: fmt.Sprintf("%s/Branches/%d", loc, i), Msg: "a branch must be an object"}
		}
		sm, err := c.compileMachine(bm, fmt.Sprintf("%s/Branches/%d", loc, i), false)
		if err != nil {
			return err
		}
		st.branches = append(st.branches, sm)
	}
	return nil
}

func (c *compiler) compileMap(st *state, m map[string]any, loc string) error {
	proc, field := m["ItemProcessor"], "ItemProcessor"
	if proc == nil {
		proc, field = m["Iterator"], "Iterator"
	} else if m["Iterator"] != nil {
		return &DefinitionError{Path: loc, Msg: "use ItemProcessor or Iterator, not both"}
	}
	pm, ok := proc.(map[string]any)
	if !ok {
		return &DefinitionError{Path: loc, Msg: "a Map state needs an ItemProcessor"}
	}
	sm, err := c.compileMachine(pm, loc+"/"+field, false)
	if err != nil {
		return err
	}
	st.iterator = sm
	if v, has := m["ItemsPath"]; has {
		s, ok := v.(string)
		if !ok {
			return &DefinitionError{Path: loc + "/ItemsPath", Msg: "ItemsPath must be a path"}
		}
		if st.itemsPath, err = parsePath(s, true); err != nil {
			return &DefinitionError{Path: loc + "/ItemsPath", Msg: err.Error()}
		}
	}
	if v, has := m["ItemSelector"]; has {
		if st.itemSelector, err = compileTemplate(v, loc+"/ItemSelector"); err != nil {
			return err
		}
	}
	if v, has := m["MaxConcurrency"]; has {
		n, err := positiveInt(v, loc+"/MaxConcurrency", "MaxConcurrency", true)
		if err != nil {
			return err
		}
		st.maxConcurrency = int(n)
	}
	if v, has := m["MaxConcurrencyPath"]; has {
		s, _ := v.(string)
		if st.maxConcurrencyPath, err = parsePath(s, true); err != nil {
			return &DefinitionError{Path: loc + "/MaxConcurrencyPath", Msg: err.Error()}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
