package aslrun

//go:generate go run ../../tools/sfnconformance -src ${LOCALSTACK} -out testdata/conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The conformance suite: executions AWS Step Functions ran and LocalStack's
// test suite recorded (testdata/conformance, converted by
// tools/sfnconformance; NOTICE there names the source commit). Each case
// runs on the executor with the recorded Lambda results scripted, and the
// status, output, error and cause must be AWS's.
//
// Refresh with `LOCALSTACK=/path/to/localstack go generate ./workflows/aslrun`
// (a checkout or a bare repository).

// unsupported lists, in the one place the suite keeps them, the recorded
// executions the executor is known not to reproduce, by case name prefix,
// each with the reason. Every other converted case must match; a listed
// case that starts matching fails the test, so the list stays true.
var unsupported = map[string]string{
	// Distributed Map: aslrun runs Map inline (package doc).
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_config_distributed_":         distributedMap,
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_config_inline_item_selector": distributedMap + " (the template is the distributed one)",
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_legacy_config_distributed":   distributedMap,
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_nested_config_distributed":   distributedMap,
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_tolerated_failure_":          distributedMap + " (ToleratedFailureCount/PercentagePath)",

	// JSONata's null: in JSONata 2.0.6 a path to a null member gives null;
	// github.com/xiatechs/jsonata-go gives nothing (undefined), so the Pass
	// before the Map fails instead of the Map.
	"scenarios/test_base_scenarios.py::TestBaseScenarios::test_map_state_items_input_types[null]": "JSONata: the library reads a null member as undefined",

	// JSONata error messages come from the JSONata implementation.
	"intrinsic_functions/test_math_operations_jsonata.py::TestMathOperationsJSONata::test_math_random_seeded/": "JSONata error messages are the library's (T1006 \"Attempted to invoke a non-function\" in JSONata 2.0.6)",
}

const (
	distributedMap = "distributed Map is not supported"
)

type conformanceSuite struct {
	Commit  string            `json:"commit"`
	Found   int               `json:"found"`
	Counts  map[string]int    `json:"skippedByReason"`
	Cases   []conformanceCase `json:"cases"`
	Skipped []struct {
		Name, Reason string
	} `json:"skipped"`
}

type conformanceCase struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Definition string          `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Status     string          `json:"status"`
	Output     json.RawMessage `json:"output"`
	Error      json.RawMessage `json:"error"`
	Cause      json.RawMessage `json:"cause"`
	Tasks      []recordedTask  `json:"tasks"`
}

type recordedTask struct {
	State    string          `json:"state"`
	Resource string          `json:"resource"`
	Input    json.RawMessage `json:"input"`
	Output   json.RawMessage `json:"output"`
	Error    json.RawMessage `json:"error"`
	Cause    json.RawMessage `json:"cause"`
	TimedOut bool            `json:"timedOut"`
}

func loadConformance(t testing.TB) *conformanceSuite {
	t.Helper()
	b, err := os.ReadFile("testdata/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var s conformanceSuite
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestConformanceWithAWSRecordedExecutions(t *testing.T) {
	s := loadConformance(t)
	if len(s.Cases) < 300 {
		t.Fatalf("only %d cases: the converter lost some", len(s.Cases))
	}
	matched, known := 0, 0
	for _, c := range s.Cases {
		reason, listed := unsupportedReason(c.Name)
		diff := runConformanceCase(c)
		switch {
		case diff == "" && listed:
			t.Errorf("%s: matches AWS now; remove it from unsupported (%s)", c.Name, reason)
		case diff == "":
			matched++
		case listed:
			known++
			if testing.Verbose() {
				t.Logf("known difference, %s: %s\n%s", reason, c.Name, diff)
			}
		default:
			t.Errorf("%s (template %s):\n%s", c.Name, c.Template, diff)
		}
	}
	t.Logf("recorded executions found %d, converted %d, skipped %d, matching %d, known differences %d",
		s.Found, len(s.Cases), len(s.Skipped), matched, known)
}

func unsupportedReason(name string) (string, bool) {
	for p, r := range unsupported {
		if strings.HasPrefix(name, p) {
			return r, true
		}
	}
	return "", false
}

// runConformanceCase runs one case and describes how it differs from the
// recording ("" when it does not).
func runConformanceCase(c conformanceCase) (diff string) {
	defer func() {
		if v := recover(); v != nil {
			diff = fmt.Sprintf("panic: %v", v)
		}
	}()
	clock := newFakeClock()
	inv := newScriptedLambda(c.Tasks, clock)
	m, err := New([]byte(c.Definition), Options{
		Invoker: inv, Clock: clock, Type: Standard, ExecutionTimeout: -1,
		Random: func() float64 { return 0.5 }, NewUUID: func() string { return "00000000-0000-4000-8000-000000000000" },
	})
	if err != nil {
		return "New: " + err.Error()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	exec, err := m.Run(ctx, "", c.Input)
	if err != nil {
		return "Run: " + err.Error()
	}
	var d []string
	if string(exec.Status) != c.Status {
		d = append(d, fmt.Sprintf("status %s (%s: %s), AWS %s", exec.Status, exec.Error, exec.Cause, c.Status))
	}
	if c.Status == "SUCCEEDED" && exec.Status == "SUCCEEDED" {
		var got any
		if err := json.Unmarshal(exec.Output, &got); err != nil {
			d = append(d, "output is not JSON: "+string(exec.Output))
		} else if !outputMatch(decodeRecorded(c.Output), got) {
			d = append(d, fmt.Sprintf("output %s\n   AWS %s", exec.Output, c.Output))
		}
	}
	if c.Status == "FAILED" || c.Status == "TIMED_OUT" {
		if want := decodeRecorded(c.Error); want != nil && !recordedMatch(want, exec.Error) {
			d = append(d, fmt.Sprintf("error %q, AWS %s", exec.Error, c.Error))
		}
		want := decodeRecorded(c.Cause)
		var got any = exec.Cause
		if _, isString := want.(string); !isString && want != nil {
			// The snapshot parsed a JSON cause; compare it parsed.
			var v any
			if json.Unmarshal([]byte(exec.Cause), &v) == nil {
				got = v
			}
		}
		if want != nil && !recordedMatch(want, got) {
			d = append(d, fmt.Sprintf("cause %q\n  AWS %s", exec.Cause, c.Cause))
		}
		if want == nil && exec.Cause != "" && c.Status == "FAILED" {
			d = append(d, fmt.Sprintf("cause %q, AWS none", exec.Cause))
		}
	}
	if u := inv.unrecorded(); u != "" {
		d = append(d, u)
	}
	return strings.Join(d, "\n")
}

func decodeRecorded(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	return v
}

// outputMatch compares a recorded output with the executor's: the snapshot
// keeps an output that is not an object as its JSON text.
func outputMatch(want, got any) bool {
	if recordedMatch(want, got) {
		return true
	}
	if w, ok := want.(string); ok {
		var v any
		if json.Unmarshal([]byte(w), &v) == nil {
			return recordedMatch(v, got)
		}
	}
	return false
}

// placeholder matches the values LocalStack's snapshot transformers put in
// place of what changes from run to run (timestamps, ARNs, ids, request
// ids): a recorded placeholder matches any string.
var placeholder = regexp.MustCompile(`^(timestamp|date|start-time|entered-time|snf_role_arn|sm_exec_arn|sm_create_arn|RandomNumberGenerated|generated-uuid)$|<[A-Za-z0-9_\-]+(:\d+)?>|111111111111`)

// recordedMatch compares a recorded value with one the executor produced:
// equal JSON values, numbers by value, and a recorded placeholder string
// in place of any string.
func recordedMatch(want, got any) bool {
	switch w := want.(type) {
	case string:
		g, ok := got.(string)
		if !ok {
			// The tests of random numbers replace the number.
			return w == "RandomNumberGenerated"
		}
		if w == g {
			return true
		}
		// A JSON document in a string (a Lambda error's cause): the
		// snapshot re-encoded it, so compare it parsed.
		var wv, gv any
		if strings.HasPrefix(w, "{") && json.Unmarshal([]byte(w), &wv) == nil && json.Unmarshal([]byte(g), &gv) == nil {
			return recordedMatch(wv, gv)
		}
		if placeholder.MatchString(w) {
			return placeholderMatch(w, g)
		}
		return false
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !recordedMatch(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !recordedMatch(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, got)
	}
}

// placeholderMatch matches a string with placeholders: the literal parts
// must appear in order; a placeholder stands for any text.
func placeholderMatch(pattern, s string) bool {
	if !strings.Contains(pattern, "<") && !strings.Contains(pattern, "111111111111") {
		return true
	}
	// The snapshot's account id stands for any account.
	parts := regexp.MustCompile(`<[A-Za-z0-9_\-]+(:\d+)?>|111111111111`).Split(pattern, -1)
	var re strings.Builder
	re.WriteString("^")
	for i, p := range parts {
		if i > 0 {
			re.WriteString(".*")
		}
		re.WriteString(regexp.QuoteMeta(p))
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), s)
	return ok || strings.HasPrefix(pattern, "arn:") // ARNs: region, account and partition differ
}

// scriptedLambda plays back the Lambda invocations a history recorded:
// the invocation with the same input (in recorded order) gets the same
// result, error or time-out.
type scriptedLambda struct {
	mu    sync.Mutex
	clock *fakeClock
	order []recordedTask
	used  map[int]bool
	miss  []string
}

func newScriptedLambda(tasks []recordedTask, clock *fakeClock) *scriptedLambda {
	return &scriptedLambda{clock: clock, order: tasks, used: map[int]bool{}}
}

// next finds the first unused recorded invocation with the same input,
// or else one whose recorded input matches it up to the snapshot's
// placeholders (ids, ARNs, timestamps of the context object).
func (s *scriptedLambda) next(input json.RawMessage) int {
	k := canonicalJSON(input)
	for i, t := range s.order {
		if !s.used[i] && canonicalJSON(t.Input) == k {
			return i
		}
	}
	var got any
	json.Unmarshal(input, &got)
	for i, t := range s.order {
		if !s.used[i] && subsetMatch(decodeRecorded(t.Input), got) {
			return i
		}
	}
	return -1
}

// subsetMatch is recordedMatch that lets the executor's objects have keys
// the recording lacks (the context object gained RedriveCount after some
// recordings were made).
func subsetMatch(want, got any) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		for k, wv := range w {
			if gv, ok := g[k]; !ok || !subsetMatch(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !subsetMatch(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return recordedMatch(want, got)
	}
}

func canonicalJSON(b []byte) string {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return string(b)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func (s *scriptedLambda) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	s.mu.Lock()
	i := s.next(input)
	if i < 0 {
		s.miss = append(s.miss, fmt.Sprintf("unrecorded Lambda invocation of %s with %s", resource, input))
		s.mu.Unlock()
		return nil, TaskError{Name: "Conformance.Unrecorded", Cause: "no recorded invocation with this input"}
	}
	t := s.order[i]
	s.used[i] = true
	s.mu.Unlock()
	switch {
	case t.TimedOut:
		for ctx.Err() == nil {
			s.clock.Advance(time.Second)
		}
		return nil, ctx.Err()
	case t.Error != nil || t.Cause != nil:
		return nil, TaskError{Name: rawString(t.Error), Cause: rawString(t.Cause)}
	default:
		return bytes.Clone(t.Output), nil
	}
}

// rawString is a recorded string value as it was: a JSON string unquoted,
// anything else (a cause the snapshot parsed) as its JSON text.
func rawString(b json.RawMessage) string {
	var s string
	if json.Unmarshal(b, &s) == nil {
		return s
	}
	return string(b)
}

func (s *scriptedLambda) unrecorded() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.miss, "\n")
}

var _ = errors.New
var _ = sort.Strings
