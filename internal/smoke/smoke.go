// Package smoke walks a running payment API with signed requests and
// reports what it found as a table: the deployed stack (`make smoke`) or
// the local runner (`make smoke LOCAL=1`). It is what a platform engineer
// runs after `make deploy` to prove the stack works.
//
// The walk: GET /health; a payment with a fresh Idempotency-Key for the
// test merchant; its replay; GET of it; a card number refused with 422;
// an unsigned request refused with 403; then the recovery workflow's last
// execution and the alarms in ALARM. Every check that does not answer as
// the contract says is a surprise, and Report.Failed is true.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestMerchant is the merchant id of the smoke test's payments, so that
// they can be told from real ones (README "After deploying").
const TestMerchant = "m_smoke_test"

// UnsignedCallerHeader is the header the local runner sets on an answer
// to an unsigned request it accepted (it was started without
// -require-signature); the deployed API never sets it. Its value is
// api.LocalUnsignedCallerHeader (package test checks they agree).
const UnsignedCallerHeader = "X-Local-Unsigned-Caller"

// Config says what to walk.
type Config struct {
	// BaseURL is the API's URL (the stack's ApiUrl output, with its stage).
	BaseURL string
	// Credentials sign the requests (SigV4, service execute-api).
	Credentials aws.CredentialsProvider
	// Region is the API's region.
	Region string
	// HTTP sends the requests (default: a client with a 30 s timeout).
	HTTP *http.Client
	// Platform reports the recovery workflow's last execution and the
	// alarms in ALARM (AWS: Step Functions and CloudWatch; local: the
	// runner's /_local endpoints).
	Platform Platform
	// Key is the Idempotency-Key of the test payment (default: a fresh
	// random "smoke-..." key).
	Key string
	// Now is the signing clock (default time.Now).
	Now func() time.Time
}

// Platform reads the platform's own state.
type Platform interface {
	// LastRecovery returns the status of the recovery workflow's most
	// recent execution ("" when it has none yet) and when it started.
	LastRecovery(ctx context.Context) (status string, started time.Time, err error)
	// AlarmsInAlarm returns the names of the stack's alarms in ALARM.
	AlarmsInAlarm(ctx context.Context) ([]string, error)
}

// Check is one row of the report.
type Check struct {
	Name string
	// Want and Got are what the contract says and what was answered.
	Want, Got string
	OK        bool
}

// Report is the result of a walk.
type Report struct {
	Checks []Check
	// PaymentID is the test payment's id, when it was created.
	PaymentID string
}

// Failed reports whether any check was a surprise.
func (r Report) Failed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return true
		}
	}
	return len(r.Checks) == 0
}

// WriteTable prints the report as an aligned table and a verdict line.
func (r Report) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tWANT\tGOT\tRESULT")
	for _, c := range r.Checks {
		res := "ok"
		if !c.OK {
			res = "SURPRISE"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Want, oneLine(c.Got), res)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Failed() {
		_, err := fmt.Fprintln(w, "smoke: RED - see the SURPRISE rows (README \"After deploying\")")
		return err
	}
	_, err := fmt.Fprintln(w, "smoke: GREEN")
	return err
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	return s
}

// answer is an HTTP answer.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

func (a answer) String() string {
	if a.err != nil {
		return "error: " + a.err.Error()
	}
	return fmt.Sprintf("%d %s", a.status, a.body)
}

// field returns a string member of a JSON object body.
func (a answer) field(name string) string {
	var m map[string]any
	if json.Unmarshal(a.body, &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}

// isProblem reports whether the body is an RFC 9457 problem document
// whose status is the answer's.
func (a answer) isProblem() bool {
	var p struct {
		Type   string `json:"type"`
		Status int    `json:"status"`
	}
	return json.Unmarshal(a.body, &p) == nil && p.Type != "" && p.Status == a.status
}

type walker struct {
	cfg Config
	rep Report
}

// Run walks the API and the platform and returns the report; it never
// stops at the first surprise, so a red run shows everything that is
// wrong.
func Run(ctx context.Context, cfg Config) Report {
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Key == "" {
		cfg.Key = "smoke-" + rand.Text()
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	w := &walker{cfg: cfg}
	w.walk(ctx)
	return w.rep
}

func (w *walker) add(name, want, got string, ok bool) {
	w.rep.Checks = append(w.rep.Checks, Check{Name: name, Want: want, Got: got, OK: ok})
}

func (w *walker) walk(ctx context.Context) {
	h := w.send(ctx, http.MethodGet, "/health", nil, "", true)
	w.add("GET /health", "200 {\"status\":...}", h.String(), h.err == nil && h.status == http.StatusOK && h.field("status") != "")

	body := fmt.Sprintf(`{"amount":100,"currency":"USD","source":"tok_smoketestonly","merchant_id":%q,"description":"make smoke"}`, TestMerchant)
	hdr := map[string]string{"Content-Type": "application/json", "Idempotency-Key": w.cfg.Key}
	first := w.send(ctx, http.MethodPost, "/payments", hdr, body, true)
	id := first.field("id")
	w.add("POST /payments (fresh key)", "201 with an id", first.String(), first.err == nil && first.status == http.StatusCreated && id != "")
	if id != "" {
		w.rep.PaymentID = id
	}

	replay := w.send(ctx, http.MethodPost, "/payments", hdr, body, true)
	w.add("POST /payments (replay)", "201, Idempotent-Replayed: true, same id", replay.String(),
		replay.err == nil && replay.status == http.StatusCreated && replay.header.Get("Idempotent-Replayed") == "true" && id != "" && replay.field("id") == id)

	path := "/payments/" + id
	if id == "" {
		path = "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa" // still check the route answers
	}
	got := w.send(ctx, http.MethodGet, path, nil, "", true)
	w.add("GET /payments/{id}", "200 with the same id", got.String(), got.err == nil && got.status == http.StatusOK && id != "" && got.field("id") == id)

	// A public test card number (Visa's 4242...): never a real one.
	card := fmt.Sprintf(`{"amount":100,"currency":"USD","source":"tok_smoketestonly","merchant_id":%q,"description":"card 4242 4242 4242 4242"}`, TestMerchant)
	refused := w.send(ctx, http.MethodPost, "/payments", map[string]string{"Content-Type": "application/json", "Idempotency-Key": w.cfg.Key + "-card"}, card, true)
	w.add("POST /payments (card number)", "422 problem", statusOnly(refused), refused.err == nil && refused.status == http.StatusUnprocessableEntity && refused.isProblem())

	unsigned := w.send(ctx, http.MethodGet, path, nil, "", false)
	switch {
	case unsigned.err == nil && unsigned.header.Get(UnsignedCallerHeader) != "":
		// A local runner started without -require-signature answers
		// unsigned requests as its default caller, on purpose.
		w.add("GET /payments/{id} unsigned", "403 problem", "accepted as "+unsigned.header.Get(UnsignedCallerHeader)+" (local runner without -require-signature: not checked)", true)
	default:
		w.add("GET /payments/{id} unsigned", "403 problem", unsigned.String(), unsigned.err == nil && unsigned.status == http.StatusForbidden && unsigned.isProblem())
	}

	if w.cfg.Platform == nil {
		return
	}
	status, started, err := w.cfg.Platform.LastRecovery(ctx)
	switch {
	case err != nil:
		w.add("recovery workflow, last execution", "SUCCEEDED or RUNNING", "error: "+err.Error(), false)
	case status == "":
		w.add("recovery workflow, last execution", "SUCCEEDED or RUNNING", "none yet", true)
	default:
		w.add("recovery workflow, last execution", "SUCCEEDED or RUNNING", status+" (started "+started.UTC().Format(time.RFC3339)+")",
			status == "SUCCEEDED" || status == "RUNNING")
	}
	alarms, err := w.cfg.Platform.AlarmsInAlarm(ctx)
	switch {
	case err != nil:
		w.add("alarms in ALARM", "none", "error: "+err.Error(), false)
	case len(alarms) == 0:
		w.add("alarms in ALARM", "none", "none", true)
	default:
		w.add("alarms in ALARM", "none", strings.Join(alarms, ", "), false)
	}
}

// statusOnly shows an answer without its body (a refused card number's
// problem names no digits, but the table need not repeat it).
func statusOnly(a answer) string {
	if a.err != nil {
		return a.String()
	}
	return fmt.Sprintf("%d %s", a.status, a.header.Get("Content-Type"))
}

// send sends one request, SigV4-signed for execute-api when sign is set.
func (w *walker) send(ctx context.Context, method, path string, header map[string]string, body string, sign bool) answer {
	req, err := http.NewRequestWithContext(ctx, method, w.cfg.BaseURL+path, bytes.NewReader([]byte(body)))
	if err != nil {
		return answer{err: err}
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if sign {
		if w.cfg.Credentials == nil {
			return answer{err: fmt.Errorf("no credentials to sign with")}
		}
		creds, err := w.cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return answer{err: fmt.Errorf("credentials: %w", err)}
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "execute-api", w.cfg.Region, w.cfg.Now()); err != nil {
			return answer{err: err}
		}
	}
	resp, err := w.cfg.HTTP.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return answer{status: resp.StatusCode, header: resp.Header, body: b, err: err}
}
