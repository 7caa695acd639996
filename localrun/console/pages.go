package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

var funcs = template.FuncMap{
	"px":  func(v float64) string { return strconv.FormatFloat(float64(int64(v*10+0.5))/10, 'f', -1, 64) },
	"add": func(a, b float64) float64 { return a + b },
	// lineY is the baseline of a box's i-th line of text.
	"lineY": func(top float64, i int) float64 { return top + boxPadY + lineHeight*float64(i) + 13 },
	"half":  func(v float64) float64 { return v / 2 },
}

// Filters are the list page's query parameters; empty means all.
type filters struct {
	Status, HTTP, Workflow string
}

type option struct {
	Value, Label string
	Selected     bool
}

type listPage struct {
	Title  string
	Rows   []listRow
	Total  int
	Filter filters
	// Query is the filter query string, for the rows endpoint.
	Query                                     string
	StatusOptions, HTTPOptions, WorkflowTypes []option
}

type listRow struct {
	ID, Href, Workflow, Status, StatusClass string
	HTTP                                    string
	Path                                    []pathStep
	StartISO, StartText, Duration           string
}

// pathStep is one top-level state of an execution's path, with what
// happened there.
type pathStep struct {
	Name, Class, Mark string
}

func (h *handler) listPage(q url.Values) listPage {
	f := filters{Status: q.Get("status"), HTTP: q.Get("http"), Workflow: q.Get("workflow")}
	all := h.src.Executions()
	sort.SliceStable(all, func(i, j int) bool { return all[i].StartDate.After(all[j].StartDate) })
	p := listPage{Title: "Executions", Total: len(all), Filter: f}
	statuses, answers, workflows := map[string]bool{}, map[string]bool{}, map[string]bool{}
	defs := map[string]*asl.Definition{}
	for _, e := range all {
		statuses[e.Status] = true
		answers[httpText(e.HTTPStatus)] = true
		workflows[e.Workflow] = true
		if f.Status != "" && e.Status != f.Status || f.HTTP != "" && httpText(e.HTTPStatus) != f.HTTP || f.Workflow != "" && e.Workflow != f.Workflow {
			continue
		}
		d, ok := defs[e.Workflow]
		if !ok {
			if raw, found := h.src.Definition(e.Workflow); found {
				d, _ = asl.Parse(raw)
			}
			defs[e.Workflow] = d
		}
		p.Rows = append(p.Rows, listRow{
			ID: e.ID, Href: Prefix + "/executions/" + url.PathEscape(e.ID), Workflow: e.Workflow,
			Status: e.Status, StatusClass: executionClass(e.Status), HTTP: httpText(e.HTTPStatus),
			Path: pathSummary(readHistory(e.History), d), StartISO: e.StartDate.Format(time.RFC3339Nano),
			StartText: e.StartDate.Local().Format("2006-01-02 15:04:05.000"), Duration: duration(e.StopDate.Sub(e.StartDate)),
		})
	}
	v := url.Values{}
	for k, val := range map[string]string{"status": f.Status, "http": f.HTTP, "workflow": f.Workflow} {
		if val != "" {
			v.Set(k, val)
		}
	}
	p.Query = v.Encode()
	p.StatusOptions = options(statuses, f.Status, "All statuses", nil)
	p.HTTPOptions = options(answers, f.HTTP, "All answers", map[string]string{"none": "None (recovery)"})
	p.WorkflowTypes = options(workflows, f.Workflow, "All workflows", nil)
	return p
}

func options(seen map[string]bool, selected, all string, labels map[string]string) []option {
	if selected != "" {
		seen[selected] = true
	}
	vals := make([]string, 0, len(seen))
	for v := range seen {
		vals = append(vals, v)
	}
	sort.Strings(vals)
	out := []option{{Value: "", Label: all, Selected: selected == ""}}
	for _, v := range vals {
		l := labels[v]
		if l == "" {
			l = v
		}
		out = append(out, option{Value: v, Label: l, Selected: v == selected})
	}
	return out
}

func httpText(status int) string {
	if status == 0 {
		return "none"
	}
	return strconv.Itoa(status)
}

func executionClass(status string) string {
	switch status {
	case string(aslrun.Succeeded):
		return statusSucceeded
	case "":
		return statusEntered
	}
	return statusFailed
}

// duration formats a duration the way the console's tables do: ms below
// ten seconds.
func duration(d time.Duration) string {
	switch {
	case d < 0:
		return "–"
	case d < 10*time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + " ms"
	case d < time.Hour:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	}
	return d.Round(time.Second).String()
}

// seconds formats a retry delay compactly: 500ms, 1s, 1.5s.
func seconds(d time.Duration) string { return d.Round(time.Millisecond).String() }

// pathSummary lists the top-level states an execution entered, in order,
// consecutive repeats folded.
func pathSummary(r *run, d *asl.Definition) []pathStep {
	var out []pathStep
	for _, name := range r.Sequence {
		if d != nil && d.States[name] == nil {
			continue // inside a Map or Parallel state
		}
		if len(out) > 0 && out[len(out)-1].Name == name {
			continue
		}
		s := r.States[name]
		step := pathStep{Name: name, Class: s.Status()}
		var marks []string
		if n := len(s.Retries); n > 0 {
			marks = append(marks, "↻"+strconv.Itoa(n))
		}
		switch step.Class {
		case statusCaught:
			marks = append(marks, "⚠ caught")
		case statusFailed:
			marks = append(marks, "✗")
		}
		step.Mark = strings.Join(marks, " ")
		out = append(out, step)
	}
	return out
}

// The execution page.

type executionView struct {
	Title                          string
	Exec                           Execution
	StatusClass, HTTP, Duration    string
	StartText, StopText, StartISO  string
	Graph                          *graphView
	GraphNote                      string
	States                         []stateView
	Events                         []eventView
	Input, Output                  string
	ExecutionError, ExecutionCause string
}

type graphView struct {
	Width, Height float64
	Containers    []nodeView
	Boxes         []nodeView
	Pseudo        []nodeView
	Edges         []edgeView
	Frames        []frame
}

type nodeView struct {
	*node
	Status, Anchor, Description string
}

type edgeView struct {
	*edge
	Class, Title, Marker string
	Taken, ShowLabel     bool
}

type stateView struct {
	Name, Type, Anchor, Status, StatusText string
	Facts                                  []string
	Definition                             string
	Entries                                []entryView
	InGraph                                bool
}

type entryView struct {
	Label, Input, Output, Note string
	HasOutput                  bool
}

type eventView struct {
	ID                                    int64
	Type, Step, StepAnchor, Resource      string
	Elapsed, Time, Details, Input, Output string
	Class                                 string
}

func executionPage(e Execution, rawDef []byte) executionView {
	r := readHistory(e.History)
	v := executionView{
		Title: e.ID, Exec: e, StatusClass: executionClass(e.Status), HTTP: httpText(e.HTTPStatus),
		Duration: duration(e.StopDate.Sub(e.StartDate)), StartISO: e.StartDate.Format(time.RFC3339Nano),
		StartText: e.StartDate.Local().Format("2006-01-02 15:04:05.000"), StopText: e.StopDate.Local().Format("15:04:05.000"),
	}
	var def *asl.Definition
	if len(rawDef) > 0 {
		var err error
		if def, err = asl.Parse(rawDef); err != nil {
			v.GraphNote = "The workflow definition could not be read: " + err.Error()
			def = nil
		}
	} else {
		v.GraphNote = "The definition of " + e.Workflow + " is not available; the states below come from the history."
	}
	anchors := map[string]string{}
	anchor := func(name string) string {
		a, ok := anchors[name]
		if !ok {
			a = "state-" + strconv.Itoa(len(anchors)+1)
			anchors[name] = a
		}
		return a
	}
	defStates := map[string]*asl.State{}
	if def != nil {
		def.Walk(func(s *asl.State) {
			defStates[s.Name] = s
			anchor(s.Name)
		})
		v.Graph = drawGraph(def, r, anchor)
	}
	// States in the graph's order, then any the history names that the
	// definition does not have.
	var names []string
	if def != nil {
		def.Walk(func(s *asl.State) { names = append(names, s.Name) })
	}
	for _, n := range r.Order {
		if defStates[n] == nil {
			names = append(names, n)
		}
	}
	for _, n := range names {
		v.States = append(v.States, stateDetails(n, defStates[n], r.States[n], anchor(n)))
	}
	v.Events = eventRows(e.History, r, anchor)
	for _, ev := range e.History {
		switch ev.Type {
		case aslrun.ExecutionStarted:
			v.Input = pretty(ev.Input)
		case aslrun.ExecutionSucceeded:
			v.Output = pretty(ev.Output)
		case aslrun.ExecutionFailed, aslrun.ExecutionTimedOut:
			v.ExecutionError, v.ExecutionCause = ev.Error, ev.Cause
		}
	}
	return v
}

// nodeLines are the text of a state's box: name, type, and what this
// execution did there.
func nodeLines(s *asl.State, sr *stateRun) []string {
	lines := []string{s.Name, s.Type}
	return append(lines, statusLines(sr)...)
}

// shortResource names what a Task calls: the function name of a Lambda
// task, the service and action of an SDK integration.
func shortResource(s *asl.State) string {
	if s.Type != asl.TypeTask {
		return ""
	}
	r := s.Resource
	if strings.Contains(r, ":states:::lambda:invoke") {
		for _, k := range []string{"Parameters", "Arguments"} {
			p, _ := s.Raw[k].(map[string]any)
			if fn, ok := p["FunctionName"].(string); ok {
				r = fn
				break
			}
		}
	}
	if i := strings.Index(r, ":function:"); i >= 0 {
		r = r[i+len(":function:"):]
		if j := strings.IndexByte(r, ':'); j >= 0 {
			r = r[:j]
		}
		return r
	}
	if i := strings.Index(r, ":::"); i >= 0 {
		r = strings.TrimPrefix(r[i+3:], "aws-sdk:")
	}
	return r
}

func statusLines(sr *stateRun) []string {
	if sr == nil || len(sr.Entries) == 0 {
		return nil
	}
	var lines []string
	times := ""
	if n := len(sr.Entries); n > 1 {
		times = " ×" + strconv.Itoa(n)
	}
	if n := len(sr.Retries); n > 0 {
		delays := make([]string, 0, n)
		for _, rt := range sr.Retries {
			delays = append(delays, seconds(rt.Delay))
		}
		word := "retries"
		if n == 1 {
			word = "retry"
		}
		lines = append(lines, fmt.Sprintf("↻ %d %s (backoff %s)", n, word, strings.Join(delays, ", ")))
	}
	for _, c := range distinctCaught(sr.Caught) {
		lines = append(lines, "⚠ caught "+c.Error)
	}
	switch sr.Status() {
	case statusFailed:
		l := "✗ failed"
		if sr.Failed != "" {
			l += ": " + sr.Failed
		}
		lines = append(lines, l+times)
	case statusSucceeded:
		lines = append(lines, "✓ succeeded"+times)
	case statusEntered:
		lines = append(lines, "… entered, not finished"+times)
	case statusCaught:
		if times != "" {
			lines = append(lines, "entered"+times)
		}
	}
	return lines
}

func distinctCaught(cs []caught) []caught {
	var out []caught
	seen := map[caught]bool{}
	for _, c := range cs {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// drawGraph lays the definition out with this execution's annotations and
// marks the states entered and the transitions taken.
func drawGraph(def *asl.Definition, r *run, anchor func(string) string) *graphView {
	g := layoutDefinition(def, func(s *asl.State) []string { return nodeLines(s, r.States[s.Name]) })
	gv := &graphView{Width: g.Width, Height: g.Height, Frames: g.Frames}
	for _, n := range g.Nodes {
		nv := nodeView{node: n}
		switch {
		case n.IsPseudo():
			nv.Status = statusNotRun
			for k := range r.Taken {
				if k.From == n.ID || k.To == n.ID {
					nv.Status = statusSucceeded
				}
			}
			gv.Pseudo = append(gv.Pseudo, nv)
			continue
		default:
			sr := r.States[n.ID]
			nv.Status, nv.Anchor = sr.Status(), anchor(n.ID)
			nv.Description = strings.Join(n.Lines, ", ")
			if nv.Status == statusNotRun {
				nv.Description += ", not entered"
			}
		}
		if n.Container {
			gv.Containers = append(gv.Containers, nv)
		} else {
			gv.Boxes = append(gv.Boxes, nv)
		}
	}
	for _, e := range g.Edges {
		ev := edgeView{edge: e, Taken: r.Taken[edgeKey{From: e.From, To: e.To, Catch: e.Kind == "catch"}]}
		cls := []string{"edge", e.Kind}
		if ev.Taken {
			cls = append(cls, "taken")
		}
		ev.Class = strings.Join(cls, " ")
		ev.Marker = "arrow"
		switch {
		case ev.Taken && e.Kind == "catch":
			ev.Marker = "arrow-caught"
		case ev.Taken:
			ev.Marker = "arrow-taken"
		}
		// Catch labels (error names) are long: shown on the Catch taken,
		// in the tooltip and the state's details otherwise.
		ev.ShowLabel = e.Label != "" && (e.Kind != "catch" || ev.Taken)
		ev.Title = edgeTitle(e)
		gv.Edges = append(gv.Edges, ev)
	}
	// Taken edges last, so that they draw over the others.
	sort.SliceStable(gv.Edges, func(i, j int) bool { return !gv.Edges[i].Taken && gv.Edges[j].Taken })
	return gv
}

func edgeTitle(e *edge) string {
	name := func(id string) string {
		if id == startID {
			return "Start"
		}
		return id
	}
	t := name(e.From) + " → " + name(e.To)
	switch e.Kind {
	case "catch":
		t += " (Catch " + e.Label + ")"
	case "choice":
		t += " (" + e.Label + ")"
	}
	return t
}

// stateDetails is the panel a click on a state opens: its definition and
// every entry's input and output.
func stateDetails(name string, s *asl.State, sr *stateRun, anchor string) stateView {
	v := stateView{Name: name, Anchor: anchor, Status: sr.Status(), InGraph: s != nil}
	v.StatusText = map[string]string{statusNotRun: "Not entered", statusSucceeded: "Succeeded", statusCaught: "Caught an error",
		statusFailed: "Failed", statusEntered: "Entered, not finished"}[v.Status]
	if s != nil {
		v.Type = s.Type
		if r := shortResource(s); r != "" {
			v.Facts = append(v.Facts, "Resource: "+r)
		}
		for i, rt := range s.Retry {
			v.Facts = append(v.Facts, fmt.Sprintf("Retry #%d: %s — interval %gs, backoff rate %g, at most %g attempts", i+1,
				strings.Join(rt.ErrorEquals, ", "), rt.Interval(), rt.Backoff(), rt.Attempts()))
		}
		for i, c := range s.Catch {
			v.Facts = append(v.Facts, fmt.Sprintf("Catch #%d: %s → %s", i+1, strings.Join(c.ErrorEquals, ", "), c.Next))
		}
		if b, err := json.MarshalIndent(s.Raw, "", "  "); err == nil {
			v.Definition = string(b)
		}
	}
	if sr == nil {
		return v
	}
	v.Facts = append(v.Facts, statusLines(sr)...)
	for _, rt := range sr.Retries {
		v.Facts = append(v.Facts, fmt.Sprintf("Event %d: %s, retry %d of %d (retrier #%d) after %s", rt.EventID, rt.Error,
			rt.Attempt, rt.Max, rt.RetrierNumber, seconds(rt.Delay)))
	}
	for i, en := range sr.Entries {
		ev := entryView{Label: fmt.Sprintf("Entry %d — event %d, %s after the start", i+1, en.EventID, duration(en.Elapsed)),
			Input: pretty(en.Input), Output: pretty(en.Output), HasOutput: en.Exited}
		if en.Index != nil {
			ev.Label += fmt.Sprintf(", Map iteration %d", *en.Index)
		}
		if !en.Exited {
			ev.Note = "No output: the state did not exit normally."
		}
		v.Entries = append(v.Entries, ev)
	}
	return v
}

// eventRows is the event table, as the Step Functions console shows it.
func eventRows(events []aslrun.Event, r *run, anchor func(string) string) []eventView {
	out := make([]eventView, 0, len(events))
	for _, ev := range events {
		row := eventView{ID: ev.ID, Type: string(ev.Type), Step: ev.StateName,
			Elapsed: strconv.FormatInt(ev.Timestamp.Sub(r.start).Milliseconds(), 10),
			Time:    ev.Timestamp.Local().Format("15:04:05.000"),
			Input:   pretty(ev.Input), Output: pretty(ev.Output)}
		if ev.StateName != "" {
			row.StepAnchor = anchor(ev.StateName)
		}
		if ev.Resource != "" {
			row.Resource = shortResource(&asl.State{Type: asl.TypeTask, Resource: ev.Resource})
		}
		var details []string
		if ev.Error != "" {
			details = append(details, "Error: "+ev.Error)
		}
		if ev.Cause != "" {
			details = append(details, "Cause: "+ev.Cause)
		}
		if rt := ev.Retry; rt != nil {
			details = append(details, fmt.Sprintf("Retry %d of %d (retrier #%d) after %s", rt.Attempt, rt.MaxAttempts, rt.Retrier+1, seconds(rt.Delay)))
		}
		if ev.Index != nil {
			details = append(details, "Iteration "+strconv.Itoa(*ev.Index))
		}
		if ev.Length != nil {
			details = append(details, strconv.Itoa(*ev.Length)+" items")
		}
		row.Details = strings.Join(details, " · ")
		switch {
		case ev.Retry != nil:
			row.Class = "retry"
		case ev.Error != "":
			row.Class = "failure"
		}
		out = append(out, row)
	}
	return out
}

// pretty indents JSON for display; what does not parse is shown as is.
func pretty(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}
