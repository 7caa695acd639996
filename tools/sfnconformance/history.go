package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Skip reasons, one per kind, so that the counts group.
const (
	skipNoTest       = "no test function of that name in the test module"
	skipEdited       = "the test edits the template in code"
	skipNoTemplate   = "no template the test names has the states the history entered (definition built or chosen in test code)"
	skipAmbiguous    = "several templates the test names fit the history"
	skipService      = "needs an AWS service other than Lambda"
	skipActivity     = "needs an activity worker"
	skipItemReader   = "Map reads its items from or writes its results to S3 (ItemReader/ResultWriter)"
	skipNotTerminal  = "the recorded history does not end the execution"
	skipPlaceholder  = "the template keeps a placeholder the test fills in code"
	skipBadTemplate  = "the template is not valid JSON5 for the converter"
	skipCallback     = "needs a task token callback (.waitForTaskToken)"
	skipLambdaSync   = "a Lambda task ran with a placeholder the history does not resolve"
	skipUnpairedTask = "a recorded task has no recorded outcome"
	skipMaskedInput  = "the snapshot replaced part of the input with a placeholder"
	skipStopped      = "the test stopped the execution (StopExecution)"
)

func convertHistory(s source, tf *testFile, testName, param string, events []*event) (*Case, error) {
	fn := tf.funcs[testName]
	if fn == nil {
		return nil, skipError(skipNoTest)
	}
	if len(fn.edits) > 0 {
		return nil, skipError(skipEdited)
	}
	entered := enteredStates(events)
	type cand struct {
		ref tmplRef
		def map[string]any
		raw []byte
	}
	var cands []cand
	refs, fromModule := fn.templates, false
	if len(refs) == 0 {
		// The test takes its template from a module-level list: any
		// template of the module may be it, if exactly one fits.
		refs, fromModule = tf.all, true
	}
	for _, ref := range refs {
		if !strings.HasSuffix(ref.file, ".json5") && !strings.HasSuffix(ref.file, ".json") {
			continue // a Lambda function's source, an input file
		}
		b, err := s.read(ref.file)
		if err != nil {
			continue
		}
		j, err := json5ToJSON(b)
		if err != nil {
			return nil, skipError(skipBadTemplate)
		}
		var def map[string]any
		if json.Unmarshal(j, &def) != nil {
			continue
		}
		if fits(def, entered, events) {
			cands = append(cands, cand{ref, def, j})
		}
	}
	if len(cands) == 0 {
		return nil, skipError(skipNoTemplate)
	}
	if fromModule && !allSame(cands, func(c cand) []byte { return c.raw }) {
		return nil, skipError(skipAmbiguous)
	}
	if len(cands) > 1 {
		var keep []cand
		for _, c := range cands {
			if bytes.Equal(c.raw, cands[0].raw) {
				keep = append(keep, c)
			}
		}
		if len(keep) != len(cands) && param != "" {
			keep = nil
			for _, c := range cands {
				cn := c.ref.constant[strings.Index(c.ref.constant, ".")+1:]
				if strings.EqualFold(cn, param) || strings.Contains(strings.ToUpper(param), cn) {
					keep = append(keep, c)
				}
			}
		}
		if len(keep) == 0 || !allSame(keep, func(c cand) []byte { return c.raw }) {
			return nil, skipError(skipAmbiguous)
		}
		cands = keep[:1]
	}
	chosen := cands[0]

	tasks, byState, err := recordedTasks(events)
	if err != nil {
		return nil, err
	}
	raw := chosen.raw
	// Redo the test's Lambda edits from the history: a Task's Resource or
	// FunctionName set to the function the test created.
	raw, err = fillLambda(raw, byState)
	if err != nil {
		return nil, err
	}
	var def map[string]any
	json.Unmarshal(raw, &def)
	if bytes.Contains(raw, []byte("_tbd_")) || bytes.Contains(raw, []byte("%LAMBDA")) {
		return nil, skipError(skipPlaceholder)
	}
	sent, err := pyDumps(raw)
	if err != nil {
		return nil, fmt.Errorf("re-encode %s: %w", chosen.ref.file, err)
	}
	c := &Case{Template: strings.TrimPrefix(chosen.ref.file, templatesRoot+"/"), Definition: string(sent), Tasks: tasks}
	if err := checkResources(def); err != nil {
		// AWS accepted the definition (it ran); the linter checks it.
		return c, err
	}
	start := events[0].details("executionStartedEventDetails")
	c.Input = payload(start["input"])
	if maskedInput.Match(c.Input) {
		return nil, skipError(skipMaskedInput)
	}
	last := events[len(events)-1]
	switch last.Type {
	case "ExecutionSucceeded":
		c.Status = "SUCCEEDED"
		c.Output = payload(last.details("executionSucceededEventDetails")["output"])
	case "ExecutionFailed":
		c.Status = "FAILED"
		d := last.details("executionFailedEventDetails")
		c.Error, c.Cause = compact(d["error"]), compact(d["cause"])
	case "ExecutionTimedOut":
		c.Status = "TIMED_OUT"
		d := last.details("executionTimedOutEventDetails")
		c.Error, c.Cause = compact(d["error"]), compact(d["cause"])
	case "ExecutionAborted":
		return nil, skipError(skipStopped)
	default:
		return nil, skipError(skipNotTerminal)
	}
	return c, nil
}

// maskedInput finds the values LocalStack's snapshot transformers put in
// place of a timestamp: an input holding one is not the input AWS ran.
// (ARN and name placeholders stay: the scripted Lambda results and the
// definition carry the same ones.)
var maskedInput = regexp.MustCompile(`:"(timestamp|date)"`)

func allSame[T any](xs []T, key func(T) []byte) bool {
	for _, x := range xs[1:] {
		if !bytes.Equal(key(x), key(xs[0])) {
			return false
		}
	}
	return true
}

// payload turns a recorded input or output back into the JSON text it was:
// the snapshot shows a JSON object parsed, anything else as its text.
func payload(b json.RawMessage) json.RawMessage {
	var text string
	if json.Unmarshal(b, &text) == nil && json.Valid([]byte(text)) {
		return compact(json.RawMessage(text))
	}
	return compact(b)
}

func compact(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// enteredStates maps the states the history entered to their types.
func enteredStates(events []*event) map[string]string {
	out := map[string]string{}
	for _, e := range events {
		if !strings.HasSuffix(e.Type, "StateEntered") {
			continue
		}
		var d struct {
			Name string `json:"name"`
		}
		json.Unmarshal(e.raw["stateEnteredEventDetails"], &d)
		out[d.Name] = strings.TrimSuffix(e.Type, "StateEntered")
	}
	return out
}

// states maps every state of a definition, nested ones included, to its type.
func states(def map[string]any, out map[string]string) {
	sts, _ := def["States"].(map[string]any)
	for name, v := range sts {
		st, _ := v.(map[string]any)
		typ, _ := st["Type"].(string)
		out[name] = typ
		for _, k := range []string{"Iterator", "ItemProcessor"} {
			if sub, ok := st[k].(map[string]any); ok {
				states(sub, out)
			}
		}
		if bs, ok := st["Branches"].([]any); ok {
			for _, b := range bs {
				if sub, ok := b.(map[string]any); ok {
					states(sub, out)
				}
			}
		}
	}
}

// fits reports whether the definition has every state the history entered,
// with the same type, and starts where the history does.
func fits(def map[string]any, entered map[string]string, events []*event) bool {
	all := map[string]string{}
	states(def, all)
	for name, typ := range entered {
		if all[name] != typ {
			return false
		}
	}
	for _, e := range events {
		if strings.HasSuffix(e.Type, "StateEntered") {
			var d struct {
				Name string `json:"name"`
			}
			json.Unmarshal(e.raw["stateEnteredEventDetails"], &d)
			return def["StartAt"] == d.Name
		}
	}
	return true
}

var outcomes = map[string]bool{
	"LambdaFunctionSucceeded": true, "LambdaFunctionFailed": true, "LambdaFunctionTimedOut": true,
	"LambdaFunctionStartFailed": true, "LambdaFunctionScheduleFailed": true,
	"TaskSucceeded": true, "TaskFailed": true, "TaskTimedOut": true, "TaskSubmitFailed": true, "TaskStartFailed": true,
}

// recordedTasks lists the history's task invocations with their outcomes,
// and the first recorded invocation of each state.
func recordedTasks(events []*event) ([]Task, map[string]*Task, error) {
	byID := map[int]*event{}
	for _, e := range events {
		byID[e.ID] = e
	}
	stateOf := func(e *event) string {
		for p := byID[e.Previous]; p != nil; p = byID[p.Previous] {
			if strings.HasSuffix(p.Type, "StateEntered") {
				var d struct {
					Name string `json:"name"`
				}
				json.Unmarshal(p.raw["stateEnteredEventDetails"], &d)
				return d.Name
			}
			if p.Previous == 0 {
				break
			}
		}
		return ""
	}
	outcomeOf := map[int]*event{}
	for _, e := range events {
		if !outcomes[e.Type] {
			continue
		}
		for p, n := byID[e.Previous], 0; p != nil && n < 4; p, n = byID[p.Previous], n+1 {
			if p.Type == "LambdaFunctionScheduled" || p.Type == "TaskScheduled" {
				if _, ok := outcomeOf[p.ID]; !ok {
					outcomeOf[p.ID] = e
				}
				break
			}
		}
	}
	var tasks []Task
	for _, e := range events {
		var t Task
		switch e.Type {
		case "LambdaFunctionScheduled":
			d := e.details("lambdaFunctionScheduledEventDetails")
			json.Unmarshal(d["resource"], &t.Resource)
			t.Input = payload(d["input"])
		case "TaskScheduled":
			d := e.details("taskScheduledEventDetails")
			var rt, r string
			json.Unmarshal(d["resourceType"], &rt)
			json.Unmarshal(d["resource"], &r)
			if rt != "lambda" {
				return nil, nil, skipError(skipService)
			}
			t.Resource = "arn:aws:states:::lambda:" + r
			t.Input = compact(d["parameters"])
		default:
			continue
		}
		t.State = stateOf(e)
		o := outcomeOf[e.ID]
		if o == nil {
			return nil, nil, skipError(skipUnpairedTask)
		}
		key := strings.ToLower(o.Type[:1]) + o.Type[1:] + "EventDetails"
		d := o.details(key)
		switch o.Type {
		case "LambdaFunctionSucceeded", "TaskSucceeded":
			t.Output = payload(d["output"])
			if t.Output == nil {
				t.Output = json.RawMessage("null")
			}
		case "LambdaFunctionTimedOut", "TaskTimedOut":
			t.TimedOut = true
			t.Error, t.Cause = compact(d["error"]), compact(d["cause"])
		default:
			t.Error, t.Cause = compact(d["error"]), compact(d["cause"])
		}
		tasks = append(tasks, t)
	}
	byState := map[string]*Task{}
	for i := range tasks {
		if _, ok := byState[tasks[i].State]; !ok {
			byState[tasks[i].State] = &tasks[i]
		}
	}
	return tasks, byState, nil
}

// fillLambda sets each Task's Resource (a Lambda ARN) or FunctionName
// placeholder to what the history recorded for that state.
func fillLambda(raw []byte, byState map[string]*Task) ([]byte, error) {
	// Work on the ordered text: decode into an ordered tree, edit, encode.
	root, err := decodeOrdered(raw)
	if err != nil {
		return nil, err
	}
	var walk func(n *onode) error
	walk = func(n *onode) error {
		sts := n.get("States")
		if sts == nil {
			return nil
		}
		for i, name := range sts.keys {
			st := sts.vals[i]
			if t := st.get("Type"); t != nil && t.str == "Task" {
				rec := byState[name]
				res := st.get("Resource")
				if rec != nil && res != nil && strings.Contains(rec.Resource, ":lambda:") && !strings.HasPrefix(rec.Resource, "arn:aws:states:::") {
					res.str = rec.Resource
				}
				for _, f := range []string{"Parameters", "Arguments"} {
					p := st.get(f)
					if p == nil {
						continue
					}
					fnName := p.get("FunctionName")
					if fnName == nil || fnName.kind != 's' || !(strings.Contains(fnName.str, "tbd") || strings.Contains(fnName.str, "%")) {
						continue
					}
					if rec == nil {
						return skipError(skipLambdaSync)
					}
					var in map[string]any
					json.Unmarshal(rec.Input, &in)
					if s, ok := in["FunctionName"].(string); ok {
						fnName.str = s
					} else {
						return skipError(skipLambdaSync)
					}
				}
			}
			for _, k := range []string{"Iterator", "ItemProcessor"} {
				if sub := st.get(k); sub != nil {
					if err := walk(sub); err != nil {
						return err
					}
				}
			}
			if bs := st.get("Branches"); bs != nil {
				for _, b := range bs.vals {
					if err := walk(b); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	root.encode(&buf)
	return buf.Bytes(), nil
}

// checkResources skips definitions that need more than Lambda.
func checkResources(def map[string]any) error {
	var walk func(d map[string]any) error
	walk = func(d map[string]any) error {
		sts, _ := d["States"].(map[string]any)
		names := make([]string, 0, len(sts))
		for n := range sts {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			st, _ := sts[n].(map[string]any)
			if st["Type"] == "Task" {
				r, _ := st["Resource"].(string)
				switch {
				case strings.HasSuffix(r, ".waitForTaskToken"):
					return skipError(skipCallback)
				case strings.Contains(r, ":activity:"):
					return skipError(skipActivity)
				case r == "arn:aws:states:::lambda:invoke" || strings.HasPrefix(r, "arn:aws:lambda:") || strings.Contains(r, ":lambda:<") || strings.HasPrefix(r, "arn:<partition>:lambda:"):
				case strings.Contains(r, "tbd") || strings.Contains(r, "%"):
					return skipError(skipPlaceholder)
				default:
					return skipError(skipService)
				}
			}
			if st["ItemReader"] != nil || st["ResultWriter"] != nil {
				return skipError(skipItemReader)
			}
			for _, k := range []string{"Iterator", "ItemProcessor"} {
				if sub, ok := st[k].(map[string]any); ok {
					if err := walk(sub); err != nil {
						return err
					}
				}
			}
			if bs, ok := st["Branches"].([]any); ok {
				for _, b := range bs {
					if sub, ok := b.(map[string]any); ok {
						if err := walk(sub); err != nil {
							return err
						}
					}
				}
			}
		}
		return nil
	}
	return walk(def)
}

// onode is an ordered JSON value.
type onode struct {
	kind byte // 'o' object, 'a' array, 's' string, 'r' raw (number, bool, null)
	keys []string
	vals []*onode
	str  string
}

func (n *onode) get(k string) *onode {
	if n == nil || n.kind != 'o' {
		return nil
	}
	for i, kk := range n.keys {
		if kk == k {
			return n.vals[i]
		}
	}
	return nil
}

func decodeOrdered(raw []byte) (*onode, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return decodeNode(dec)
}

func decodeNode(dec *json.Decoder) (*onode, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &onode{kind: 'o'}
		if t == '[' {
			n.kind = 'a'
		}
		for dec.More() {
			if n.kind == 'o' {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, k.(string))
			}
			v, err := decodeNode(dec)
			if err != nil {
				return nil, err
			}
			n.vals = append(n.vals, v)
		}
		dec.Token()
		return n, nil
	case string:
		return &onode{kind: 's', str: t}, nil
	case json.Number:
		return &onode{kind: 'r', str: string(t)}, nil
	case bool:
		return &onode{kind: 'r', str: fmt.Sprint(t)}, nil
	default:
		return &onode{kind: 'r', str: "null"}, nil
	}
}

func (n *onode) encode(buf *bytes.Buffer) {
	switch n.kind {
	case 'o':
		buf.WriteByte('{')
		for i, k := range n.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			b, _ := json.Marshal(k)
			buf.Write(b)
			buf.WriteByte(':')
			n.vals[i].encode(buf)
		}
		buf.WriteByte('}')
	case 'a':
		buf.WriteByte('[')
		for i, v := range n.vals {
			if i > 0 {
				buf.WriteByte(',')
			}
			v.encode(buf)
		}
		buf.WriteByte(']')
	case 's':
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		enc.Encode(n.str)
		buf.Truncate(buf.Len() - 1)
	default:
		buf.WriteString(n.str)
	}
}
