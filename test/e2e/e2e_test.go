package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/localrun"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// e2e is the local platform under test, started once for the end-to-end
// tests, with the accepted payments it saw.
type e2e struct {
	r    *localrun.Runner
	base string
	http *http.Client
	// logs holds every log line of the runner and the handlers.
	logs *syncBuffer

	mu       sync.Mutex
	accepted map[string]bool // payment ids answered 201 or 202
}

// syncBuffer collects the runner's logs; they are printed when a test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLocal runs the local platform on the synthesized template with
// short local timings: the queue's messages come back after 1 s, the
// recovery workflow runs every 500 ms with its waits divided by 100.
func startLocal(t testing.TB, options ...func(*localrun.Config)) *e2e {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end run against the emulators; skipped in -short mode")
	}
	tpl := localTemplate(t)
	logs := &syncBuffer{}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The end-to-end tests share the test binary's emulators; each runner
	// names its table and queues with its own prefix.
	cfg := localrun.Config{
		Template: tpl, Suffix: "dev",
		DynamoDBEndpoint: emulator.DynamoDB(t), SQSEndpoint: emulator.SQS(t),
		ResourcePrefix:   resourcePrefix(t.Name()),
		RecoveryInterval: 500 * time.Millisecond, TimeScale: 100,
		// Alarm periods of 1.5 s: a failure alarm holds 4.5 s after the
		// last failure, as it holds 15 minutes deployed.
		AlarmTimeScale:    200,
		VisibilityTimeout: time.Second, PollInterval: 100 * time.Millisecond,
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	}
	for _, o := range options {
		o(&cfg)
	}
	r, err := localrun.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting the local platform: %v", err)
	}
	t.Cleanup(func() {
		r.Stop()
		if t.Failed() {
			t.Logf("runner logs:\n%s", logs.String())
		}
	})
	if err := r.Serve("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return &e2e{r: r, base: "http://" + r.Addr(), http: &http.Client{Timeout: 40 * time.Second}, logs: logs, accepted: map[string]bool{}}
}

// resourcePrefix names a runner's local resources after its test, a hash
// of the test's full name (subtests often share their first words) and a
// random part (so that -count=2 starts on fresh tables and queues), short
// enough for SQS's 80-character queue names.
func resourcePrefix(testName string) string {
	p := strings.ToLower(strings.NewReplacer("/", "", "_", "").Replace(testName))
	sum := sha256.Sum256([]byte(testName))
	var run [2]byte
	_, _ = rand.Read(run[:])
	return p[:min(len(p), 10)] + hex.EncodeToString(sum[:3]) + hex.EncodeToString(run[:]) + "-"
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (rp reply) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(rp.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %s", rp.status, rp.body)
	}
	return m
}

func (e *e2e) do(t *testing.T, method, path string, header map[string]string, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, e.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get(localrun.RequestIDHeader) == "" {
		t.Errorf("%s %s: no %s header", method, path, localrun.RequestIDHeader)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// pay posts a payment as JSON as the default local caller and records the
// ids of accepted payments.
func (e *e2e) pay(t *testing.T, key, body string) reply {
	t.Helper()
	return e.payAs(t, "", key, body)
}

// payAs posts a payment as caller (the local stand-in for the SigV4
// identity; "" for the default caller).
func (e *e2e) payAs(t *testing.T, caller, key, body string) reply {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Idempotency-Key": key}
	if caller != "" {
		h[api.LocalCallerHeader] = caller
	}
	rp := e.do(t, http.MethodPost, "/payments", h, body)
	if rp.status == http.StatusCreated || rp.status == http.StatusAccepted {
		id, _ := rp.json(t)["id"].(string)
		if id == "" {
			t.Fatalf("accepted payment without id: %s", rp.body)
		}
		e.mu.Lock()
		e.accepted[id] = true
		e.mu.Unlock()
	}
	return rp
}

func paymentBody(amount int, source string) string {
	return fmt.Sprintf(`{"amount":%d,"currency":"EUR","source":%q,"merchant_id":"m_e2e"}`, amount, source)
}

// uniqueKey returns an idempotency key no other test uses.
// alarmNames are the alarm names of a health report.
func alarmNames(report map[string]any) []string {
	var out []string
	for _, k := range []string{"alarmsInAlarm", "nonBlockingAlarmsInAlarm", "alarmsInsufficientData"} {
		for _, a := range report[k].([]any) {
			out = append(out, a.(string))
		}
	}
	return out
}

func uniqueKey(t *testing.T) string {
	return strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
}

func wantStatus(t *testing.T, rp reply, status int, contentType string) {
	t.Helper()
	if rp.status != status {
		t.Fatalf("status = %d, want %d; body %s", rp.status, status, rp.body)
	}
	if got := rp.header.Get("Content-Type"); got != contentType {
		t.Errorf("Content-Type = %q, want %q", got, contentType)
	}
}

// eventually polls cond until it holds or the timeout passes.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (e *e2e) setFault(t *testing.T, fault string) {
	t.Helper()
	rp := e.do(t, http.MethodPost, "/_local/faults", nil, fault)
	if rp.status != http.StatusOK {
		t.Fatalf("setting fault %s: %d %s", fault, rp.status, rp.body)
	}
}

func (e *e2e) queueDepth(t *testing.T, url string) int {
	t.Helper()
	out, err := e.r.SQS().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible} {
		v, _ := strconv.Atoi(out.Attributes[string(k)])
		n += v
	}
	return n
}

func (e *e2e) counter(t *testing.T, name string) float64 {
	t.Helper()
	var m struct {
		Counters map[string]float64 `json:"counters"`
	}
	if err := json.Unmarshal(e.do(t, http.MethodGet, "/_local/metrics", nil, "").body, &m); err != nil {
		t.Fatal(err)
	}
	return m.Counters[name]
}

// TestLocalAPI runs the payment API locally, end to end: HTTP in, the
// synthesized payments workflow with the real handlers, DynamoDB Local and
// the SQS emulator behind it, and the recovery workflow redriving what the
// DLQ holds.
func TestLocalAPI(t *testing.T) {
	t.Parallel()
	e := startLocal(t)

	// The contract cases share nothing but the platform: they run in
	// parallel on one runner, then its payments are checked.
	t.Run("contract", func(t *testing.T) {
		for _, tc := range contractCases {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, e)
			})
		}
	})
	t.Run("every accepted payment is stored exactly once and no message is left in any queue", func(t *testing.T) {
		e.storedExactlyOnce(t, 5)
	})
	// Each fault case changes its platform, so it gets its own runner
	// (its own table and queues on the shared emulators); they run in
	// parallel, each ending with the same check of its own payments.
	for _, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fe := startLocal(t)
			tc.run(t, fe)
			t.Run("every accepted payment is stored exactly once and no message is left in any queue", func(t *testing.T) {
				fe.storedExactlyOnce(t, 0)
			})
		})
	}
}

// forEachStoredPayment calls f with every payment item of the runner's
// table (consistent reads) and its payment id.
func (e *e2e) forEachStoredPayment(t *testing.T, f func(id string, item map[string]ddbtypes.AttributeValue)) {
	t.Helper()
	p := dynamodb.NewScanPaginator(e.r.DynamoDB(), &dynamodb.ScanInput{TableName: aws.String(e.r.TableName()), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if pk, _ := it["pk"].(*ddbtypes.AttributeValueMemberS); pk != nil {
				if id, ok := strings.CutPrefix(pk.Value, "PAYMENT#"); ok {
					f(id, it)
				}
			}
		}
	}
}

// storedPayments counts the payment items of the runner's table by id.
func (e *e2e) storedPayments(t *testing.T) map[string]int {
	t.Helper()
	stored := map[string]int{}
	e.forEachStoredPayment(t, func(id string, _ map[string]ddbtypes.AttributeValue) { stored[id]++ })
	return stored
}

// storedExactlyOnce waits until the runner's queues are drained and checks
// that every payment its clients saw accepted (201 or 202) is stored once
// and that nothing else is stored; at least min payments must have been
// accepted (atLeast), so that the check cannot pass on cases that did not
// run.
func (e *e2e) storedExactlyOnce(t *testing.T, atLeast int) {
	t.Helper()
	queueURL, dlqURL := e.r.QueueURLs()
	eventually(t, 20*time.Second, "the queues never drained", func() bool {
		return e.queueDepth(t, queueURL) == 0 && e.queueDepth(t, dlqURL) == 0
	})
	stored := e.storedPayments(t)
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.accepted) < atLeast {
		t.Fatalf("only %d payments were accepted; the cases above did not run", len(e.accepted))
	}
	for id := range e.accepted {
		if stored[id] != 1 {
			t.Errorf("accepted payment %s is stored %d times, want once", id, stored[id])
		}
	}
	for id := range stored {
		if !e.accepted[id] {
			t.Errorf("payment %s is stored but was never accepted", id)
		}
	}
}

type e2eCase struct {
	name string
	run  func(t *testing.T, e *e2e)
}

var contractCases = []e2eCase{
	{"a valid payment is processed with 201 and can be read back", func(t *testing.T, e *e2e) {
		rp := e.pay(t, uniqueKey(t), paymentBody(1250, "tok_visa4242abcd"))
		wantStatus(t, rp, http.StatusCreated, "application/json")
		if rp.header.Get("Idempotent-Replayed") != "" {
			t.Errorf("a first request is marked replayed")
		}
		created := rp.json(t)
		if created["status"] != "PROCESSED" || created["source"] == "tok_visa4242abcd" {
			t.Errorf("unexpected receipt %s (the source must be masked)", rp.body)
		}
		got := e.do(t, http.MethodGet, "/payments/"+created["id"].(string), nil, "")
		wantStatus(t, got, http.StatusOK, "application/json")
		if !bytes.Equal(got.body, rp.body) {
			t.Errorf("GET answers %s, want the receipt %s", got.body, rp.body)
		}
	}},
	{"an invalid payment is refused with 400 and a per-field list", func(t *testing.T, e *e2e) {
		rp := e.pay(t, uniqueKey(t), `{"amount":0,"currency":"XXX","source":"tok_visa4242abcd","merchant_id":"m_e2e"}`)
		wantStatus(t, rp, http.StatusBadRequest, "application/problem+json")
		fields := map[string]bool{}
		errs, _ := rp.json(t)["errors"].([]any)
		for _, fe := range errs {
			f, _ := fe.(map[string]any)
			fields[fmt.Sprint(f["field"])] = true
		}
		if !fields["amount"] || !fields["currency"] {
			t.Errorf("errors name %v, want amount and currency: %s", fields, rp.body)
		}
	}},
	{"a body without a required field is refused by the gateway validator with 400", func(t *testing.T, e *e2e) {
		rp := e.pay(t, uniqueKey(t), `{"amount":100,"currency":"EUR","source":"tok_visa4242abcd"}`)
		wantStatus(t, rp, http.StatusBadRequest, "application/problem+json")
	}},
	{"a request without an Idempotency-Key is refused with 400", func(t *testing.T, e *e2e) {
		rp := e.do(t, http.MethodPost, "/payments", map[string]string{"Content-Type": "application/json"}, paymentBody(100, "tok_visa4242abcd"))
		wantStatus(t, rp, http.StatusBadRequest, "application/problem+json")
		if !strings.Contains(string(rp.body), "Idempotency-Key") {
			t.Errorf("the problem does not name the header: %s", rp.body)
		}
	}},
	{"card data is refused with 422 and not echoed", func(t *testing.T, e *e2e) {
		rp := e.pay(t, uniqueKey(t), paymentBody(100, "4242 4242 4242 4242"))
		wantStatus(t, rp, http.StatusUnprocessableEntity, "application/problem+json")
		if strings.Contains(string(rp.body), "4242") {
			t.Errorf("the answer echoes card digits: %s", rp.body)
		}
	}},
	{"card data in any encoding is refused with 422 and reaches no log, history, table or queue", func(t *testing.T, e *e2e) {
		// A Mastercard test number no other case uses, in the encodings
		// issue 13 found accepted, and in the idempotency key.
		encodings := []string{"5105.1051.0510.5100", "5105/1051/0510/5100", "5105_1051_0510_5100", "5105  1051  0510  5100",
			"5105\u00a01051\u00a00510\u00a05100", "５１０５１０５１０５１０５１００", "5105105105105100"}
		var ids []string
		for i, enc := range encodings {
			quoted, _ := json.Marshal(enc)
			body := fmt.Sprintf(`{"amount":100,"currency":"EUR","source":"tok_cardtest1234","merchant_id":"m_e2e","description":%s}`, quoted)
			key := uniqueKey(t)
			if i == len(encodings)-1 {
				key += "-" + enc
				body = paymentBody(100, "tok_cardtest1234")
			}
			rp := e.pay(t, key, body)
			wantStatus(t, rp, http.StatusUnprocessableEntity, "application/problem+json")
			if !strings.Contains(rp.json(t)["type"].(string), "CardDataRejected") {
				t.Errorf("%q: problem %s, want Payment.CardDataRejected", enc, rp.body)
			}
			ids = append(ids, rp.header.Get(localrun.RequestIDHeader))
		}
		// What would betray the number: each encoding, its digits run
		// together, and each encoding as the base64 the execution input
		// carries. (A 4-digit piece is no evidence: request ids and
		// timestamps in the logs hold such runs by chance.)
		secrets := append([]string{"5105105105105100", "51051051", "05105100"}, encodings...)
		for _, enc := range encodings {
			secrets = append(secrets, base64.StdEncoding.EncodeToString([]byte(enc))[:12])
		}
		for _, id := range ids {
			h := e.do(t, http.MethodGet, "/_local/executions/"+id, nil, "")
			wantStatus(t, h, http.StatusOK, "application/json")
			if !bytes.Contains(h.body, []byte(`"CardDataRejected"`)) && !bytes.Contains(h.body, []byte(`Payment.CardDataRejected`)) {
				t.Errorf("the history does not show the refusal: %s", h.body)
			}
			for _, field := range []string{`"input"`, `"output"`, `"cause"`} {
				if bytes.Contains(h.body, []byte(field)) {
					t.Errorf("the history of a refused request holds execution data (%s): %s", field, h.body)
				}
			}
		}
		for _, secret := range secrets {
			if strings.Contains(e.logs.String(), secret) {
				t.Errorf("the logs hold %q", secret)
			}
		}
		out, err := e.r.DynamoDB().Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(e.r.TableName()), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		items, _ := json.Marshal(out.Items)
		for _, secret := range secrets {
			if bytes.Contains(items, []byte(secret)) {
				t.Errorf("the table holds %q", secret)
			}
		}
	}},
	{"a replay with the same key and body answers the first response again", func(t *testing.T, e *e2e) {
		key, body := uniqueKey(t), paymentBody(990, "tok_replay1234abcd")
		first := e.pay(t, key, body)
		wantStatus(t, first, http.StatusCreated, "application/json")
		again := e.pay(t, key, body)
		wantStatus(t, again, http.StatusCreated, "application/json")
		if again.header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("Idempotent-Replayed = %q, want true", again.header.Get("Idempotent-Replayed"))
		}
		if !bytes.Equal(first.body, again.body) {
			t.Errorf("replay body %s differs from the first %s", again.body, first.body)
		}
	}},
	{"the same key with a different body is refused with 422", func(t *testing.T, e *e2e) {
		key := uniqueKey(t)
		wantStatus(t, e.pay(t, key, paymentBody(500, "tok_reuse1234abcd")), http.StatusCreated, "application/json")
		rp := e.pay(t, key, paymentBody(501, "tok_reuse1234abcd"))
		wantStatus(t, rp, http.StatusUnprocessableEntity, "application/problem+json")
		if !strings.Contains(rp.json(t)["type"].(string), "IdempotencyKeyReused") {
			t.Errorf("problem type %v, want Payment.IdempotencyKeyReused", rp.json(t)["type"])
		}
	}},
	{"a body over the contract's 16 KiB is refused with 413, as the web ACL does", func(t *testing.T, e *e2e) {
		desc := strings.Repeat("x", 17<<10)
		rp := e.pay(t, uniqueKey(t), `{"amount":100,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_e2e","description":"`+desc+`"}`)
		wantStatus(t, rp, http.StatusRequestEntityTooLarge, "application/json")
		if string(rp.body) != api.TooLargeProblemBody() {
			t.Errorf("body %s, want %s", rp.body, api.TooLargeProblemBody())
		}
	}},
	{"a body that is not application/json is refused with 415", func(t *testing.T, e *e2e) {
		rp := e.do(t, http.MethodPost, "/payments", map[string]string{"Content-Type": "text/plain", "Idempotency-Key": uniqueKey(t)},
			paymentBody(100, "tok_visa4242abcd"))
		wantStatus(t, rp, http.StatusUnsupportedMediaType, "application/problem+json")
	}},
	{"an unknown payment id and a malformed one are both 404, with the same answer", func(t *testing.T, e *e2e) {
		unknown := e.do(t, http.MethodGet, "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", nil, "")
		wantStatus(t, unknown, http.StatusNotFound, "application/problem+json")
		for _, id := range []string{"not-an-id", "does-not-exist-1a2b3c", "4111111111111111"} {
			malformed := e.do(t, http.MethodGet, "/payments/"+id, nil, "")
			wantStatus(t, malformed, http.StatusNotFound, "application/problem+json")
			if !bytes.Equal(malformed.body, unknown.body) {
				t.Errorf("GET /payments/%s answers %s, the unknown id %s", id, malformed.body, unknown.body)
			}
		}
	}},
	{"the README's curl examples work without a caller header and answer the id the README shows", func(t *testing.T, e *e2e) {
		readme, err := os.ReadFile(filepath.Join(moduleDir(), "README.md"))
		if err != nil {
			t.Fatal(err)
		}
		shown := regexp.MustCompile(`/payments/(pay_[a-z2-7]{26})`).FindStringSubmatch(string(readme))
		if shown == nil {
			t.Fatal("the README shows no payment id")
		}
		rp := e.pay(t, "first-try-1", `{"amount":1250,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}`)
		wantStatus(t, rp, http.StatusCreated, "application/json")
		if id := rp.json(t)["id"]; id != shown[1] {
			t.Errorf("the README's POST answers id %v, the README shows %s", id, shown[1])
		}
		wantStatus(t, e.do(t, http.MethodGet, "/payments/"+shown[1], nil, ""), http.StatusOK, "application/json")
	}},
	{"each caller sees only its own payments", func(t *testing.T, e *e2e) {
		alice, bob := "arn:aws:iam::000000000000:user/alice", "arn:aws:sts::000000000000:assumed-role/bob-service/i-1"
		created := e.payAs(t, alice, uniqueKey(t), paymentBody(1500, "tok_alice1234abcd"))
		wantStatus(t, created, http.StatusCreated, "application/json")
		path := "/payments/" + created.json(t)["id"].(string)
		unknown := e.do(t, http.MethodGet, "/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", map[string]string{api.LocalCallerHeader: bob}, "")

		got := e.do(t, http.MethodGet, path, map[string]string{api.LocalCallerHeader: alice}, "")
		wantStatus(t, got, http.StatusOK, "application/json")
		if !bytes.Equal(got.body, created.body) {
			t.Errorf("the owner reads %s, want its receipt %s", got.body, created.body)
		}
		for name, h := range map[string]map[string]string{
			"another caller":     {api.LocalCallerHeader: bob},
			"the default caller": nil,
		} {
			rp := e.do(t, http.MethodGet, path, h, "")
			wantStatus(t, rp, http.StatusNotFound, "application/problem+json")
			if !bytes.Equal(rp.body, unknown.body) {
				t.Errorf("%s reads %s, want the unknown id's answer %s", name, rp.body, unknown.body)
			}
		}
	}},
	{"the same key from two callers makes two independent payments", func(t *testing.T, e *e2e) {
		alice, bob := "arn:aws:iam::000000000000:user/alice", "arn:aws:sts::000000000000:assumed-role/bob-service/i-1"
		key := uniqueKey(t)
		a := e.payAs(t, alice, key, paymentBody(2000, "tok_sharedkey1234"))
		wantStatus(t, a, http.StatusCreated, "application/json")
		b := e.payAs(t, bob, key, paymentBody(2000, "tok_sharedkey1234"))
		wantStatus(t, b, http.StatusCreated, "application/json")
		if b.header.Get(api.ReplayedHeader) != "" || a.json(t)["id"] == b.json(t)["id"] {
			t.Fatalf("bob's payment replays alice's: %s / %s", a.body, b.body)
		}
		// Another session of bob's role is bob: another body under his key
		// is key reuse. Carol, another caller, may use the key for any body.
		other := e.payAs(t, "arn:aws:sts::000000000000:assumed-role/bob-service/i-2", key, paymentBody(2001, "tok_sharedkey1234"))
		wantStatus(t, other, http.StatusUnprocessableEntity, "application/problem+json")
		carol := e.payAs(t, "arn:aws:iam::000000000000:user/carol", key, paymentBody(2001, "tok_sharedkey1234"))
		wantStatus(t, carol, http.StatusCreated, "application/json")
		again := e.payAs(t, alice, key, paymentBody(2000, "tok_sharedkey1234"))
		if again.status != http.StatusCreated || again.header.Get(api.ReplayedHeader) != "true" || !bytes.Equal(again.body, a.body) {
			t.Errorf("alice's replay answers %d %s, want her first receipt replayed", again.status, again.body)
		}
		for caller, rp := range map[string]reply{alice: a, bob: b} {
			got := e.do(t, http.MethodGet, "/payments/"+rp.json(t)["id"].(string), map[string]string{api.LocalCallerHeader: caller}, "")
			if got.status != http.StatusOK || !bytes.Equal(got.body, rp.body) {
				t.Errorf("%s reads %d %s, want %s", caller, got.status, got.body, rp.body)
			}
		}
	}},
	{"unknown routes and wrong methods are API Gateway's 403", func(t *testing.T, e *e2e) {
		_, want, _ := api.GatewayProblem("MISSING_AUTHENTICATION_TOKEN")
		for _, rp := range []reply{e.do(t, http.MethodGet, "/refunds", nil, ""), e.do(t, http.MethodGet, "/payments", nil, "")} {
			wantStatus(t, rp, http.StatusForbidden, "application/problem+json")
			if string(rp.body) != want {
				t.Errorf("body %s, want %s", rp.body, want)
			}
		}
	}},
	{"the execution history of a request is kept without secrets", func(t *testing.T, e *e2e) {
		key := uniqueKey(t)
		rp := e.pay(t, key, paymentBody(321, "tok_history1234abcd"))
		wantStatus(t, rp, http.StatusCreated, "application/json")
		h := e.do(t, http.MethodGet, "/_local/executions/"+rp.header.Get(localrun.RequestIDHeader), nil, "")
		wantStatus(t, h, http.StatusOK, "application/json")
		for _, state := range []string{`"Validate"`, `"Persist"`, `"Processed"`} {
			if !bytes.Contains(h.body, []byte(state)) {
				t.Errorf("the history has no state %s", state)
			}
		}
		for _, secret := range []string{key, "tok_history1234abcd"} {
			if bytes.Contains(h.body, []byte(secret)) {
				t.Errorf("the history shows a secret (%.8s...)", secret)
			}
		}
	}},
}

var faultCases = []e2eCase{
	{"a request whose key stays locked by another transaction is answered 409", func(t *testing.T, e *e2e) {
		// The "conflict" fault makes every transaction fail with
		// TransactionConflict, as DynamoDB does while another request's
		// transaction holds the same items; the store waits its
		// contention window (~0.3 s) and answers InProgress.
		key, body := uniqueKey(t), paymentBody(700, "tok_conflict1234ab")
		e.setFault(t, `{"store":"conflict"}`)
		rp := e.pay(t, key, body)
		e.setFault(t, `{"store":"ok"}`)
		wantStatus(t, rp, http.StatusConflict, "application/problem+json")
		// Once the other transaction is gone, the same request goes through.
		wantStatus(t, e.pay(t, key, body), http.StatusCreated, "application/json")
	}},
	{"a store outage answers 202 and the queued payment is persisted when the store is back", func(t *testing.T, e *e2e) {
		e.setFault(t, `{"store":"unavailable"}`)
		rp := e.pay(t, uniqueKey(t), paymentBody(4200, "tok_outage1234abcd"))
		wantStatus(t, rp, http.StatusAccepted, "application/json")
		got := rp.json(t)
		if got["status"] != "QUEUED" {
			t.Errorf("202 body %s, want status QUEUED", rp.body)
		}
		id := got["id"].(string)
		health := e.do(t, http.MethodGet, "/health", nil, "")
		wantStatus(t, health, http.StatusServiceUnavailable, "application/json")
		// The public answer is the status alone (issue 22); the report,
		// with the alarms in ALARM, is the signed route's.
		if got := health.json(t); len(got) != 1 || got["status"] != "unhealthy" {
			t.Errorf(`GET /health answered %s, want {"status":"unhealthy"} and nothing else`, health.body)
		}
		_, dlqURL := e.r.QueueURLs()
		dlq := dlqURL[strings.LastIndexByte(dlqURL, '/')+1:]
		report := e.do(t, http.MethodGet, "/health/report", nil, "")
		wantStatus(t, report, http.StatusServiceUnavailable, "application/json")
		if alarms, _ := report.json(t)["alarmsInAlarm"].([]any); len(alarms) == 0 || !strings.Contains(string(report.body), dlq) {
			t.Errorf("GET /health/report answered %s, want the alarms in ALARM and the queues", report.body)
		}
		for _, leak := range append([]string{dlq}, alarmNames(report.json(t))...) {
			if strings.Contains(string(health.body), leak) {
				t.Errorf("GET /health reveals %q: %s", leak, health.body)
			}
		}
		if got := e.do(t, http.MethodGet, "/payments/"+id, nil, ""); got.status != http.StatusServiceUnavailable {
			t.Errorf("GET during the outage answered %d, want 503", got.status)
		}
		e.setFault(t, `{"store":"ok"}`)
		eventually(t, 20*time.Second, "the queued payment was never persisted", func() bool {
			return e.do(t, http.MethodGet, "/payments/"+id, nil, "").status == http.StatusOK
		})
		// The failure alarms hold three periods after the last failure
		// (15 minutes deployed): then the platform is healthy again.
		eventually(t, 20*time.Second, "/health never answered 200 after the outage", func() bool {
			return e.do(t, http.MethodGet, "/health", nil, "").status == http.StatusOK
		})
	}},
	{"a payment dead-lettered during a long outage is redriven by the recovery workflow once healthy", func(t *testing.T, e *e2e) {
		_, dlqURL := e.r.QueueURLs()
		deferredBefore := e.counter(t, "ResilientPay/Recovery/RedriveDeferred")
		e.setFault(t, `{"store":"unavailable"}`)
		rp := e.pay(t, uniqueKey(t), paymentBody(8800, "tok_deadletter12ab"))
		wantStatus(t, rp, http.StatusAccepted, "application/json")
		id := rp.json(t)["id"].(string)
		// Each receive fails while the store is down, uncounted; after the
		// queue's maxReceiveCount (10) receives SQS moves it to the DLQ.
		eventually(t, 30*time.Second, "the payment never reached the DLQ", func() bool { return e.queueDepth(t, dlqURL) == 1 })
		// The store is still down: a recovery run (every 500 ms) defers.
		eventually(t, 30*time.Second, "the recovery workflow did not defer the redrive while the platform was unhealthy", func() bool {
			return e.counter(t, "ResilientPay/Recovery/RedriveDeferred") > deferredBefore
		})
		if e.do(t, http.MethodGet, "/payments/"+id, nil, "").status == http.StatusOK {
			t.Fatalf("the payment is readable during the outage")
		}
		e.setFault(t, `{"store":"ok"}`)
		eventually(t, 30*time.Second, "the dead-lettered payment was never persisted", func() bool {
			return e.do(t, http.MethodGet, "/payments/"+id, nil, "").status == http.StatusOK
		})
		// The workflow records the metric once it sees the move task
		// done, which may come after the consumer stored the payment.
		eventually(t, 30*time.Second, "no MessagesRedriven metric: the payment was not redriven by the recovery workflow", func() bool {
			return e.counter(t, "ResilientPay/Recovery/MessagesRedriven") >= 1
		})
	}},
	{"a payment queued whose answer was lost is answered 503 saying so, and the retry with the same key never doubles it", func(t *testing.T, e *e2e) {
		// GIVEN the store down and every send to the queue delivered but
		// its answer lost (a timeout after SQS took the message)
		key, body := uniqueKey(t), paymentBody(6100, "tok_lostanswer12ab")
		e.setFault(t, `{"store":"unavailable"}`)
		e.setFault(t, `{"queue":"lost-answer"}`)
		rp := e.pay(t, key, body)
		e.setFault(t, `{"queue":"ok"}`)
		// THEN the client hears that the payment may have been accepted
		// and to retry with the same key
		wantStatus(t, rp, http.StatusServiceUnavailable, "application/problem+json")
		if !strings.Contains(string(rp.body), "may have been accepted") || !strings.Contains(string(rp.body), "same Idempotency-Key") {
			t.Errorf("the 503 does not say the payment may have been accepted: %s", rp.body)
		}
		// WHEN it retries with the same key while the store is still down
		// THEN the payment is queued again under the same id (202)
		again := e.pay(t, key, body)
		wantStatus(t, again, http.StatusAccepted, "application/json")
		id := again.json(t)["id"].(string)
		// AND once the store is back it is persisted once, whichever of
		// the queued copies comes first, and replays answer it
		e.setFault(t, `{"store":"ok"}`)
		eventually(t, 20*time.Second, "the queued payment was never persisted", func() bool {
			return e.do(t, http.MethodGet, "/payments/"+id, nil, "").status == http.StatusOK
		})
		replay := e.pay(t, key, body)
		wantStatus(t, replay, http.StatusCreated, "application/json")
		if replay.header.Get(api.ReplayedHeader) != "true" || replay.json(t)["id"] != id {
			t.Errorf("the replay answers %s (replayed %q), want the stored payment %s", replay.body, replay.header.Get(api.ReplayedHeader), id)
		}
		// (the last subtest checks every accepted payment is stored once)
	}},
	{"a key reused with another body after a 202 parks one payment, visible, instead of dropping it", func(t *testing.T, e *e2e) {
		// GIVEN the store down: the first body is queued (202), and a
		// replay while it is queued answers 202 with the same id
		key := uniqueKey(t)
		first, second := paymentBody(7100, "tok_reusefirst12ab"), paymentBody(7200, "tok_reusesecond1ab")
		e.setFault(t, `{"store":"unavailable"}`)
		rp := e.pay(t, key, first)
		wantStatus(t, rp, http.StatusAccepted, "application/json")
		id := rp.json(t)["id"].(string)
		again := e.pay(t, key, first)
		wantStatus(t, again, http.StatusAccepted, "application/json")
		if again.json(t)["id"] != id {
			t.Errorf("a replay while queued answers id %v, want %s", again.json(t)["id"], id)
		}
		// WHEN the key is used with another body (no idempotency record
		// holds it while the store is down: accepted too)
		other := e.pay(t, key, second)
		wantStatus(t, other, http.StatusAccepted, "application/json")
		e.setFault(t, `{"store":"ok"}`)
		// THEN one body is stored under the id and the other is parked,
		// listed with its reason and amount, never dropped
		var stored map[string]any
		eventually(t, 20*time.Second, "the payment was never persisted", func() bool {
			got := e.do(t, http.MethodGet, "/payments/"+id, nil, "")
			if got.status == http.StatusOK {
				stored = got.json(t)
			}
			return got.status == http.StatusOK
		})
		parkedAmount := 7100.0
		if stored["amount"] == 7100.0 {
			parkedAmount = 7200
		}
		var parkedKey string
		eventually(t, 20*time.Second, "the other payment was never parked", func() bool {
			var list struct{ Parked []reprocess.Summary }
			_ = json.Unmarshal(e.do(t, http.MethodGet, "/_local/parked", nil, "").body, &list)
			for _, p := range list.Parked {
				if p.PaymentID == id && p.Reason == store.ParkedKeyReused && float64(p.Amount) == parkedAmount {
					parkedKey = p.Key
					return true
				}
			}
			return false
		})
		// AND the operator can resolve the parked one, not the payment, and
		// is recorded as the local caller
		const operator = "arn:aws:iam::000000000000:user/local-operator"
		caller := map[string]string{"Content-Type": "application/json", api.LocalCallerHeader: operator}
		if rp := e.do(t, http.MethodPost, "/_local/parked", caller, `{"resolve":"`+store.PaymentKey(id)+`","how":"refunded"}`); rp.status != http.StatusConflict {
			t.Errorf("resolving the payment's key answers %d %s, want 409", rp.status, rp.body)
		}
		if rp := e.do(t, http.MethodPost, "/_local/parked", caller, `{"resolve":"`+parkedKey+`","how":"refunded by the merchant"}`); rp.status != http.StatusOK {
			t.Errorf("resolving the parked payment answers %d %s", rp.status, rp.body)
		}
		if it, err := e.r.Parking().Store.GetParked(context.Background(), parkedKey); err != nil || it.ResolvedBy != operator {
			t.Errorf("resolved item %+v, %v; want resolved by %s", it, err, operator)
		}
		// AND a replay of the stored body answers the stored payment
		storedBody := first
		if stored["amount"] == 7200.0 {
			storedBody = second
		}
		replay := e.pay(t, key, storedBody)
		wantStatus(t, replay, http.StatusCreated, "application/json")
		if replay.header.Get(api.ReplayedHeader) != "true" || replay.json(t)["id"] != id {
			t.Errorf("the replay answers %s, want the stored payment %s replayed", replay.body, id)
		}
	}},
	{"requests over the stage's burst are throttled with 429", func(t *testing.T, e *e2e) {
		// The stage allows 100 requests/s with a burst of 200 (cdk.json).
		// Bodies without a required field stop at the gateway validator,
		// so 400 requests arrive faster than the bucket refills.
		var mu sync.Mutex
		codes := map[int]int{}
		var throttled reply
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 20 {
					rp := e.do(t, http.MethodPost, "/payments", map[string]string{"Content-Type": "application/json", "Idempotency-Key": "throttle"}, `{}`)
					mu.Lock()
					codes[rp.status]++
					if rp.status == http.StatusTooManyRequests {
						throttled = rp
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if codes[http.StatusTooManyRequests] == 0 || codes[http.StatusBadRequest] < 200 {
			t.Fatalf("answers %v, want the burst of 200 answered 400 and the rest mostly 429", codes)
		}
		wantStatus(t, throttled, http.StatusTooManyRequests, "application/problem+json")
		time.Sleep(2 * time.Second) // let the bucket refill for what follows
	}},
}

// BenchmarkLocalPostPayments measures POST /payments through the local
// runner (HTTP, the payments workflow, the handlers, DynamoDB Local).
func BenchmarkLocalPostPayments(b *testing.B) {
	// Without the stage's throttling, which would measure the bucket.
	e := startLocal(b, func(c *localrun.Config) { c.ThrottleRate, c.ThrottleBurst = 1e9, 1e9 })
	client := &http.Client{Timeout: 30 * time.Second}
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		req, err := http.NewRequest(http.MethodPost, e.base+"/payments", strings.NewReader(paymentBody(100+i%1000, "tok_bench1234abcd")))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "bench-"+run+"-"+strconv.Itoa(i))
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}
