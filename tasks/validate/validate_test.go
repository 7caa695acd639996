package validate_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/lambdaerr"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/validate"
)

const (
	// caller and principal are the SigV4 identity API Gateway puts in the
	// request context ($context.identity.userArn and .caller); owner is
	// the owner it makes (the role's unique id, not the session) and
	// ownerArn the readable owner beside it.
	caller    = "arn:aws:sts::111122223333:assumed-role/checkout-service/i-0abc1234"
	principal = "AROA3XFRBF23EXAMPLE01:i-0abc1234"
	owner     = "AROA3XFRBF23EXAMPLE01"
	ownerArn  = "arn:aws:sts::111122223333:assumed-role/checkout-service"
	key       = "client-key-0b7e8d1c"
	token     = "tok_Zq81LmXw93Kd02Pa"
	card      = "4242424242424242"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func validBody() string {
	return `{"amount":4200,"currency":"USD","source":"` + token + `","merchant_id":"shop-1","description":"two coffees","metadata":{"table":"7"}}`
}

// newHandler returns a handler that logs JSON into buf.
func newHandler(buf *bytes.Buffer) *validate.Handler {
	return &validate.Handler{Log: slog.New(slog.NewJSONHandler(buf, nil))}
}

func TestHandleReturnsTheValidatedPayment(t *testing.T) {
	var logs bytes.Buffer
	h := newHandler(&logs)
	out, err := h.Handle(context.Background(), validate.Event{RequestID: "req-1", Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(key), Body: b64(validBody())})
	if err != nil {
		t.Fatalf("Handle() error = %v", err)
	}
	p := out.Payment
	if out.RequestID != "req-1" || p.ID != payment.DeriveID(owner, key) || p.Owner != owner || p.Amount != 4200 || p.Currency != "USD" ||
		p.Source != token || p.MerchantID != "shop-1" || p.Description != "two coffees" || p.Metadata["table"] != "7" {
		t.Errorf("Handle() = %+v", out)
	}
	if p.OwnerArn != ownerArn || p.Legacy == nil || p.Legacy.ID != payment.LegacyDeriveID(ownerArn, key) ||
		p.Legacy.IdempotencyKeyHash != payment.LegacyHashIdempotencyKey(ownerArn, key) {
		t.Errorf("owner ARN %q, legacy keys %+v: want the ARN beside the unique id and version 1's keys", p.OwnerArn, p.Legacy)
	}
	if p.IdempotencyKeyHash != payment.HashIdempotencyKey(owner, key) || p.RequestHash == "" {
		t.Errorf("hashes = %q, %q", p.IdempotencyKeyHash, p.RequestHash)
	}
	line := oneLogLine(t, logs.String())
	if line["request_id"] != "req-1" || line["payment_id"] != p.ID {
		t.Errorf("log line = %v, want request_id and payment_id", line)
	}
}

// TestHandleOutputFollowsTheWorkflowContract invokes the handler the way
// the Lambda runtime and the local runner do, through lambda.NewHandler,
// and checks the JSON the next state receives.
func TestHandleOutputFollowsTheWorkflowContract(t *testing.T) {
	h := &validate.Handler{}
	in, _ := json.Marshal(map[string]string{"requestId": "req-2", "caller": b64(caller), "principal": b64(principal), "idempotencyKey": b64(key), "body": b64(validBody())})
	raw, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), in)
	if err != nil {
		t.Fatalf("Invoke() error = %v", err)
	}
	var out struct {
		RequestID string                     `json:"requestId"`
		Payment   map[string]json.RawMessage `json:"payment"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.RequestID != "req-2" {
		t.Errorf("requestId = %q", out.RequestID)
	}
	for _, field := range []string{"id", "amount", "currency", "source", "merchant_id", "description", "metadata", "owner", "idempotencyKeyHash", "requestHash"} {
		if _, ok := out.Payment[field]; !ok {
			t.Errorf("payment has no %q: %s", field, raw)
		}
	}
	if strings.Contains(string(raw), key) {
		t.Errorf("the output holds the idempotency key: %s", raw)
	}
}

func TestHandleAnswersRejectionsAsResultsNamedForTheProblem(t *testing.T) {
	tests := []struct {
		name       string
		ev         validate.Event
		wantType   errorname.Name
		wantStatus int
		wantField  string
	}{
		{"an invalid body is Payment.Invalid", validate.Event{Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(key), Body: b64(`{"amount":1}`)}, errorname.Invalid, http.StatusBadRequest, "currency"},
		{"a missing key is Payment.Invalid", validate.Event{Caller: b64(caller), Principal: b64(principal), Body: b64(validBody())}, errorname.Invalid, http.StatusBadRequest, "Idempotency-Key"},
		{"a key that is not base64 is Payment.Invalid", validate.Event{Caller: b64(caller), Principal: b64(principal), IdempotencyKey: "%%%", Body: b64(validBody())}, errorname.Invalid, http.StatusBadRequest, "Idempotency-Key"},
		{"a body that is not base64 is Payment.Invalid", validate.Event{Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(key), Body: "{not base64}"}, errorname.Invalid, http.StatusBadRequest, "body"},
		{"a card number in the body is Payment.CardDataRejected", validate.Event{Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(key), Body: b64(strings.Replace(validBody(), "two coffees", card, 1))}, errorname.CardData, http.StatusUnprocessableEntity, "description"},
		{"a card number in the key is Payment.CardDataRejected even if the body is not base64", validate.Event{Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(card), Body: "%%%"}, errorname.CardData, http.StatusUnprocessableEntity, "Idempotency-Key"},
		{"a card number is Payment.CardDataRejected even without a caller", validate.Event{IdempotencyKey: b64(key), Body: b64(strings.Replace(validBody(), "two coffees", card, 1))}, errorname.CardData, http.StatusUnprocessableEntity, "description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := &validate.Handler{}
			in, _ := json.Marshal(tt.ev)
			// A client's mistake is the function's answer, not a function
			// error: Lambda's Errors metric (which gates recovery) never
			// counts it.
			raw, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), in)
			if err != nil {
				t.Fatalf("Invoke() error = %v, want the rejection as a result", err)
			}
			var out struct {
				Payment json.RawMessage `json:"payment"`
				Result  *payment.Result `json:"result"`
			}
			if err := json.Unmarshal(raw, &out); err != nil || out.Result == nil {
				t.Fatalf("output %s has no result (%v)", raw, err)
			}
			if out.Payment != nil {
				t.Errorf("a rejected request carries a payment: %s", raw)
			}
			if out.Result.Error != tt.wantType || out.Result.StatusCode != tt.wantStatus {
				t.Errorf("result = %d %q, want %d %q", out.Result.StatusCode, out.Result.Error, tt.wantStatus, tt.wantType)
			}
			var problem payment.Problem
			if err := json.Unmarshal([]byte(out.Result.Body), &problem); err != nil {
				t.Fatalf("body is not a problem document: %v", err)
			}
			if problem.Status != tt.wantStatus || len(problem.Errors) == 0 || problem.Errors[0].Field != tt.wantField {
				t.Errorf("problem = %+v, want status %d and first field %q", problem, tt.wantStatus, tt.wantField)
			}
		})
	}
}

// TestSecretsNeverReachLogsOrProblems sends requests carrying a card
// number in every place a client could put one, plus a token and a key,
// and checks the captured log output and every returned problem document.
func TestSecretsNeverReachLogsOrProblems(t *testing.T) {
	spaced := "4242 4242 4242 4242"
	bodies := []string{
		validBody(),
		strings.Replace(validBody(), "two coffees", "card "+spaced, 1),
		strings.Replace(validBody(), `"table"`, `"`+card+`"`, 1),
		strings.Replace(validBody(), `"7"`, `"`+card+`"`, 1),
		strings.Replace(validBody(), token, "tok_"+card, 1),
		strings.Replace(validBody(), `4200`, card, 1),
		`{"source":"` + token + `","pan":"` + card + `"`,
		`{"amount":0,"source":"` + token + `"}`,
		`{"amount":1,"currency":"EUR","source":"` + token + `","merchant_id":"m","metadata":{"k":"` + strings.Repeat("v", 501) + `"}}`,
	}
	keys := []string{key, "key-" + card, ""}
	var logs bytes.Buffer
	h := newHandler(&logs)
	var problems []string
	n := 0
	for _, k := range keys {
		for _, body := range bodies {
			n++
			out, err := h.Handle(context.Background(), validate.Event{RequestID: "req", Caller: b64(caller), Principal: b64(principal), IdempotencyKey: b64(k), Body: b64(body)})
			var ie messages.InvokeResponse_Error
			if errors.As(err, &ie) {
				problems = append(problems, ie.Message)
			}
			if out.Result != nil {
				problems = append(problems, out.Result.Body)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != n {
		t.Fatalf("%d log lines for %d requests", len(lines), n)
	}
	if len(problems) < n-1 {
		t.Fatalf("only %d of %d requests were rejected", len(problems), n)
	}
	for _, secret := range []string{card, spaced, "4242", token, key, b64(validBody())[:16], "two coffees"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs.String())
		}
		for _, p := range problems {
			if strings.Contains(p, secret) {
				t.Errorf("a problem document holds %q: %s", secret, p)
			}
		}
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil || m["request_id"] != "req" {
			t.Errorf("log line is not JSON with request_id: %s", l)
		}
	}
}

// TestTheCallerScopesTheKey checks that the caller API Gateway
// authenticated, and nothing the client sends, owns the payment: the same
// key from two callers makes two payments, and a request without a caller
// is an internal error, never a payment without an owner.
func TestTheCallerScopesTheKey(t *testing.T) {
	h := &validate.Handler{}
	ev := func(arn, principalID string) validate.Event {
		return validate.Event{RequestID: "req", Caller: arn, Principal: principalID, IdempotencyKey: b64(key), Body: b64(validBody())}
	}
	a, err := h.Handle(context.Background(), ev(b64(caller), b64(principal)))
	if err != nil {
		t.Fatal(err)
	}
	sameRole, err := h.Handle(context.Background(), ev(b64("arn:aws:sts::111122223333:assumed-role/checkout-service/another-session"), b64(owner+":another-session")))
	if err != nil {
		t.Fatal(err)
	}
	other, err := h.Handle(context.Background(), ev(b64("arn:aws:iam::444455556666:user/another-merchant"), b64("AIDAANOTHERMERCHANT01")))
	if err != nil {
		t.Fatal(err)
	}
	// The role deleted and created again under the same name: same ARN,
	// new unique id.
	recreated, err := h.Handle(context.Background(), ev(b64(caller), b64("AROANEWROLEUNIQUEID01:i-0abc1234")))
	if err != nil {
		t.Fatal(err)
	}
	if a.Payment.ID != sameRole.Payment.ID || a.Payment.Owner != owner {
		t.Errorf("two sessions of one role: ids %s, %s, owner %q; want one id and owner %s", a.Payment.ID, sameRole.Payment.ID, a.Payment.Owner, owner)
	}
	if a.Payment.ID == other.Payment.ID || a.Payment.IdempotencyKeyHash == other.Payment.IdempotencyKeyHash {
		t.Errorf("two callers with one key share the id %s", a.Payment.ID)
	}
	if a.Payment.ID == recreated.Payment.ID || a.Payment.IdempotencyKeyHash == recreated.Payment.IdempotencyKeyHash || recreated.Payment.Owner == owner {
		t.Errorf("a re-created role inherits the old role's key: id %s, owner %s", recreated.Payment.ID, recreated.Payment.Owner)
	}
	for _, c := range []string{"", b64(""), "%%%", b64("  ")} {
		// Without a principal id, even with an ARN, there is no owner.
		_, err := lambda.NewHandler(h.Handle).Invoke(context.Background(), mustJSON(t, ev(b64(caller), c)))
		var ie messages.InvokeResponse_Error
		if !errors.As(err, &ie) || ie.Type != string(errorname.Internal) {
			t.Errorf("principal %q: error %v, want %s", c, err, errorname.Internal)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func oneLogLine(t *testing.T, logs string) map[string]any {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 1 {
		t.Fatalf("%d log lines, want 1:\n%s", len(lines), logs)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &m); err != nil {
		t.Fatalf("log line is not JSON: %v", err)
	}
	return m
}

func TestLambdaErrorTypeIsTheErrorName(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want errorname.Name
	}{
		{"a validation error becomes Payment.Invalid", payment.NewError(errorname.Invalid, "bad", payment.FieldError{Field: "amount", Detail: "is required"}), errorname.Invalid},
		{"card data becomes Payment.CardDataRejected", payment.CardDataError("source"), errorname.CardData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ie, ok := lambdaerr.From(tt.err).(messages.InvokeResponse_Error)
			if !ok {
				t.Fatalf("lambdaerr.From() is %T, not messages.InvokeResponse_Error", lambdaerr.From(tt.err))
			}
			if ie.Type != string(tt.want) {
				t.Errorf("Type = %q, want %q", ie.Type, tt.want)
			}
			if !json.Valid([]byte(ie.Message)) {
				t.Errorf("Message is not JSON: %s", ie.Message)
			}
		})
	}
}
