package localrun

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// runnerWith is a Runner with only what its console needs: the kept
// records, each history redacted as createPayment redacts it.
func runnerWith(records ...*Record) *Runner {
	r := &Runner{cfg: Config{Suffix: "dev"}, log: slog.New(slog.DiscardHandler), metrics: newMetrics(), execs: newExecutions(10)}
	for _, rec := range records {
		rec.History = redactHistory(rec.History)
		r.execs.add(rec)
	}
	return r
}

func TestConsolePagesNeverShowTheKeyBodyOrToken(t *testing.T) {
	const (
		id    = "0d6c1c50-0000-4000-8000-000000000001"
		key   = "console-secret-key-7731"
		token = "tok_consolesecret99"
	)
	body := `{"amount":1250,"currency":"EUR","source":"` + token + `","merchant_id":"m_1"}`
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	payment := `{"requestId":"` + id + `","idempotencyKey":"` + key + `","payment":{"id":"pay_1","amount":1250,"source":"` + token + `"}}`
	r := runnerWith(&Record{ID: id, Workflow: "payments-workflow-dev", Status: "SUCCEEDED", HTTPStatus: 201,
		StartDate: start, StopDate: start.Add(40 * time.Millisecond), History: []aslrun.Event{
			{ID: 1, Timestamp: start, Type: aslrun.ExecutionStarted, Input: api.ExecutionInput(id, "arn:aws:iam::123456789012:user/console", key, []byte(body))},
			{ID: 2, PreviousID: 1, Timestamp: start, Type: aslrun.TaskStateEntered, StateName: "Validate", Input: api.ExecutionInput(id, "arn:aws:iam::123456789012:user/console", key, []byte(body))},
			{ID: 3, PreviousID: 2, Timestamp: start, Type: aslrun.TaskStateExited, StateName: "Validate", Output: json.RawMessage(payment)},
			{ID: 4, PreviousID: 3, Timestamp: start, Type: aslrun.ExecutionSucceeded, Output: json.RawMessage(payment)},
		}})
	secrets := []string{key, token, base64.StdEncoding.EncodeToString([]byte(key)), base64.StdEncoding.EncodeToString([]byte(body))}
	h := r.Handler()
	for _, path := range []string{"/_local/console/", "/_local/console/rows", "/_local/console/executions/" + id} {
		t.Run(path, func(t *testing.T) {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
			page, _ := io.ReadAll(w.Result().Body)
			if w.Code != http.StatusOK || !strings.Contains(string(page), id) {
				t.Fatalf("status %d, or the page does not show execution %s:\n%s", w.Code, id, page)
			}
			for _, s := range secrets {
				if strings.Contains(string(page), s) {
					t.Errorf("the page shows the secret %q", s)
				}
			}
		})
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_local/console/executions/"+id, nil))
	if !strings.Contains(w.Body.String(), "[redacted]") {
		t.Error("the execution page does not show where the secrets were redacted")
	}
}

func TestConsoleSourceGivesTheKeptRecords(t *testing.T) {
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r := runnerWith(
		&Record{ID: "a", Workflow: "payments-workflow-dev", Status: "SUCCEEDED", HTTPStatus: 201, StartDate: start,
			History: []aslrun.Event{{ID: 1, Type: aslrun.ExecutionStarted, Input: json.RawMessage(`{}`)}}},
		&Record{ID: "local-recovery-1", Workflow: "recovery-workflow-dev", Status: "FAILED", Error: "States.Timeout", StartDate: start.Add(time.Second)},
	)
	src := consoleSource{r}
	all := src.Executions()
	if len(all) != 2 || all[0].ID != "a" || len(all[0].History) != 1 || all[0].HTTPStatus != 201 || all[1].Error != "States.Timeout" {
		t.Errorf("Executions() = %+v", all)
	}
	if e, ok := src.Execution("local-recovery-1"); !ok || e.Workflow != "recovery-workflow-dev" {
		t.Errorf("Execution(local-recovery-1) = %+v, %v", e, ok)
	}
	if _, ok := src.Execution("b"); ok {
		t.Error("Execution(b) found a record that was never kept")
	}
	if _, ok := src.Definition("payments-workflow-dev"); ok {
		t.Error("Definition answered without a template")
	}
}

func TestConsoleIsServedUnderItsPrefixOnly(t *testing.T) {
	h := runnerWith().Handler()
	for path, want := range map[string]int{"/_local/console/": 200, "/_local/console": 301, "/_local/consoles": 404, "/_local/console/assets/console.js": 200} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != want {
			t.Errorf("GET %s: %d, want %d", path, w.Code, want)
		}
	}
}

func TestConsoleListShowsThePathOfAnExecutionWhosePageWasNeverOpened(t *testing.T) {
	// GIVEN a payments execution kept as createPayment keeps it (its
	// history redacted only when first read), WHEN the list is rendered
	// before anyone opened the execution's page, THEN its Path column
	// already names the states it went through.
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	r := runnerWith()
	r.execs.add(&Record{ID: "fresh", Workflow: "payments-workflow-dev", Status: "SUCCEEDED", HTTPStatus: 201,
		StartDate: start, StopDate: start.Add(time.Millisecond), raw: []aslrun.Event{
			{ID: 1, Timestamp: start, Type: aslrun.ExecutionStarted, Input: json.RawMessage(`{"idempotencyKey":"k"}`)},
			{ID: 2, PreviousID: 1, Timestamp: start, Type: aslrun.TaskStateEntered, StateName: "Validate"},
			{ID: 3, PreviousID: 2, Timestamp: start, Type: aslrun.TaskStateExited, StateName: "Validate"},
			{ID: 4, PreviousID: 3, Timestamp: start, Type: aslrun.SucceedStateEntered, StateName: "Processed"},
			{ID: 5, PreviousID: 4, Timestamp: start, Type: aslrun.SucceedStateExited, StateName: "Processed"},
			{ID: 6, PreviousID: 5, Timestamp: start, Type: aslrun.ExecutionSucceeded},
		}})
	for _, path := range []string{"/_local/console/", "/_local/console/rows"} {
		w := httptest.NewRecorder()
		r.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		page := w.Body.String()
		for _, state := range []string{">Validate", ">Processed"} {
			if !strings.Contains(page, `<span class="step succeeded"`+state) {
				t.Errorf("GET %s: the row's path lacks %s", path, state)
			}
		}
		if strings.Contains(page, `"k"`) {
			t.Errorf("GET %s shows the execution's data", path)
		}
	}
}

func TestTheRecoveryHistoryIsNotRedactedWithThePaymentRules(t *testing.T) {
	// GIVEN a recovery execution started by its EventBridge event (whose
	// "source" is aws.events, not a payment token), WHEN the runner keeps
	// it, THEN its history keeps the event as it was: the payment rules
	// (idempotencyKey, body, source) apply to the payments workflow only.
	start := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	event := json.RawMessage(`{"detail-type":"Scheduled Event","source":"aws.events","detail":{}}`)
	rec := recoveryRecord("local-recovery-1", "dev", &aslrun.Execution{Status: aslrun.Succeeded, StartDate: start, StopDate: start,
		History: []aslrun.Event{{ID: 1, Timestamp: start, Type: aslrun.ExecutionStarted, Input: event}}})
	if len(rec.History) != 1 || !strings.Contains(string(rec.History[0].Input), `"source":"aws.events"`) {
		t.Errorf("the kept recovery history is %s, want the event's source aws.events", rec.History[0].Input)
	}
	if rec.Workflow != "recovery-workflow-dev" || rec.ID != "local-recovery-1" || rec.Status != "SUCCEEDED" {
		t.Errorf("record = %+v", rec)
	}
}
