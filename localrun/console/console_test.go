package console

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// source returns the five fixture executions, started a second apart in
// this order: 201, 202, 400, recovery, failed recovery.
func source(t testing.TB) *fakeSource {
	t.Helper()
	execs := []Execution{processed(t), queued(t), invalid(t), redriven(t), recoveryFailed(t)}
	base := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	for i := range execs {
		d := execs[i].StopDate.Sub(execs[i].StartDate)
		execs[i].StartDate = base.Add(time.Duration(i) * time.Second)
		execs[i].StopDate = execs[i].StartDate.Add(d)
	}
	return newFakeSource(execs...)
}

func get(t *testing.T, h http.Handler, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, target, nil))
	return w
}

var rowID = regexp.MustCompile(`<tr data-id="([^"]+)"`)

func rowIDs(body string) []string {
	var ids []string
	for _, m := range rowID.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func TestListShowsExecutionsNewestFirstAndFilters(t *testing.T) {
	h := Handler(source(t))
	for _, tc := range []struct {
		name, target string
		want         []string
	}{
		{"all executions, newest first", "/_local/console/", []string{"local-recovery-2", "local-recovery-1", "req-400", "req-202", "req-201"}},
		{"only the failed ones", "/_local/console/?status=FAILED", []string{"local-recovery-2", "req-400"}},
		{"only the 202 answers", "/_local/console/?http=202", []string{"req-202"}},
		{"only executions without an HTTP answer", "/_local/console/?http=none", []string{"local-recovery-2", "local-recovery-1"}},
		{"one workflow and one status", "/_local/console/?workflow=payments-workflow-dev&status=SUCCEEDED", []string{"req-202", "req-201"}},
		{"a filter nothing matches", "/_local/console/?status=TIMED_OUT", nil},
		{"the rows fragment with the same filters", "/_local/console/rows?status=FAILED", []string{"local-recovery-2", "req-400"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, http.MethodGet, tc.target)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			got := rowIDs(w.Body.String())
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
		})
	}
}

func TestListRowsLinkToTheExecutionAndSummarizeItsPath(t *testing.T) {
	body := get(t, Handler(source(t)), http.MethodGet, "/_local/console/?http=202").Body.String()
	for _, want := range []string{
		`href="/_local/console/executions/req-202"`,
		`<span class="step caught">Persist <span class="mark">↻2 ⚠ caught</span></span>`,
		`<span class="step succeeded">EnqueueOnFailure</span>`,
		`<td class="num">202</td>`,
		`<option value="FAILED">FAILED</option>`,
		`<option value="202" selected>202</option>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the list lacks %s", want)
		}
	}
}

func TestRowsFragmentIsOnlyTheTableBody(t *testing.T) {
	w := get(t, Handler(source(t)), http.MethodGet, "/_local/console/rows")
	body := strings.TrimSpace(w.Body.String())
	if !strings.HasPrefix(body, `<tbody id="execution-rows"`) || !strings.HasSuffix(body, "</tbody>") {
		t.Errorf("the fragment is not one tbody:\n%s", body)
	}
	if !strings.Contains(body, `data-total="5" data-shown="5"`) {
		t.Error("the fragment does not carry its counts")
	}
}

func TestListSaysWhenThereIsNothingYet(t *testing.T) {
	body := get(t, Handler(newFakeSource()), http.MethodGet, "/_local/console/").Body.String()
	if !strings.Contains(body, "No executions yet") {
		t.Errorf("an empty list does not say so:\n%s", body)
	}
}

// graphStates reads each state's status off the drawn graph.
var nodeStatus = regexp.MustCompile(`data-state="([^"]+)"[^>]*>\s*<g class="node[^"]*" data-status="([^"]+)"`)

func graphStates(body string) map[string]string {
	out := map[string]string{}
	for _, m := range nodeStatus.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

func TestExecutionPageDrawsThePathTaken(t *testing.T) {
	h := Handler(source(t))
	for _, tc := range []struct {
		name, id string
		want     map[string]string
		texts    []string
	}{
		{"a 201 goes Validate, Persist, Processed", "req-201",
			map[string]string{"Validate": "succeeded", "Persist": "succeeded", "Processed": "succeeded", "EnqueueOnFailure": "notrun"},
			[]string{`class="edge next taken"`}},
		{"a 202 is retried, caught and queued", "req-202",
			map[string]string{"Validate": "succeeded", "Persist": "caught", "EnqueueOnFailure": "succeeded", "Queued": "succeeded", "Processed": "notrun"},
			[]string{"↻ 2 retries (backoff 1s, 2s)", "⚠ caught Payment.StoreUnavailable", `class="edge catch taken"`, `marker-end="url(#arrow-caught)"`,
				"Retry 1 of 2 (retrier #1) after 1s", "LambdaFunctionFailed"}},
		{"a 400 ends in its Fail state", "req-400",
			map[string]string{"Validate": "caught", "InvalidRequest": "failed", "Persist": "notrun"},
			[]string{"✗ failed: Payment.Invalid"}},
		{"a recovery run draws the Map's states inside it", "local-recovery-1",
			map[string]string{"Start": "succeeded", "Redrive": "succeeded", "WaitForMove": "succeeded", "Publish": "succeeded", "NothingToDo": "notrun"},
			[]string{"✓ succeeded ×4", `class="node container succeeded"`, "Branch 2", `data-from="CountPoll" data-to="WaitForMove"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, http.MethodGet, "/_local/console/executions/"+tc.id)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
			body := w.Body.String()
			if !strings.Contains(body, `<svg id="workflow-graph"`) {
				t.Fatal("the page has no graph")
			}
			got := graphStates(body)
			for state, want := range tc.want {
				if got[state] != want {
					t.Errorf("%s is drawn %q, want %q", state, got[state], want)
				}
			}
			for _, s := range tc.texts {
				if !strings.Contains(body, s) {
					t.Errorf("the page lacks %s", s)
				}
			}
		})
	}
}

func TestExecutionPageShowsEachStatesInputAndOutput(t *testing.T) {
	body := get(t, Handler(source(t)), http.MethodGet, "/_local/console/executions/req-202").Body.String()
	// The graph's Persist box links to Persist's details section.
	m := regexp.MustCompile(`<a href="#(state-\d+)" class="node-link" data-state="Persist"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the Persist box links nowhere")
	}
	i := strings.Index(body, `<section class="state-detail" id="`+m[1]+`"`)
	if i < 0 {
		t.Fatalf("no details section %s", m[1])
	}
	section := body[i : i+strings.Index(body[i:], "</section>")]
	for _, want := range []string{"Persist", "<summary>Input</summary>", "<summary>Output</summary>", "&#34;requestId&#34;: &#34;req-202&#34;",
		"Payment.StoreUnavailable", "Catch #3: States.ALL → EnqueueOnFailure"} {
		if !strings.Contains(section, want) {
			t.Errorf("Persist's details lack %s", want)
		}
	}
}

func TestExecutionPageEscapesWhatTheHistorySays(t *testing.T) {
	e := invalid(t)
	e.ID = "req-<b>"
	for i := range e.History {
		if e.History[i].Cause != "" {
			e.History[i].Cause = `<script>alert("x")</script>`
		}
	}
	body := get(t, Handler(newFakeSource(e)), http.MethodGet, "/_local/console/executions/req-%3Cb%3E").Body.String()
	if strings.Contains(body, `<script>alert`) || strings.Contains(body, "req-<b>") {
		t.Error("the page shows history text as markup")
	}
	if !strings.Contains(body, "&lt;script&gt;alert") {
		t.Error("the page does not show the escaped cause")
	}
}

func TestExecutionPageWithoutItsDefinitionStillListsTheEvents(t *testing.T) {
	src := source(t)
	delete(src.defs, "payments-workflow-dev")
	body := get(t, Handler(src), http.MethodGet, "/_local/console/executions/req-202").Body.String()
	if strings.Contains(body, "<svg") || !strings.Contains(body, "is not available") {
		t.Error("a page without a definition should say so instead of drawing")
	}
	if !strings.Contains(body, `data-type="LambdaFunctionFailed"`) || !strings.Contains(body, `data-state="Persist"`) {
		t.Error("a page without a definition lost its events or states")
	}
}

func TestPagesLoadNoInlineScriptOrStyle(t *testing.T) {
	h := Handler(source(t))
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>`)
	for _, target := range []string{"/_local/console/", "/_local/console/executions/req-202", "/_local/console/executions/local-recovery-1", "/_local/console/executions/nope"} {
		body := get(t, h, http.MethodGet, target).Body.String()
		for _, tag := range inlineScript.FindAllString(body, -1) {
			if !strings.Contains(tag, ` src="/_local/console/assets/`) {
				t.Errorf("%s: script tag %s is not the embedded script", target, tag)
			}
		}
		if strings.Contains(body, " style=") || strings.Contains(body, "<style") || strings.Contains(body, "http://") || strings.Contains(body, "https://") {
			t.Errorf("%s: inline style or an outside address", target)
		}
	}
}

func TestHandlerAnswers(t *testing.T) {
	h := Handler(source(t))
	for _, tc := range []struct {
		name, method, target string
		status               int
		header, value        string
	}{
		{"the list is HTML", http.MethodGet, "/_local/console/", 200, "Content-Type", "text/html; charset=utf-8"},
		{"the bare prefix redirects to the list", http.MethodGet, "/_local/console", 301, "Location", "/_local/console/"},
		{"an unknown execution is a 404 page", http.MethodGet, "/_local/console/executions/nope", 404, "Content-Type", "text/html; charset=utf-8"},
		{"an unknown page is a 404", http.MethodGet, "/_local/console/elsewhere", 404, "Content-Type", "text/html; charset=utf-8"},
		{"POST is not allowed", http.MethodPost, "/_local/console/", 405, "Allow", "GET, HEAD"},
		{"the stylesheet is embedded", http.MethodGet, "/_local/console/assets/console.css", 200, "Content-Type", "text/css; charset=utf-8"},
		{"the script is embedded", http.MethodGet, "/_local/console/assets/console.js", 200, "Content-Type", "text/javascript; charset=utf-8"},
		{"an unknown asset is a 404", http.MethodGet, "/_local/console/assets/nope.js", 404, "", ""},
		{"HEAD answers like GET", http.MethodHead, "/_local/console/executions/req-201", 200, "Cache-Control", "no-store"},
		{"every answer carries the CSP", http.MethodGet, "/_local/console/executions/req-201", 200, "Content-Security-Policy",
			"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := get(t, h, tc.method, tc.target)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			if tc.header != "" && w.Header().Get(tc.header) != tc.value {
				t.Errorf("%s = %q, want %q", tc.header, w.Header().Get(tc.header), tc.value)
			}
			if w.Header().Get("Content-Security-Policy") == "" || w.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("the security headers are missing")
			}
		})
	}
}

func BenchmarkExecutionPage(b *testing.B) {
	h := Handler(newFakeSource(redriven(b)))
	req := httptest.NewRequest(http.MethodGet, "/_local/console/executions/local-recovery-1", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
