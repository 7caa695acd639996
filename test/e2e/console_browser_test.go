package e2e

import (
	"context"
	"encoding/base64"
	"flag"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/resilientpay/paymentapi/localrun"
)

// TestConsoleInABrowser drives headless Chromium against the local runner
// (DynamoDB Local and the SQS emulator included): a payment answered 201
// and one answered 202 appear in the console's list, the second while the
// page is open; each execution page draws the workflow with the states
// the payment went through; a state's input and output open by mouse and
// by keyboard; no page holds an idempotency key, a token or a body; and
// the pages raise no console error (a CSP violation would). Screenshots go
// to the test's artifact directory (go test -artifacts) or to
// $TMPDIR/paymentapi-console-screenshots; UPDATE_DOCS=1 also refreshes
// the README's screenshot.
func TestConsoleInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser against the emulators; skipped in -short mode")
	}
	// Its runner has its own tables and queues on the shared emulators, so
	// it runs beside the other end-to-end tests.
	t.Parallel()
	chromium := chromiumPath(t)
	began := time.Now()
	phase := func(what string) {
		t.Logf("%6.1fs %s", time.Since(began).Seconds(), what)
	}
	// Chromium starts while the app synthesizes and the emulators start.
	type started struct {
		ctx    context.Context
		cancel context.CancelFunc
		err    error
	}
	launched := make(chan started, 1)
	profile := t.TempDir()
	go func() {
		ctx, cancel, err := browser(chromium, profile)
		launched <- started{ctx, cancel, err}
	}()
	var (
		b        started
		received bool
	)
	t.Cleanup(func() {
		if !received {
			b = <-launched // the runner failed to start first
		}
		if b.cancel != nil {
			b.cancel()
		}
	})
	r := startRunnerForBrowser(t, phase)
	base := "http://" + r.Addr()
	shots := screenshotDir(t)
	t.Logf("screenshots: %s", shots)

	b, received = <-launched, true
	if b.err != nil {
		t.Fatalf("starting chromium: %v", b.err)
	}
	ctx := b.ctx
	phase("chromium started")
	var (
		mu       sync.Mutex
		problems []string
	)
	go func() {
		for m, err := range chromedp.Console(ctx) {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				problems = append(problems, m.String()+" at "+m.URL)
				mu.Unlock()
			}
		}
	}()

	run := time.Now().UnixNano()
	key201, key202 := "console-201-"+strconv.FormatInt(run, 36), "console-202-"+strconv.FormatInt(run, 36)
	const token = "tok_browserconsole42x"
	body := `{"amount":1250,"currency":"EUR","source":"` + token + `","merchant_id":"m_console"}`
	secrets := []string{key201, key202, token, base64.StdEncoding.EncodeToString([]byte(body))}
	for _, k := range []string{key201, key202} {
		secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(k)))
	}
	noSecrets := func(what string) {
		t.Helper()
		html, err := chromedp.Run(ctx, chromedp.OuterHTML("html"))
		if err != nil {
			t.Fatalf("%s: reading the page: %v", what, err)
		}
		for _, s := range secrets {
			if strings.Contains(html, s) {
				t.Errorf("%s shows the secret %q", what, s)
			}
		}
	}
	shot := func(name string, full bool) {
		t.Helper()
		a := chromedp.CaptureScreenshot()
		if full {
			a = chromedp.FullScreenshot(100)
		}
		png, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(shots, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	id201 := payFor(t, base, key201, body, http.StatusCreated)
	recovery := r.RunRecovery(context.Background())
	if recovery == nil {
		t.Fatal("the recovery workflow did not run")
	}

	// The list, open while the 202 happens: its row must appear without
	// a reload.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_local/console/"), chromedp.WaitVisible(`tr[data-id="`+id201+`"]`),
		chromedp.WaitVisible(`tr[data-id="`+recovery.ID+`"]`)); err != nil {
		t.Fatalf("the list does not show the 201 and the recovery executions: %v", err)
	}
	if err := r.Faults().Apply(localrun.FaultRequest{Store: localrun.FaultUnavailable, Seconds: 60}); err != nil {
		t.Fatal(err)
	}
	id202 := payFor(t, base, key202, body, http.StatusAccepted)
	if err := r.Faults().Apply(localrun.FaultRequest{Store: localrun.FaultOK}); err != nil {
		t.Fatal(err)
	}
	// The page polls every 2 s; the bound only keeps a broken poll from
	// using the whole browsing budget, with room for a loaded machine.
	waitCtx, waitCancel := context.WithTimeout(ctx, time.Minute)
	err := chromedp.Do(waitCtx, chromedp.WaitVisible(`tr[data-id="`+id202+`"]`))
	waitCancel()
	if err != nil {
		t.Fatalf("the open list did not show the 202 execution: %v", err)
	}
	answers, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll('#execution-rows tr[data-id]')].map(tr => [tr.dataset.id, tr.dataset.http]))`))
	if err != nil {
		t.Fatal(err)
	}
	if answers[id201] != "201" || answers[id202] != "202" || answers[recovery.ID] != "none" {
		t.Errorf("the list shows the answers %v, want %s: 201, %s: 202 and %s: none", answers, id201, id202, recovery.ID)
	}
	// Every row's Path column names the states its execution went
	// through as soon as it ended, though no execution page was opened.
	paths, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
		`Object.fromEntries([...document.querySelectorAll('#execution-rows tr[data-id]')].map(tr => [tr.dataset.id, tr.querySelector('td.path').textContent]))`))
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{id201: "Processed", id202: "Queued", recovery.ID: "Start"} {
		if !strings.Contains(paths[id], want) {
			t.Errorf("the list's Path of %s is %q before its page was opened, want the states it went through (%s)", id, paths[id], want)
		}
	}
	phase("list checked")
	noSecrets("the list")
	shot("console-list.png", true)

	for _, tc := range []struct {
		id, name string
		want     map[string]string
	}{
		{id201, "201", map[string]string{"Validate": "succeeded", "Persist": "succeeded", "Processed": "succeeded", "EnqueueOnFailure": "notrun", "Queued": "notrun"}},
		{id202, "202", map[string]string{"Validate": "succeeded", "Persist": "caught", "EnqueueOnFailure": "succeeded", "Queued": "succeeded", "Processed": "notrun"}},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_local/console/executions/"+tc.id), chromedp.WaitVisible(`#workflow-graph`)); err != nil {
			t.Fatalf("execution page of the %s: %v", tc.name, err)
		}
		drawn, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](
			`Object.fromEntries([...document.querySelectorAll('#workflow-graph .node-link')].map(a => [a.dataset.state, a.querySelector('g.node').dataset.status]))`))
		if err != nil {
			t.Fatal(err)
		}
		for state, want := range tc.want {
			if drawn[state] != want {
				t.Errorf("the %s's graph draws %s as %q, want %q", tc.name, state, drawn[state], want)
			}
		}
		// The boxes are really drawn: the browser measured them.
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('#workflow-graph .node-link[data-state="Persist"] rect').getBBox().width`))
		if err != nil || width < 100 {
			t.Errorf("the %s's Persist box is %.0f px wide (%v)", tc.name, width, err)
		}
		taken, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#workflow-graph path.edge.taken').length`))
		if err != nil || taken < 3 {
			t.Errorf("the %s's graph highlights %d transitions (%v), want at least 3", tc.name, taken, err)
		}
		// No edge label overprints another: the browser measures the
		// drawn text (under Persisted? the Choice's rules and Default).
		overlaps, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](labelOverlaps))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range overlaps {
			t.Errorf("the %s's graph draws overlapping edge labels: %s", tc.name, o)
		}
		noSecrets("the " + tc.name + "'s execution page")
		shot("console-execution-"+tc.name+".png", true)
	}
	// The recovery workflow draws too, its Map as a container.
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_local/console/executions/"+recovery.ID),
		chromedp.WaitVisible(`#workflow-graph .node.container`)); err != nil {
		t.Fatalf("the recovery execution's page: %v", err)
	}
	shot("console-execution-recovery.png", true)
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_local/console/executions/"+id202), chromedp.WaitVisible(`#workflow-graph`)); err != nil {
		t.Fatal(err)
	}
	phase("execution pages checked")

	// On the 202's page (the last one open): a click on Persist shows its
	// retries and says that, as deployed, the payments workflow logs no
	// execution data; Enter on a focused state shows that one's details.
	if err := chromedp.Do(ctx, chromedp.Click(`#workflow-graph .node-link[data-state="Persist"]`),
		chromedp.WaitVisible(`section.state-detail[data-state="Persist"] h4`)); err != nil {
		t.Fatalf("clicking Persist did not show its details: %v", err)
	}
	details, err := chromedp.Run(ctx, chromedp.Text(`section.state-detail[data-state="Persist"]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"retries", "caught", "not logged"} {
		if !strings.Contains(details, want) {
			t.Errorf("Persist's details lack %q:\n%s", want, details)
		}
	}
	noSecrets("the 202's Persist details")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	shot("console-execution-202-persist.png", false)
	if os.Getenv("UPDATE_DOCS") == "1" {
		png, err := os.ReadFile(filepath.Join(shots, "console-execution-202-persist.png"))
		if err == nil {
			err = os.WriteFile(filepath.Join(moduleDir(), "docs", "img", "console-execution.png"), png, 0o644)
		}
		if err != nil {
			t.Fatalf("updating the README's screenshot: %v", err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Focus(`#workflow-graph .node-link[data-state="EnqueueOnFailure"]`), chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(`section.state-detail[data-state="EnqueueOnFailure"] h4`)); err != nil {
		t.Fatalf("Enter on the focused EnqueueOnFailure did not show its details: %v", err)
	}
	// The recovery workflow logs its execution data: a click on CheckHealth
	// shows the state's input and output (the health report).
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/_local/console/executions/"+recovery.ID),
		chromedp.WaitVisible(`#workflow-graph`), chromedp.Click(`#workflow-graph .node-link[data-state="CheckHealth"]`),
		chromedp.WaitVisible(`section.state-detail[data-state="CheckHealth"] details[open] pre.json`)); err != nil {
		t.Fatalf("clicking CheckHealth did not show its input and output: %v", err)
	}
	health, err := chromedp.Run(ctx, chromedp.Text(`section.state-detail[data-state="CheckHealth"]`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Input", "Output", "redriveNeeded"} {
		if !strings.Contains(health, want) {
			t.Errorf("CheckHealth's details lack %q:\n%s", want, health)
		}
	}
	// The recovery workflow never sees a payment: the payment rules do not
	// redact its input (the EventBridge target's {"trigger": ...}) nor
	// anything else it shows.
	if err := chromedp.Do(ctx, chromedp.Click(`#workflow-graph .node-link[data-state="Start"]`),
		chromedp.WaitVisible(`section.state-detail[data-state="Start"] details[open] pre.json`)); err != nil {
		t.Fatalf("clicking the recovery's Start state did not show its input: %v", err)
	}
	start, err := chromedp.Run(ctx, chromedp.Text(`section.state-detail[data-state="Start"]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(start, "schedule") || strings.Contains(start, "[redacted]") {
		t.Errorf("the recovery's Start input should show its trigger unredacted:\n%s", start)
	}
	if page, err := chromedp.Run(ctx, chromedp.Text(`body`)); err != nil || strings.Contains(page, "[redacted]") {
		t.Errorf("the recovery execution's page redacts something (%v):\n%s", err, page)
	}

	phase("details checked")
	mu.Lock()
	defer mu.Unlock()
	for _, p := range problems {
		t.Errorf("the browser console reported: %s", p)
	}
}

// labelOverlaps lists the pairs of edge labels of the page's graph whose
// drawn text boxes intersect.
const labelOverlaps = `(() => {
  const labels = [...document.querySelectorAll('#workflow-graph text.edge-label')].map(t => [t.textContent, t.getBBox()]);
  const out = [];
  labels.forEach(([a, p], i) => labels.slice(i + 1).forEach(([b, q]) => {
    if (p.x < q.x + q.width && q.x < p.x + p.width && p.y < q.y + q.height && q.y < p.y + p.height)
      out.push(a + ' at ' + [p.x, p.y, p.width, p.height].map(Math.round) + ' and ' + b + ' at ' + [q.x, q.y, q.width, q.height].map(Math.round));
  }));
  return out;
})()`

// chromiumPath finds Chromium, or skips the test when it is missing
// outside CI (CI must run it: .ci/run installs Chromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv("CI") == "" {
		t.Skip("chromium is not installed (Debian: apt-get install -y chromium), so the console's browser test is skipped; CI runs it")
	}
	t.Fatal("CI is set but chromium is not installed; .ci/run installs it with apt-get")
	return ""
}

// startRunnerForBrowser starts the local runner with its emulators on a
// free port, on the test binary's one synthesis, as `make run` does; the
// recovery workflow runs only when the test asks.
func startRunnerForBrowser(t *testing.T, phase func(string)) *localrun.Runner {
	t.Helper()
	e := startLocal(t, func(c *localrun.Config) { c.RecoveryInterval = -1 })
	phase("runner and emulators started")
	return e.r
}

// browser starts headless Chromium with the flags that work on a machine
// without a network or a sandbox, and a fresh profile. The returned
// context bounds the test's browsing to two minutes.
func browser(path, profile string) (context.Context, context.CancelFunc, error) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	// The first action starts the browser; it must not run under a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate("about:blank")); err != nil {
		cancel()
		acancel()
		return nil, nil, err
	}
	tctx, tcancel := context.WithTimeout(ctx, 2*time.Minute)
	return tctx, func() { tcancel(); cancel(); acancel() }, nil
}

// screenshotDir is the test's artifact directory when go test runs with
// -artifacts, else a directory under the system's temporary directory
// that outlives the test.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir()
	}
	dir := filepath.Join(os.TempDir(), "paymentapi-console-screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// pay posts a payment and returns the request id of the answer.
func payFor(t *testing.T, base, key, body string, want int) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/payments", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("POST /payments answered %d, want %d: %s", resp.StatusCode, want, b)
	}
	id := resp.Header.Get(localrun.RequestIDHeader)
	if id == "" {
		t.Fatal("the answer has no request id")
	}
	return id
}
