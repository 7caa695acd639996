package test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
	"github.com/resilientpay/paymentapi/workflows/payments"
)

// documentedPath is one row of docs/workflow-contract.md's "Every path
// through the workflow" table.
type documentedPath struct {
	outcomes map[errorname.Name]int // client outcome -> status
	retried  map[errorname.Name]bool
	retries  int
	// then is what any other error (or retries exhausted) leads to: the
	// next Task's name, or an answer.
	thenTask   string
	thenStatus int
	thenError  errorname.Name
}

var (
	rowRE     = regexp.MustCompile("^\\| `([A-Za-z]+)` \\| (.+) \\| (.+): (\\d+) \\| (.+) \\|$")
	outcomeRE = regexp.MustCompile("^`([^`]+)` (\\d{3})$")
	answerRE  = regexp.MustCompile("^(\\d{3}) `([^`]+)`$")
	taskRE    = regexp.MustCompile("^`([A-Za-z]+)`$")
)

// documentedPaths reads the table of docs/workflow-contract.md.
func documentedPaths(t *testing.T) map[string]documentedPath {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "workflow-contract.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "## Every path through the workflow")
	if !ok {
		t.Fatal(`docs/workflow-contract.md has no "Every path through the workflow" section`)
	}
	out := map[string]documentedPath{}
	for _, line := range strings.Split(table, "\n") {
		m := rowRE.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		row := documentedPath{outcomes: map[errorname.Name]int{}, retried: map[errorname.Name]bool{}}
		if m[2] != "none" {
			for _, o := range strings.Split(m[2], ", ") {
				om := outcomeRE.FindStringSubmatch(o)
				if om == nil {
					t.Fatalf("%s: cannot read the client outcome %q", m[1], o)
				}
				row.outcomes[errorname.Name(om[1])], _ = strconv.Atoi(om[2])
			}
		}
		for _, r := range strings.Split(m[3], ", ") {
			if r == "Lambda service errors" {
				for _, n := range errorname.LambdaServiceErrors() {
					row.retried[n] = true
				}
				continue
			}
			row.retried[errorname.Name(strings.Trim(r, "`"))] = true
		}
		row.retries, _ = strconv.Atoi(m[4])
		switch am, tm := answerRE.FindStringSubmatch(m[5]), taskRE.FindStringSubmatch(m[5]); {
		case am != nil:
			row.thenStatus, _ = strconv.Atoi(am[1])
			row.thenError = errorname.Name(am[2])
		case tm != nil:
			row.thenTask = tm[1]
		default:
			t.Fatalf("%s: cannot read what follows %q", m[1], m[5])
		}
		out[m[1]] = row
	}
	return out
}

// raisable is every error a payments Task can raise: each name of the
// shared list (client outcomes too, should a handler ever return one as
// an error), the Lambda service errors, a function that timed out or
// crashed, a Task timeout, and an error nobody named.
func raisable() []errorname.Name {
	var out []errorname.Name
	for _, s := range errorname.All() {
		out = append(out, s.Name)
	}
	out = append(out, errorname.LambdaServiceErrors()...)
	return append(out, errorname.LambdaUnknown, errorname.StatesTimeout, unexpectedError)
}

// unexpectedError is how Step Functions names a plain Go error a handler
// returns (errors.New): nobody declared it.
const unexpectedError errorname.Name = "errorString"

// scriptedPayments plays the payments workflow's three functions: each
// state answers its attempts from a script (an error, a rejection, or
// success when the script runs out), and counts them.
type scriptedPayments struct {
	byResource map[string]string // Task resource -> state name
	mu         sync.Mutex
	script     map[string][]any // state -> per attempt: errorname.Name, rejection, or nil (success)
	calls      map[string]int
}

// rejection makes a Task answer a client outcome.
type rejection errorname.Name

const pathPaymentID = "pay_pathspathspathspathspaths"

func (s *scriptedPayments) Invoke(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	state := s.byResource[resource]
	s.mu.Lock()
	attempt := s.calls[state]
	s.calls[state]++
	var step any
	if attempt < len(s.script[state]) {
		step = s.script[state][attempt]
	}
	s.mu.Unlock()
	switch v := step.(type) {
	case errorname.Name:
		switch {
		case v == unexpectedError:
			return nil, errors.New("an error nobody named")
		case strings.HasPrefix(string(v), "Payment."):
			return nil, messages.InvokeResponse_Error{Type: string(v), Message: payment.NewError(v, "scripted").ProblemJSON()}
		}
		return nil, &aslrun.TaskError{Name: string(v), Cause: "scripted"}
	case rejection:
		r := payment.Rejection(payment.NewError(errorname.Name(v), "scripted", payment.FieldError{Field: "amount", Detail: "scripted"}))
		if state == payments.StateValidate {
			return json.Marshal(map[string]any{"requestId": "r-1", "result": r})
		}
		return json.Marshal(r)
	}
	switch state {
	case payments.StateValidate:
		return json.Marshal(map[string]any{"requestId": "r-1", "payment": payment.Payment{ID: pathPaymentID, Amount: 100, Currency: "EUR",
			Source: "tok_paths12345678", MerchantID: "m_1", IdempotencyKeyHash: "kh", RequestHash: "rh"}})
	case payments.StatePersist:
		return json.Marshal(payment.Result{StatusCode: 201, Body: `{"id":"` + pathPaymentID + `","status":"PROCESSED"}`})
	case payments.StateEnqueue:
		return json.Marshal(payment.Result{StatusCode: 202, Body: `{"id":"` + pathPaymentID + `","status":"QUEUED"}`})
	}
	return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "unknown resource " + resource}
}

// pathCase is one path: what each state does, and what the client must get.
type pathCase struct {
	name       string
	script     map[string][]any
	wantStatus int
	wantType   string // the problem's type; "" for 201/202
	wantCalls  map[string]int
}

func TestEveryPathThroughThePaymentsWorkflow(t *testing.T) {
	s := synth(t, suffix)
	sm, err := s.Parsed.ByName(cfn.StateMachine, payments.ResourceType+"-"+suffix)
	if err != nil {
		t.Fatal(err)
	}
	def, err := s.Parsed.Evaluator(cfn.Env{}).Definition(sm)
	if err != nil {
		t.Fatal(err)
	}
	var parsed struct {
		StartAt string
		States  map[string]struct{ Type, Resource string }
	}
	if err := json.Unmarshal(def, &parsed); err != nil {
		t.Fatal(err)
	}
	docs := documentedPaths(t)
	byResource := map[string]string{}
	var tasks []string
	for name, st := range parsed.States {
		if st.Type == "Task" {
			tasks = append(tasks, name)
			byResource[st.Resource] = name
			if _, ok := docs[name]; !ok {
				t.Errorf("Task %s has no row in docs/workflow-contract.md's path table", name)
			}
		}
	}
	sort.Strings(tasks)
	documentedOutcomes := map[errorname.Name]bool{}
	for task, row := range docs {
		if _, ok := parsed.States[task]; !ok {
			t.Errorf("the path table documents %s, which the workflow does not have", task)
		}
		for name, status := range row.outcomes {
			documentedOutcomes[name] = true
			if spec, ok := errorname.Lookup(name); !ok || !spec.Outcome || spec.Status != status {
				t.Errorf("%s: documented outcome %s %d is not a client outcome of that status on the shared list", task, name, status)
			}
		}
	}
	for _, spec := range errorname.Outcomes() {
		if !documentedOutcomes[spec.Name] {
			t.Errorf("client outcome %s is answered by no documented Task", spec.Name)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	// lead makes the states before task succeed, and reach it: Validate
	// and Persist succeed by default; EnqueueOnFailure runs after Persist
	// fails with an error nobody named.
	lead := func(task string) map[string][]any {
		if task == payments.StateEnqueue {
			return map[string][]any{payments.StatePersist: {unexpectedError}}
		}
		return map[string][]any{}
	}
	// after is what the client gets once task succeeds.
	after := func(task string) (int, string) {
		if task == payments.StateEnqueue {
			return 202, ""
		}
		return 201, ""
	}
	// then is what the client gets after task's other errors.
	then := func(row documentedPath) (int, string) {
		if row.thenTask != "" {
			return after(row.thenTask)
		}
		return row.thenStatus, payment.ProblemTypeBase + string(row.thenError)
	}

	var cases []pathCase
	for _, task := range tasks {
		row := docs[task]
		for name, status := range row.outcomes {
			script := lead(task)
			script[task] = []any{rejection(name)}
			cases = append(cases, pathCase{name: fmt.Sprintf("%s answers the client outcome %s", task, name), script: script,
				wantStatus: status, wantType: payment.ProblemTypeBase + string(name), wantCalls: map[string]int{task: 1}})
		}
		for _, e := range raisable() {
			if row.retried[e] {
				once := lead(task)
				once[task] = []any{e}
				st, typ := after(task)
				cases = append(cases, pathCase{name: fmt.Sprintf("%s fails with %s once, then succeeds", task, e), script: once,
					wantStatus: st, wantType: typ, wantCalls: map[string]int{task: 2}})
				always := lead(task)
				for range row.retries + 1 {
					always[task] = append(always[task], e)
				}
				st, typ = then(row)
				cases = append(cases, pathCase{name: fmt.Sprintf("%s fails with %s on every attempt", task, e), script: always,
					wantStatus: st, wantType: typ, wantCalls: map[string]int{task: row.retries + 1}})
				continue
			}
			script := lead(task)
			script[task] = []any{e}
			st, typ := then(row)
			cases = append(cases, pathCase{name: fmt.Sprintf("%s fails with %s, which it does not retry", task, e), script: script,
				wantStatus: st, wantType: typ, wantCalls: map[string]int{task: 1}})
		}
	}
	cases = append(cases, pathCase{name: "every Task succeeds", script: map[string][]any{}, wantStatus: 201,
		wantCalls: map[string]int{payments.StateValidate: 1, payments.StatePersist: 1, payments.StateEnqueue: 0}})

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &scriptedPayments{byResource: byResource, script: tc.script, calls: map[string]int{}}
			m, err := aslrun.New(def, aslrun.Options{Invoker: inv, Type: aslrun.Express,
				Clock: &instantClock{now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}})
			if err != nil {
				t.Fatal(err)
			}
			exec, err := m.Run(context.Background(), "", api.ExecutionInput("r-1", "arn:aws:iam::123456789012:user/paths", "key-1", []byte(`{}`)))
			if err != nil {
				t.Fatal(err)
			}
			got := api.MapExecution(api.Execution{Status: string(exec.Status), Output: string(exec.Output), Error: exec.Error, Cause: exec.Cause})
			if got.Status != tc.wantStatus {
				t.Fatalf("answered %d %s (execution %s %s), want %d", got.Status, got.Body, exec.Status, exec.Error, tc.wantStatus)
			}
			for state, n := range tc.wantCalls {
				if inv.calls[state] != n {
					t.Errorf("%s ran %d times, want %d", state, inv.calls[state], n)
				}
			}
			checkPathBody(t, got, tc.wantType)
		})
	}
	t.Logf("%d paths through %d Tasks", len(cases), len(tasks))
}

// checkPathBody checks the answer's body: the receipt for 201/202, else a
// problem document of the wanted type whose status is the answer's and,
// for a 5xx, the error's own fixed problem (nothing of the cause).
func checkPathBody(t *testing.T, got api.Response, wantType string) {
	t.Helper()
	if wantType == "" {
		if !strings.Contains(got.Body, pathPaymentID) || got.Headers["Content-Type"] != "application/json" {
			t.Errorf("answer %d %s %s, want the payment's receipt", got.Status, got.Headers["Content-Type"], got.Body)
		}
		return
	}
	var p payment.Problem
	if err := json.Unmarshal([]byte(got.Body), &p); err != nil || got.Headers["Content-Type"] != api.ProblemContentType {
		t.Fatalf("answer %s %s is not a problem document (%v)", got.Headers["Content-Type"], got.Body, err)
	}
	if p.Type != wantType || p.Status != got.Status {
		t.Errorf("problem %s, want type %s and status %d", got.Body, wantType, got.Status)
	}
	spec, _ := errorname.Lookup(errorname.Name(strings.TrimPrefix(wantType, payment.ProblemTypeBase)))
	if got.Status >= 500 && got.Body != api.ErrorProblemBody(spec) {
		t.Errorf("a %d answers %s, want the error's own problem %s", got.Status, got.Body, api.ErrorProblemBody(spec))
	}
	if strings.Contains(got.Body, "scripted") && got.Status >= 500 {
		t.Errorf("a %d shows the cause: %s", got.Status, got.Body)
	}
}
