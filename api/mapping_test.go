package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

func lambdaCause(t *testing.T, e *payment.Error) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"errorType": string(e.Name), "errorMessage": e.ProblemJSON()})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEveryTerminalErrorNameMapsToItsStatusInGoAndInTheTemplate(t *testing.T) {
	tmpl := ResponseTemplate()
	for _, spec := range errorname.All() {
		e := payment.NewError(spec.Name, "detail")
		got := MapExecution(Execution{Status: "FAILED", Error: string(spec.Name), Cause: lambdaCause(t, e)})
		want := spec.Status
		if !spec.Terminal {
			want = http.StatusInternalServerError // never the end of a workflow
		}
		if got.Status != want {
			t.Errorf("%s: MapExecution status %d, want %d", spec.Name, got.Status, want)
		}
		inTemplate := strings.Contains(tmpl, `$error == "`+string(spec.Name)+`")`+"\n#set($context.responseOverride.status = "+strconv.Itoa(spec.Status)+")")
		if inTemplate != spec.Terminal {
			t.Errorf("%s: in the response template = %v, want %v", spec.Name, inTemplate, spec.Terminal)
		}
		if got.Headers["Content-Type"] != ProblemContentType {
			t.Errorf("%s: content type %q", spec.Name, got.Headers["Content-Type"])
		}
	}
}

// Client outcomes end the workflow in a Succeed state whose output is the
// handler's Result naming the error: the API answers them with the status
// of the name, from the shared list, and the handler's problem document.
func TestEveryClientOutcomeMapsToItsStatusInGoAndInTheTemplate(t *testing.T) {
	tmpl := ResponseTemplate()
	outcomes := 0
	for _, spec := range errorname.All() {
		e := payment.NewError(spec.Name, "detail", payment.FieldError{Field: "amount", Detail: "is required"})
		got := MapExecution(Execution{Status: "SUCCEEDED", Output: mustJSON(t, payment.Rejection(e))})
		want, wantBody := spec.Status, e.ProblemJSON()
		if !spec.Outcome {
			want, wantBody = http.StatusInternalServerError, GenericProblemBody(http.StatusInternalServerError)
		} else {
			outcomes++
		}
		if got.Status != want || got.Body != wantBody || got.Headers["Content-Type"] != ProblemContentType {
			t.Errorf("%s: MapExecution answers %d %s %s, want %d %s %s", spec.Name, got.Status, got.Headers["Content-Type"], got.Body,
				want, ProblemContentType, wantBody)
		}
		if got.Headers[ReplayedHeader] != "" {
			t.Errorf("%s: a rejection is marked replayed", spec.Name)
		}
		inTemplate := strings.Contains(tmpl, `$result.error == "`+string(spec.Name)+`")`+"\n#set($context.responseOverride.status = "+strconv.Itoa(spec.Status)+")")
		if inTemplate != spec.Outcome {
			t.Errorf("%s: outcome in the response template = %v, want %v", spec.Name, inTemplate, spec.Outcome)
		}
	}
	if outcomes != 4 {
		t.Errorf("%d client outcomes, want 400 invalid, 422 card data, 422 key reused and 409 in progress", outcomes)
	}
	// A result naming an outcome whose body is not a problem document
	// answers the error's own problem: nothing else is shown.
	got := MapExecution(Execution{Status: "SUCCEEDED", Output: mustJSON(t, payment.Result{StatusCode: 422, Error: errorname.KeyReused, Body: "arn:aws:dynamodb:secret"})})
	spec, _ := errorname.Lookup(errorname.KeyReused)
	if got.Status != 422 || got.Body != ErrorProblemBody(spec) {
		t.Errorf("a rejection without a problem document answers %d %s", got.Status, got.Body)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMapExecution(t *testing.T) {
	invalid := payment.NewError(errorname.Invalid, "bad", payment.FieldError{Field: "amount", Detail: "must be an integer"})
	tests := []struct {
		name       string
		exec       Execution
		wantStatus int
		wantBody   string // substring
		replayed   bool
	}{
		{"a processed payment answers its task's status and body",
			Execution{Status: "SUCCEEDED", Output: `{"statusCode":201,"replayed":false,"body":"{\"id\":\"pay_1\"}"}`}, 201, `{"id":"pay_1"}`, false},
		{"a replay carries the Idempotent-Replayed header",
			Execution{Status: "SUCCEEDED", Output: `{"statusCode":201,"replayed":true,"body":"{\"id\":\"pay_1\"}"}`}, 201, `pay_1`, true},
		{"a queued payment answers 202",
			Execution{Status: "SUCCEEDED", Output: `{"statusCode":202,"replayed":false,"body":"{\"status\":\"QUEUED\"}"}`}, 202, `QUEUED`, false},
		{"an output without a status code is an internal error",
			Execution{Status: "SUCCEEDED", Output: `{"body":"x"}`}, 500, `"status":500`, false},
		{"a client outcome passes the handler's problem document on",
			Execution{Status: "SUCCEEDED", Output: mustJSON(t, payment.Rejection(invalid))}, 400, `"field":"amount"`, false},
		{"a client error name in a Fail state is not a workflow outcome: a generic 500",
			Execution{Status: "FAILED", Error: string(errorname.Invalid), Cause: lambdaCause(t, invalid)}, 500, `"status":500`, false},
		{"a failure to queue says the payment may have been accepted and to retry with the same key",
			Execution{Status: "FAILED", Error: string(errorname.QueueUnavailable), Cause: `{"errorMessage":"sqs: secret"}`}, 503, `may have been accepted. Retry with the same Idempotency-Key`, false},
		{"an internal error never shows its cause",
			Execution{Status: "FAILED", Error: string(errorname.Internal), Cause: `{"errorMessage":"secret stack trace"}`}, 500, `Internal`, false},
		{"an unknown error name is a generic 500",
			Execution{Status: "FAILED", Error: "States.Runtime", Cause: "path $.x not found"}, 500, `"status":500`, false},
		{"a cause is never passed on",
			Execution{Status: "FAILED", Error: string(errorname.QueueUnavailable), Cause: `card 4111111111111111`}, 503, `"status":503`, false},
		{"a timed-out execution is 504",
			Execution{Status: "TIMED_OUT"}, 504, `"status":504`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MapExecution(tt.exec)
			if got.Status != tt.wantStatus || !strings.Contains(got.Body, tt.wantBody) {
				t.Errorf("got %d %s, want %d containing %s", got.Status, got.Body, tt.wantStatus, tt.wantBody)
			}
			if (got.Headers[ReplayedHeader] == "true") != tt.replayed {
				t.Errorf("replayed header = %q, want %v", got.Headers[ReplayedHeader], tt.replayed)
			}
			if strings.Contains(got.Body, "secret") || strings.Contains(got.Body, "4111") {
				t.Errorf("the body leaks the cause: %s", got.Body)
			}
		})
	}
}

func TestValidateAtGateway(t *testing.T) {
	key := http.Header{"Idempotency-Key": {"k1"}}
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   int // 0: passes to the workflow
	}{
		{"a complete request passes", key, `{"amount":1,"currency":"EUR","source":"tok_12345678","merchant_id":"m"}`, 0},
		{"fields of any type pass: their checks are the task's", key, `{"amount":"x","currency":1,"source":null,"merchant_id":[]}`, 0},
		{"a missing Idempotency-Key is refused", http.Header{}, `{"amount":1,"currency":"EUR","source":"s","merchant_id":"m"}`, 400},
		{"a missing field is refused", key, `{"amount":1,"currency":"EUR","source":"s"}`, 400},
		{"a body that is not JSON is refused", key, `amount=1`, 400},
		{"a JSON array is refused", key, `[1,2]`, 400},
		{"null is refused", key, `null`, 400},
		{"an empty body is refused", key, ``, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ValidateAtGateway(tt.header, []byte(tt.body))
			switch {
			case tt.want == 0 && got != nil:
				t.Errorf("refused with %d %s", got.Status, got.Body)
			case tt.want != 0 && (got == nil || got.Status != tt.want):
				t.Errorf("got %+v, want status %d", got, tt.want)
			}
		})
	}
}

func FuzzValidateAtGateway(f *testing.F) {
	f.Add("k", []byte(`{"amount":1,"currency":"EUR","source":"tok_12345678","merchant_id":"m"}`))
	f.Add("", []byte(`{"amount":4111111111111111}`))
	f.Add("k", []byte(`{"a":`))
	f.Fuzz(func(t *testing.T, key string, body []byte) {
		h := http.Header{}
		if key != "" {
			h.Set(IdempotencyKeyHeader, key)
		}
		got := ValidateAtGateway(h, body)
		if got == nil {
			return
		}
		if got.Status != 400 || !json.Valid([]byte(got.Body)) {
			t.Fatalf("status %d body %s", got.Status, got.Body)
		}
		if len(body) > 3 && strings.Contains(got.Body, string(body)) {
			t.Fatalf("the answer echoes the body")
		}
	})
}

func TestLocalIdentityShapesPrincipalIDsLikeIAM(t *testing.T) {
	for _, tt := range []struct{ name, arn, prefix, suffix, account string }{
		{"a user is AIDA and 17 characters", "arn:aws:iam::111122223333:user/u", "AIDA", "", "111122223333"},
		{"an assumed role is AROA, 17 characters of the role and the session", "arn:aws:sts::111122223333:assumed-role/r/s-1", "AROA", ":s-1", "111122223333"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			id := LocalIdentity(tt.arn)
			if !strings.HasPrefix(id.Caller, tt.prefix) || !strings.HasSuffix(id.Caller, tt.suffix) || len(id.Caller) != 21+len(tt.suffix) ||
				id.User != id.Caller || id.AccountID != tt.account || id.UserArn != tt.arn {
				t.Errorf("LocalIdentity(%q) = %+v", tt.arn, id)
			}
		})
	}
	// Two sessions of one role share the role's id; another role does not.
	a, b := LocalIdentity("arn:aws:sts::1:assumed-role/r/s-1"), LocalIdentity("arn:aws:sts::1:assumed-role/r/s-2")
	c := LocalIdentity("arn:aws:sts::1:assumed-role/r2/s-1")
	if a.Caller[:21] != b.Caller[:21] || a.Caller[:21] == c.Caller[:21] {
		t.Errorf("role ids: %s %s %s", a.Caller, b.Caller, c.Caller)
	}
	if (LocalIdentity("") != Identity{}) {
		t.Error("no ARN has an identity")
	}
}

func TestExecutionInputIsWhatTheRequestTemplateBuilds(t *testing.T) {
	in := ExecutionInput("req-1", "arn:aws:iam::1:user/u", `k"\'`, []byte(`{"amount":1}`))
	var got map[string]string
	if err := json.Unmarshal(in, &got); err != nil {
		t.Fatal(err)
	}
	if got["requestId"] != "req-1" || got["caller"] != "YXJuOmF3czppYW06OjE6dXNlci91" || got["idempotencyKey"] != "ayJcJw==" || got["body"] != "eyJhbW91bnQiOjF9" {
		t.Errorf("input = %s", in)
	}
	tmpl := RequestTemplate("arn")
	for _, want := range []string{`\"idempotencyKey\":\"$util.base64Encode($key)\"`, `\"body\":\"$util.base64Encode($input.body)\"`, `\"requestId\":\"$context.requestId\"`,
		`#set($caller = "$!context.identity.userArn")`, `\"caller\":\"$util.base64Encode($caller)\"`,
		`#set($principal = "$!context.identity.caller")`, `\"principal\":\"$util.base64Encode($principal)\"`} {
		if !strings.Contains(tmpl, want) {
			t.Errorf("the request template lacks %s", want)
		}
	}
}

func TestMapStartFailure(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		errorType string
		want      int
	}{
		{"an execution input over 256 KiB is 413, never a 503 that promises a retry", 400, "com.amazonaws.swf.service.v2.model#InvalidExecutionInput", 413},
		{"Step Functions throttling is 429", 400, "ThrottlingException", 429},
		{"a misconfiguration is the platform's 500", 400, "AccessDeniedException", 500},
		{"a service failure is 503: a retry can succeed", 500, "ServiceUnavailable", 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MapStartFailure(tt.status, tt.errorType)
			var p payment.Problem
			if got.Status != tt.want || got.Headers["Content-Type"] != ProblemContentType || json.Unmarshal([]byte(got.Body), &p) != nil || p.Status != tt.want {
				t.Errorf("MapStartFailure(%d, %q) = %d %v %s, want %d", tt.status, tt.errorType, got.Status, got.Headers, got.Body, tt.want)
			}
		})
	}
}
