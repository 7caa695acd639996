package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/internal/harness/vtl"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/validate"
)

// These tests execute the mapping templates API Gateway runs for POST
// /payments with a Velocity engine (internal/harness/vtl) and check that they agree
// with their Go mirrors, ExecutionInput and MapExecution, which the local
// runner uses.

const testStateMachineArn = "arn:aws:states:eu-west-1:123456789012:stateMachine:payments-test"

var (
	vtlOnce     sync.Once
	vtlRenderer *vtl.Renderer
	vtlErr      error
)

// velocity returns the test binary's template renderer, installing the
// engine on first use. Under -short the test is skipped; without node it
// fails.
func velocity(t *testing.T) *vtl.Renderer {
	t.Helper()
	if testing.Short() {
		t.Skip("executing the mapping templates needs node and velocityjs (tools/vtl); skipped with -short")
	}
	vtlOnce.Do(func() { vtlRenderer, vtlErr = vtl.Start(context.Background()) })
	if vtlErr != nil {
		t.Fatalf("starting the Velocity renderer: %v", vtlErr)
	}
	return vtlRenderer
}

// executionRequest is the integration request the request template
// renders: the StartSyncExecution call.
type executionRequest struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name"`
	Input           string `json:"input"`
}

// testCaller is the SigV4 identity of the test requests, as API Gateway
// puts it in the request context.
const testCaller = "arn:aws:sts::123456789012:assumed-role/checkout-service/i-0abc1234"

// renderRequest executes the request template for a method request signed
// by testCaller.
func renderRequest(t *testing.T, requestID string, headers map[string]string, body []byte) executionRequest {
	t.Helper()
	return renderRequestBy(t, testCaller, requestID, headers, body)
}

// renderRequestBy executes the request template for a method request
// signed by userArn ("" for none).
func renderRequestBy(t *testing.T, userArn, requestID string, headers map[string]string, body []byte) executionRequest {
	t.Helper()
	if !utf8.Valid(body) {
		t.Fatalf("test bug: API Gateway reads the body as UTF-8; %q is not", body)
	}
	ctx := map[string]any{"requestId": requestID}
	if userArn != "" {
		// $context.identity as API Gateway fills it for the signer.
		id := LocalIdentity(userArn)
		ctx["identity"] = map[string]any{"userArn": id.UserArn, "caller": id.Caller, "user": id.User, "accountId": id.AccountID, "accessKey": "ASIAEXAMPLEEXAMPLE01"}
	}
	res, err := velocity(t).Render(vtl.Request{
		Template: RequestTemplate(testStateMachineArn),
		Body:     string(body),
		Headers:  headers,
		Context:  ctx,
	})
	if err != nil {
		t.Fatalf("request template: %v", err)
	}
	if res.StatusOverride != 0 || len(res.HeaderOverrides) != 0 {
		t.Errorf("the request template set response overrides: %d %v", res.StatusOverride, res.HeaderOverrides)
	}
	var got executionRequest
	dec := json.NewDecoder(strings.NewReader(res.Output))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatalf("the request template rendered invalid JSON (%v):\n%s", err, res.Output)
	}
	if dec.More() {
		t.Fatalf("the request template rendered more than one JSON value:\n%s", res.Output)
	}
	return got
}

// checkExecutionInput checks a rendered StartSyncExecution request of
// testCaller against ExecutionInput.
func checkExecutionInput(t *testing.T, got executionRequest, requestID, key string, body []byte) {
	t.Helper()
	checkExecutionInputBy(t, got, testCaller, requestID, key, body)
}

func checkExecutionInputBy(t *testing.T, got executionRequest, caller, requestID, key string, body []byte) {
	t.Helper()
	if got.StateMachineArn != testStateMachineArn {
		t.Errorf("stateMachineArn = %q", got.StateMachineArn)
	}
	if got.Name != requestID {
		t.Errorf("name = %q, want the request id %q", got.Name, requestID)
	}
	var gotInput, wantInput map[string]string
	if err := json.Unmarshal([]byte(got.Input), &gotInput); err != nil {
		t.Fatalf("input is not a JSON object of strings (%v): %s", err, got.Input)
	}
	if err := json.Unmarshal(ExecutionInput(requestID, caller, key, body), &wantInput); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotInput, wantInput) {
		t.Errorf("input = %s\nwant    %s", got.Input, ExecutionInput(requestID, caller, key, body))
	}
	if c, err := base64.StdEncoding.DecodeString(gotInput["caller"]); err != nil || string(c) != caller {
		t.Errorf("input caller decodes to %q (%v), want %q", c, err, caller)
	}
	// The principal id that owns the payment is $context.identity.caller.
	if c, err := base64.StdEncoding.DecodeString(gotInput["principal"]); err != nil || string(c) != LocalIdentity(caller).Caller {
		t.Errorf("input principal decodes to %q (%v), want %q", c, err, LocalIdentity(caller).Caller)
	}
	// And the workflow gets back the client's bytes.
	if b, err := base64.StdEncoding.DecodeString(gotInput["body"]); err != nil || !bytes.Equal(b, body) {
		t.Errorf("input body decodes to %q (%v), want %q", b, err, body)
	}
	if k, err := base64.StdEncoding.DecodeString(gotInput["idempotencyKey"]); err != nil || string(k) != key {
		t.Errorf("input key decodes to %q (%v), want %q", k, err, key)
	}
}

func TestRequestTemplateStartsTheExecutionThatExecutionInputDescribes(t *testing.T) {
	const body = `{"amount":1000,"currency":"EUR","source":"tok_visa","merchant_id":"m_1"}`
	big := bytes.Repeat([]byte(`{"description":"0123456789abcdef"}`), 16<<10/34+1)[:16<<10]
	tests := []struct {
		name    string
		headers map[string]string
		key     string // the Idempotency-Key the workflow must receive
		body    []byte
	}{
		{"a normal request carries its key and body",
			map[string]string{"Idempotency-Key": "k-1", "Content-Type": "application/json"}, "k-1", []byte(body)},
		{"a lower-case header name (HTTP/2) is found",
			map[string]string{"idempotency-key": "k-2", "content-type": "application/json"}, "k-2", []byte(body)},
		{"an upper-case header name is found",
			map[string]string{"IDEMPOTENCY-KEY": "k-3"}, "k-3", []byte(body)},
		{"a key with quotes, backslashes and unicode cannot break the JSON",
			map[string]string{"Idempotency-Key": `a"b\c'd\"}{ ü € 😀 \u0000`}, `a"b\c'd\"}{ ü € 😀 \u0000`, []byte(body)},
		{"a key that looks like Velocity is not evaluated",
			map[string]string{"Idempotency-Key": `$context.requestId #set($key = "x") ${util}`}, `$context.requestId #set($key = "x") ${util}`, []byte(body)},
		{"a body with quotes, newlines and unicode arrives byte for byte",
			map[string]string{"Idempotency-Key": "k-4"}, "k-4", []byte("{\"description\":\"say \\\"hi\\\"\\n\",\n\t\"note\":\"é € 😀 \u2028\"}\r\n")},
		{"a body that looks like Velocity is not evaluated",
			map[string]string{"Idempotency-Key": "k-5"}, "k-5", []byte(`{"d":"$input.body #if(true)x#end $util.base64Encode('a') \$ \#"}`)},
		{"an empty body is an empty input body",
			map[string]string{"Idempotency-Key": "k-6"}, "k-6", []byte{}},
		{"a 16 KiB body arrives whole",
			map[string]string{"Idempotency-Key": "k-7"}, "k-7", big},
		{"a request without the header has an empty key (the gateway's validator rejects it first)",
			map[string]string{"Content-Type": "application/json"}, "", []byte(body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const requestID = "c0ffee00-1111-4222-8333-444455556666"
			got := renderRequest(t, requestID, tt.headers, tt.body)
			checkExecutionInput(t, got, requestID, tt.key, tt.body)
		})
	}
}

// cardEncodings are one Visa test number written as issue 13 reported they
// passed the detector, and in other ways a client could write it.
var cardEncodings = []struct{ name, text string }{
	{"dots", "4111.1111.1111.1111"},
	{"slashes", "4111/1111/1111/1111"},
	{"underscores", "4111_1111_1111_1111"},
	{"double spaces", "4111  1111  1111  1111"},
	{"no-break spaces", "4111\u00a01111\u00a01111\u00a01111"},
	{"full-width digits", "４１１１１１１１１１１１１１１１"},
	{"plain digits", "4111111111111111"},
	{"spaces", "4111 1111 1111 1111"},
	{"Arabic-Indic digits", "٤١١١١١١١١١١١١١١١"},
	{"zero-width spaces", "4111\u200b1111\u200b1111\u200b1111"},
	{"en dashes", "4111–1111–1111–1111"},
}

// TestWhatReachesThePaymentsWorkflowForCardData renders the request
// template for bodies that carry a card number in each encoding, in a
// string, as JSON escapes and as a number, and proves what reaches the
// workflow: the client's bytes, unchanged (there is no pre-filter, so
// Validate's decision is exact), which Validate refuses with 422 without
// repeating them. The workflow logs no execution data
// (TestThePaymentsWorkflowIsExpressWithFullLoggingAndTracing), so the
// input reaches no log.
func TestWhatReachesThePaymentsWorkflowForCardData(t *testing.T) {
	h := &validate.Handler{}
	for _, enc := range cardEncodings {
		quoted, _ := json.Marshal(enc.text)
		escaped := strings.Trim(strconv.QuoteToASCII(enc.text), `"`)
		bodies := map[string]string{
			"in the description":       `{"amount":1000,"currency":"EUR","source":"tok_visa12345678","merchant_id":"m_1","description":` + string(quoted) + `}`,
			"as JSON escapes":          `{"amount":1000,"currency":"EUR","source":"tok_visa12345678","merchant_id":"m_1","metadata":{"ref":"` + escaped + `"}}`,
			"in a malformed body":      `{"amount":1000,"note":` + string(quoted),
			"in the idempotency key":   `{"amount":1000,"currency":"EUR","source":"tok_visa12345678","merchant_id":"m_1"}`,
			"as the amount (a number)": `{"amount":4111111111111111,"currency":"EUR","source":"tok_visa12345678","merchant_id":"m_1"}`,
		}
		for where, body := range bodies {
			t.Run("a card number written with "+enc.name+" "+where, func(t *testing.T) {
				key := "k-1"
				if where == "in the idempotency key" {
					key = "k-" + enc.text
				}
				// WHEN API Gateway renders the request template
				got := renderRequest(t, "rid-card", map[string]string{"Idempotency-Key": key}, []byte(body))
				// THEN the workflow receives the client's bytes unchanged
				checkExecutionInput(t, got, "rid-card", key, []byte(body))
				// AND Validate refuses them with 422, naming fields only
				var ev validate.Event
				if err := json.Unmarshal([]byte(got.Input), &ev); err != nil {
					t.Fatal(err)
				}
				out, err := h.Handle(context.Background(), ev)
				if err != nil || out.Result == nil || out.Result.Error != errorname.CardData || out.Result.StatusCode != 422 {
					t.Fatalf("Validate answered %+v, %v; want the %s outcome (422)", out.Result, err, errorname.CardData)
				}
				if digits := regexp.MustCompile(`[0-9]{4,}`).FindString(out.Result.Body); digits != "" || strings.Contains(out.Result.Body, enc.text) {
					t.Errorf("the problem document repeats digits %q: %s", digits, out.Result.Body)
				}
			})
		}
	}
}

// TestRequestTemplateTakesTheCallerFromTheRequestContextOnly proves that
// the deployed API ignores the local runner's stand-in for the SigV4
// identity: whatever a client puts in the X-Local-Caller header (or any
// other), the workflow gets the identity API Gateway authenticated.
func TestRequestTemplateTakesTheCallerFromTheRequestContextOnly(t *testing.T) {
	const body = `{"amount":1000,"currency":"EUR","source":"tok_visa","merchant_id":"m_1"}`
	victim := "arn:aws:iam::123456789012:user/victim"
	tests := []struct {
		name    string
		userArn string
		headers map[string]string
		want    string
	}{
		{"a signed request is its signer's", testCaller, map[string]string{"Idempotency-Key": "k"}, testCaller},
		{"the local caller header is ignored", testCaller, map[string]string{"Idempotency-Key": "k", LocalCallerHeader: victim}, testCaller},
		{"the local caller header in lower case is ignored", testCaller, map[string]string{"Idempotency-Key": "k", strings.ToLower(LocalCallerHeader): victim}, testCaller},
		{"identity-looking headers are ignored", testCaller, map[string]string{"Idempotency-Key": "k", "X-Amz-User-Arn": victim, "userArn": victim, "caller": victim}, testCaller},
		{"a request without an identity has an empty caller (Validate refuses it)", "", map[string]string{"Idempotency-Key": "k", LocalCallerHeader: victim}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := renderRequestBy(t, tt.userArn, "rid-1", tt.headers, []byte(body))
			checkExecutionInputBy(t, got, tt.want, "rid-1", "k", []byte(body))
		})
	}
}

// Random keys and bodies (valid UTF-8, as API Gateway reads them) reach
// the workflow exactly as ExecutionInput builds them.
func TestRequestTemplateAgreesWithExecutionInputOnRandomRequests(t *testing.T) {
	rng := rand.New(rand.NewPCG(20261125, 1))
	runes := []rune("aZ09 \"\\'/{}[]:,$#!*().-_\t\n\r\u0000\u001f\u007fé€😀\u2028\u2029\ufeff\uffff𝄞")
	randomString := func(max int) string {
		n := rng.IntN(max + 1)
		var b strings.Builder
		for range n {
			if rng.IntN(4) == 0 {
				b.WriteRune(rune(rng.IntN(0xD7FF) + 1)) // any BMP rune below the surrogates
			} else {
				b.WriteRune(runes[rng.IntN(len(runes))])
			}
		}
		return b.String()
	}
	headerNames := []string{"Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY", "Idempotency-key"}
	for i := range 300 {
		key, body := randomString(64), randomString(2048)
		headers := map[string]string{headerNames[i%len(headerNames)]: key, "X-Other": randomString(8)}
		requestID := "rid-" + strings.Repeat("0", i%5) + "x"
		got := renderRequest(t, requestID, headers, []byte(body))
		checkExecutionInput(t, got, requestID, key, []byte(body))
		if t.Failed() {
			t.Fatalf("case %d: key %q body %q", i, key, body)
		}
	}
}

// startSyncExecutionResponse is the StartSyncExecution answer the
// integration response template reads (the fields it does not read are
// there so that the template sees a realistic document).
func startSyncExecutionResponse(t *testing.T, e Execution) string {
	t.Helper()
	doc := map[string]any{
		"executionArn":    "arn:aws:states:eu-west-1:123456789012:express:payments-test:c0ffee:c0ffee",
		"stateMachineArn": testStateMachineArn,
		"name":            "c0ffee",
		"startDate":       1.764101e9,
		"stopDate":        1.764101001e9,
		"status":          e.Status,
		"input":           `{"requestId":"c0ffee"}`,
		"inputDetails":    map[string]bool{"included": true},
		"billingDetails":  map[string]int{"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
	}
	if e.Output != "" {
		doc["output"] = e.Output
		doc["outputDetails"] = map[string]bool{"included": true}
	}
	if e.Error != "" {
		doc["error"] = e.Error
	}
	if e.Cause != "" {
		doc["cause"] = e.Cause
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// renderResponse executes the integration response template and returns
// the method response API Gateway would send: the integration response's
// status is 200 unless the template overrides it.
func renderResponse(t *testing.T, e Execution) Response {
	t.Helper()
	res, err := velocity(t).Render(vtl.Request{
		Template: ResponseTemplate(),
		Body:     startSyncExecutionResponse(t, e),
		Headers:  map[string]string{"Content-Type": "application/x-amz-json-1.0"},
		Context:  map[string]any{"requestId": "c0ffee"},
	})
	if err != nil {
		t.Fatalf("response template: %v", err)
	}
	status := res.StatusOverride
	if status == 0 {
		status = http.StatusOK
	}
	return Response{Status: status, Headers: res.HeaderOverrides, Body: strings.TrimSpace(res.Output)}
}

// sameBody compares bodies as JSON when both are JSON, else as text.
func sameBody(got, want string) bool {
	var g, w any
	if json.Unmarshal([]byte(got), &g) == nil && json.Unmarshal([]byte(want), &w) == nil {
		return reflect.DeepEqual(g, w)
	}
	return got == strings.TrimSpace(want)
}

func output(t *testing.T, r payment.Result) string {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestResponseTemplateAnswersWhatMapExecutionAnswers(t *testing.T) {
	type tc struct {
		name string
		exec Execution
	}
	created := `{"id":"pay_abc","status":"SUCCEEDED","amount":1000,"currency":"EUR","description":"café \"$x\" #end"}`
	queued := `{"id":"pay_abc","status":"QUEUED"}`
	tests := []tc{
		{"a processed payment answers 201 with its body",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 201, Body: created})}},
		{"a replayed processed payment carries Idempotent-Replayed",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 201, Replayed: true, Body: created})}},
		{"a queued payment answers 202",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 202, Body: queued})}},
		{"a replayed queued payment answers 202 with Idempotent-Replayed",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 202, Replayed: true, Body: queued})}},
		{"an unknown error is a generic 500",
			Execution{Status: "FAILED", Error: "States.Runtime", Cause: "An error occurred while executing the state 'Validate'. The JSONPath '$.x' could not be found"}},
		{"an internal error hides its cause",
			Execution{Status: "FAILED", Error: string(errorname.Internal), Cause: lambdaCause(t, payment.NewError(errorname.Internal, "secret: table arn:aws:dynamodb:..."))}},
		{"a timed-out execution is 504",
			Execution{Status: "TIMED_OUT"}},
		{"a timed-out execution with an error and cause is 504",
			Execution{Status: "TIMED_OUT", Error: "States.Timeout", Cause: "The execution timed out"}},
	}
	// Outputs and causes the workflow's contract excludes (a Task result
	// without a status code, a handler message that is not a problem
	// document) still agree, and nothing internal is shown.
	tests = append(tests,
		tc{"an output without a status code is a generic 500",
			Execution{Status: "SUCCEEDED", Output: `{"replayed":false,"body":"{\"id\":\"pay_1\"}"}`}},
		tc{"an output with status code 0 is a generic 500",
			Execution{Status: "SUCCEEDED", Output: `{"statusCode":0,"body":"x"}`}},
		tc{"an output that is not an object is a generic 500",
			Execution{Status: "SUCCEEDED", Output: `"just a string"`}},
		tc{"an output of null is a generic 500",
			Execution{Status: "SUCCEEDED", Output: `null`}},
		tc{"an output without a body answers an empty body",
			Execution{Status: "SUCCEEDED", Output: `{"statusCode":201}`}},
		tc{"a client error name in a Fail state is a generic 500 that shows nothing",
			Execution{Status: "FAILED", Error: string(errorname.Invalid), Cause: `{"errorType":"Payment.Invalid","errorMessage":"lookup failed: arn:aws:dynamodb:eu-west-1:123456789012:table/x"}`}},
		tc{"a cause that is not JSON is never read",
			Execution{Status: "FAILED", Error: string(errorname.QueueUnavailable), Cause: `card 4111111111111111`}},
	)
	for _, spec := range errorname.All() {
		e := payment.NewError(spec.Name, `detail with "quotes", \backslashes\ and ü`,
			payment.FieldError{Field: "amount", Detail: "must be a positive integer"},
			payment.FieldError{Field: "metadata.note", Detail: "$not #velocity"})
		tests = append(tests, tc{"a FAILED execution with " + string(spec.Name) + " answers as the error list says",
			Execution{Status: "FAILED", Error: string(spec.Name), Cause: lambdaCause(t, e)}})
		tests = append(tests, tc{"a SUCCEEDED execution whose result names " + string(spec.Name) + " answers as the error list says",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Rejection(e))}})
	}
	tests = append(tests,
		tc{"a rejection whose body is not a problem document does not show it",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 400, Error: errorname.Invalid, Body: "arn:aws:dynamodb:secret"})}},
		tc{"a result naming an unknown error is a generic 500",
			Execution{Status: "SUCCEEDED", Output: output(t, payment.Result{StatusCode: 418, Error: "Payment.Teapot", Body: "{}"})}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := MapExecution(tt.exec)
			got := renderResponse(t, tt.exec)
			if got.Status != want.Status {
				t.Errorf("status %d, MapExecution %d", got.Status, want.Status)
			}
			if !reflect.DeepEqual(got.Headers, want.Headers) {
				t.Errorf("headers %v, MapExecution %v", got.Headers, want.Headers)
			}
			if !sameBody(got.Body, want.Body) {
				t.Errorf("body %s\nMapExecution %s", got.Body, want.Body)
			}
		})
	}
}

// FuzzRequestTemplate checks that any key and body API Gateway can hand to
// the request template (valid UTF-8: API Gateway reads text as UTF-8)
// reach the workflow as ExecutionInput builds them.
func FuzzRequestTemplate(f *testing.F) {
	f.Add("k-1", "Idempotency-Key", []byte(`{"amount":1000}`))
	f.Add(`"\'$x#end`, "idempotency-key", []byte("\"}\n\\u0000 é 😀"))
	f.Add("", "IDEMPOTENCY-KEY", []byte{})
	f.Fuzz(func(t *testing.T, key, headerName string, body []byte) {
		if !utf8.ValidString(key) || !utf8.Valid(body) {
			t.Skip("API Gateway reads headers and bodies as UTF-8 text")
		}
		if !strings.EqualFold(headerName, "Idempotency-Key") {
			headerName = "Idempotency-Key"
		}
		got := renderRequest(t, "fuzz-request", map[string]string{headerName: key}, body)
		checkExecutionInput(t, got, "fuzz-request", key, body)
	})
}

func TestStartFailureTemplateAnswersWhatMapStartFailureAnswers(t *testing.T) {
	for _, errorType := range []string{
		"com.amazonaws.swf.service.v2.model#InvalidExecutionInput", "InvalidExecutionInput",
		"ThrottlingException", "com.amazonaws.swf.service.v2.model#AccessDeniedException", "StateMachineDoesNotExist", "",
	} {
		t.Run("a 400 "+errorType, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"__type": errorType, "message": "secret: arn:aws:states:us-east-1:123456789012:stateMachine:x"})
			if errorType == "" {
				body = []byte(`{"message":"no type"}`)
			}
			res, err := velocity(t).Render(vtl.Request{Template: StartFailureTemplate(), Body: string(body),
				Headers: map[string]string{"Content-Type": "application/x-amz-json-1.0"}})
			if err != nil {
				t.Fatal(err)
			}
			want := MapStartFailure(400, errorType)
			if res.StatusOverride != want.Status || !reflect.DeepEqual(res.HeaderOverrides, want.Headers) || !sameBody(res.Output, want.Body) {
				t.Errorf("template %d %v %s, MapStartFailure %d %v %s", res.StatusOverride, res.HeaderOverrides, res.Output, want.Status, want.Headers, want.Body)
			}
			if want.Status == http.StatusServiceUnavailable || strings.Contains(res.Output, "secret") {
				t.Errorf("a client error of Step Functions answered %d %s", want.Status, res.Output)
			}
		})
	}
}
