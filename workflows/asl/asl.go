// Package asl parses Amazon States Language definitions into a typed model
// that keeps the raw JSON beside it, and loads state machine definitions out
// of a synthesized CDK cloud assembly (cdk.out).
//
// The model is the one front end of the workflow linter (workflows/asllint),
// the Mermaid generator and the local executor (workflows/aslrun): Parse
// reads a definition once into typed fields (transitions, Retry, Catch,
// timeouts), parsed paths, payload templates with their intrinsic
// functions, Choice rules and JSONata expressions, and Raw for everything
// else. Parse is tolerant: a field of the wrong JSON type or a malformed
// path leaves its typed field empty and is still visible in Raw, and what
// the parsing found wrong is listed in State.Problems, each under the linter
// rule that reports it. The linter reports the problems; the executor
// compiles from the typed fields.
package asl

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// QueryLanguage is the query language of a machine or state.
type QueryLanguage string

// The two query languages the States Language defines.
const (
	JSONPath QueryLanguage = "JSONPath"
	JSONata  QueryLanguage = "JSONata"
)

// State types.
const (
	TypePass     = "Pass"
	TypeTask     = "Task"
	TypeChoice   = "Choice"
	TypeWait     = "Wait"
	TypeSucceed  = "Succeed"
	TypeFail     = "Fail"
	TypeParallel = "Parallel"
	TypeMap      = "Map"
)

// Definition is a state machine, or a nested one (a Parallel branch or a Map
// ItemProcessor), which has the same shape.
type Definition struct {
	// Comment, StartAt and Version are the top-level fields when they are
	// strings.
	Comment string
	StartAt string
	Version string
	// QueryLanguage is the machine's query language (JSONPath when absent).
	// Nested definitions carry the top-level machine's language: the spec
	// makes it independent of the enclosing Map or Parallel state's.
	QueryLanguage QueryLanguage
	// TimeoutSeconds is the top-level TimeoutSeconds when it is a number.
	TimeoutSeconds *float64
	// States by name, and the names in document order.
	States map[string]*State
	Order  []string
	// Path is the JSON path of this definition inside the whole document:
	// "" for the machine, "States.P.Branches[0]" for a branch.
	Path string
	// Parent is the Parallel or Map state holding a nested definition.
	Parent *State
	// Raw is the decoded JSON object (map[string]any, []any, float64 ...).
	Raw map[string]any
	// DuplicateKeys lists the JSON paths of object keys that appeared more
	// than once anywhere in the document (top-level definition only).
	DuplicateKeys []string
}

// State is one state of a Definition.
type State struct {
	Name string
	Type string
	// Path is the JSON path of the state, e.g. "States.Persist" or
	// "States.P.Branches[0].States.Inner".
	Path string
	// QueryLanguage is the state's effective query language.
	QueryLanguage QueryLanguage
	Comment       string
	Next          string
	End           bool
	Default       string // Choice
	Resource      string // Task
	// TimeoutSeconds and HeartbeatSeconds are set when they are numbers.
	TimeoutSeconds   *float64
	HeartbeatSeconds *float64
	Seconds          *float64 // Wait
	MaxConcurrency   *float64 // Map
	Error, Cause     string   // Fail, when literal strings
	Retry            []Retrier
	Catch            []Catcher
	Choices          []ChoiceRule
	Branches         []*Definition // Parallel
	// ItemProcessor is the Map state's ItemProcessor (or deprecated Iterator).
	ItemProcessor *Definition
	// Parent is the definition that holds this state.
	Parent *Definition
	// KeyOrder lists the state's fields in document order.
	KeyOrder []string
	Raw      map[string]any
	// Paths holds the valid path fields of a JSONPath state by field name
	// (InputPath, ResultPath, ItemsPath, SecondsPath ...; nested ones as
	// "ItemBatcher.MaxItemsPerBatchPath"). A null InputPath, OutputPath or
	// ResultPath has no entry; Raw tells it apart from an absent one.
	Paths map[string]*Path
	// Templates holds the parsed expression fields by field name: payload
	// templates of a JSONPath state (Parameters, ResultSelector,
	// ItemSelector, Assign, Credentials, ErrorPath, CausePath ...) or the
	// JSONata-capable fields of a JSONata state (Arguments, Output, Assign,
	// Items, ItemSelector, TimeoutSeconds, Seconds, Timestamp, Error,
	// Cause ...).
	Templates map[string]*Template
	// Problems lists what parsing found wrong in the state's paths,
	// templates, intrinsic functions, JSONata expressions and Choice rules.
	Problems []Problem
	ordered  *Object
}

// Problem is something Parse found wrong in a definition.
type Problem struct {
	// Rule is the asllint rule that reports it, e.g. "path-syntax".
	Rule string
	// Path is the JSON path of the offending value.
	Path    string
	Message string
	Hint    string
}

// FieldJSON returns a field of the state as JSON with its keys in document
// order and numbers as written, for values the executor copies as they are
// (a Pass state's Result).
func (s *State) FieldJSON(name string) (json.RawMessage, bool) {
	if s.ordered == nil {
		return nil, false
	}
	v, ok := s.ordered.Values[name]
	if !ok {
		return nil, false
	}
	return encodeOrdered(v), true
}

// Retrier is one element of a Retry array.
type Retrier struct {
	ErrorEquals     []string
	IntervalSeconds *float64
	MaxAttempts     *float64
	BackoffRate     *float64
	MaxDelaySeconds *float64
	JitterStrategy  string
	Raw             map[string]any
}

// Retrier defaults from the States Language specification.
const (
	DefaultIntervalSeconds = 1
	DefaultMaxAttempts     = 3
	DefaultBackoffRate     = 2.0
)

// Interval returns IntervalSeconds or its default.
func (r Retrier) Interval() float64 { return orDefault(r.IntervalSeconds, DefaultIntervalSeconds) }

// Attempts returns MaxAttempts or its default.
func (r Retrier) Attempts() float64 { return orDefault(r.MaxAttempts, DefaultMaxAttempts) }

// Backoff returns BackoffRate or its default.
func (r Retrier) Backoff() float64 { return orDefault(r.BackoffRate, DefaultBackoffRate) }

// Delay returns the wait before retry attempt n (1-based) without jitter:
// IntervalSeconds x BackoffRate^(n-1), capped by MaxDelaySeconds.
func (r Retrier) Delay(n int) float64 {
	d := r.Interval() * math.Pow(r.Backoff(), float64(n-1))
	if r.MaxDelaySeconds != nil && d > *r.MaxDelaySeconds {
		d = *r.MaxDelaySeconds
	}
	return d
}

func orDefault(p *float64, d float64) float64 {
	if p == nil {
		return d
	}
	return *p
}

// Catcher is one element of a Catch array.
type Catcher struct {
	ErrorEquals []string
	Next        string
	Raw         map[string]any
	// ResultPath is the JSONPath catcher's valid ResultPath; Assign and
	// Output its parsed Assign and (JSONata) Output.
	ResultPath     *Path
	Assign, Output *Template
}

// ChoiceRule is one top-level element of a Choice state's Choices array.
type ChoiceRule struct {
	Next string
	Raw  map[string]any
	// Rule is the parsed JSONPath rule (nil when it has problems or the
	// state is JSONata); Condition the parsed JSONata Condition. Assign and
	// Output are the rule's own fields.
	Rule                      *Condition
	Condition, Assign, Output *Template
}

// Parse decodes a definition. It fails only when data is not a JSON object;
// everything else is left for the linter to judge.
func Parse(data []byte) (*Definition, error) {
	v, err := decodeOrdered(data)
	if err != nil {
		return nil, fmt.Errorf("asl: %w", err)
	}
	o, ok := v.(*Object)
	if !ok {
		return nil, errors.New("asl: a definition must be a JSON object")
	}
	var dups []string
	collectDups(o, "", &dups)
	top := QueryLanguage(JSONPath)
	if s, _ := o.Values["QueryLanguage"].(string); s == string(JSONata) {
		top = JSONata
	}
	d := buildDefinition(o, "", top, nil)
	d.DuplicateKeys = dups
	return d, nil
}

func collectDups(v any, path string, out *[]string) {
	switch t := v.(type) {
	case *Object:
		for _, k := range t.dups {
			*out = append(*out, joinPath(path, k))
		}
		for _, k := range t.Keys {
			collectDups(t.Values[k], joinPath(path, k), out)
		}
	case []any:
		for i, x := range t {
			collectDups(x, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

func buildDefinition(o *Object, path string, top QueryLanguage, parent *State) *Definition {
	d := &Definition{
		QueryLanguage: top,
		States:        map[string]*State{},
		Path:          path,
		Parent:        parent,
		Raw:           plain(o).(map[string]any),
	}
	d.Comment, _ = o.Values["Comment"].(string)
	d.StartAt, _ = o.Values["StartAt"].(string)
	d.Version, _ = o.Values["Version"].(string)
	d.TimeoutSeconds = num(o.Values["TimeoutSeconds"])
	states, _ := o.Values["States"].(*Object)
	if states == nil {
		return d
	}
	for _, name := range states.Keys {
		so, ok := states.Values[name].(*Object)
		if !ok {
			// Keep a placeholder so names still resolve; the linter reports
			// the wrong type through Raw.
			so = &Object{Values: map[string]any{}}
		}
		s := buildState(so, name, joinPath(joinPath(path, "States"), name), top, d)
		d.States[name] = s
		d.Order = append(d.Order, name)
	}
	return d
}

func buildState(o *Object, name, path string, top QueryLanguage, parent *Definition) *State {
	s := &State{
		Name:          name,
		Path:          path,
		Parent:        parent,
		KeyOrder:      append([]string(nil), o.Keys...),
		Raw:           plain(o).(map[string]any),
		QueryLanguage: top,
		ordered:       o,
	}
	if ql, ok := o.Values["QueryLanguage"].(string); ok && (ql == string(JSONata) || ql == string(JSONPath)) {
		s.QueryLanguage = QueryLanguage(ql)
	}
	s.Type, _ = o.Values["Type"].(string)
	s.Comment, _ = o.Values["Comment"].(string)
	s.Next, _ = o.Values["Next"].(string)
	s.End, _ = o.Values["End"].(bool)
	s.Default, _ = o.Values["Default"].(string)
	s.Resource, _ = o.Values["Resource"].(string)
	s.Error, _ = o.Values["Error"].(string)
	s.Cause, _ = o.Values["Cause"].(string)
	s.TimeoutSeconds = num(o.Values["TimeoutSeconds"])
	s.HeartbeatSeconds = num(o.Values["HeartbeatSeconds"])
	s.Seconds = num(o.Values["Seconds"])
	s.MaxConcurrency = num(o.Values["MaxConcurrency"])
	if arr, ok := o.Values["Retry"].([]any); ok {
		for _, x := range arr {
			r := Retrier{Raw: map[string]any{}}
			if ro, ok := x.(*Object); ok {
				r.Raw = plain(ro).(map[string]any)
				r.ErrorEquals = strs(ro.Values["ErrorEquals"])
				r.IntervalSeconds = num(ro.Values["IntervalSeconds"])
				r.MaxAttempts = num(ro.Values["MaxAttempts"])
				r.BackoffRate = num(ro.Values["BackoffRate"])
				r.MaxDelaySeconds = num(ro.Values["MaxDelaySeconds"])
				r.JitterStrategy, _ = ro.Values["JitterStrategy"].(string)
			}
			s.Retry = append(s.Retry, r)
		}
	}
	if arr, ok := o.Values["Catch"].([]any); ok {
		for _, x := range arr {
			c := Catcher{Raw: map[string]any{}}
			if co, ok := x.(*Object); ok {
				c.Raw = plain(co).(map[string]any)
				c.ErrorEquals = strs(co.Values["ErrorEquals"])
				c.Next, _ = co.Values["Next"].(string)
			}
			s.Catch = append(s.Catch, c)
		}
	}
	if arr, ok := o.Values["Choices"].([]any); ok {
		for _, x := range arr {
			c := ChoiceRule{Raw: map[string]any{}}
			if co, ok := x.(*Object); ok {
				c.Raw = plain(co).(map[string]any)
				c.Next, _ = co.Values["Next"].(string)
			}
			s.Choices = append(s.Choices, c)
		}
	}
	parseFields(s, o)
	if arr, ok := o.Values["Branches"].([]any); ok {
		for i, x := range arr {
			bo, ok := x.(*Object)
			if !ok {
				bo = &Object{Values: map[string]any{}}
			}
			s.Branches = append(s.Branches, buildDefinition(bo, fmt.Sprintf("%s.Branches[%d]", path, i), top, s))
		}
	}
	for _, key := range []string{"ItemProcessor", "Iterator"} {
		if po, ok := o.Values[key].(*Object); ok && s.ItemProcessor == nil {
			s.ItemProcessor = buildDefinition(po, path+"."+key, top, s)
		}
	}
	return s
}

func num(v any) *float64 {
	n, ok := v.(json.Number)
	if !ok {
		return nil
	}
	f, err := n.Float64()
	if err != nil {
		return nil
	}
	return &f
}

func strs(v any) []string {
	arr, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Walk calls fn for every state of d and of its nested definitions, parents
// before children, in document order.
func (d *Definition) Walk(fn func(*State)) {
	for _, name := range d.Order {
		s := d.States[name]
		fn(s)
		for _, b := range s.Branches {
			b.Walk(fn)
		}
		if s.ItemProcessor != nil {
			s.ItemProcessor.Walk(fn)
		}
	}
}

// Definitions returns d and every nested definition, parents first.
func (d *Definition) Definitions() []*Definition {
	out := []*Definition{d}
	for _, name := range d.Order {
		s := d.States[name]
		for _, b := range s.Branches {
			out = append(out, b.Definitions()...)
		}
		if s.ItemProcessor != nil {
			out = append(out, s.ItemProcessor.Definitions()...)
		}
	}
	return out
}

// Transitions returns the names a state can move to within its definition:
// Next, Choice rule Next values, Default and Catch Next values, without
// duplicates, in that order.
func (s *State) Transitions() []string {
	var out []string
	add := func(n string) {
		if n == "" {
			return
		}
		for _, x := range out {
			if x == n {
				return
			}
		}
		out = append(out, n)
	}
	add(s.Next)
	for _, c := range s.Choices {
		add(c.Next)
	}
	add(s.Default)
	for _, c := range s.Catch {
		add(c.Next)
	}
	return out
}

// IsTerminal reports whether the state ends its definition: Succeed, Fail or
// End: true.
func (s *State) IsTerminal() bool {
	return s.Type == TypeSucceed || s.Type == TypeFail || s.End
}

// IsLambda reports whether a Task invokes a Lambda function, either through
// the function ARN or the arn:aws:states:::lambda:invoke integration.
func (s *State) IsLambda() bool {
	if s.Type != TypeTask {
		return false
	}
	r := s.Resource
	return strings.HasPrefix(r, "arn:aws:lambda:") || strings.HasPrefix(r, "arn:aws-us-gov:lambda:") ||
		strings.HasPrefix(r, "arn:aws-cn:lambda:") || strings.Contains(r, ":states:::lambda:invoke")
}
