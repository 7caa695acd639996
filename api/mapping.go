package api

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Execution is what StartSyncExecution returns, as far as the API needs it.
type Execution struct {
	// Status is SUCCEEDED, FAILED or TIMED_OUT.
	Status string `json:"status"`
	Output string `json:"output,omitempty"`
	Error  string `json:"error,omitempty"`
	Cause  string `json:"cause,omitempty"`
}

// Response is an HTTP answer of POST /payments.
type Response struct {
	Status  int
	Headers map[string]string
	Body    string
}

// MapExecution turns a synchronous execution into the HTTP answer exactly
// as the integration response template does in API Gateway (the template
// is generated from the same error list; tests check the two agree). The
// local runner uses it.
//
// A SUCCEEDED execution answers its Task result: the payment (201), the
// queued payment (202), or a client outcome, whose result names its error
// (400, 409, 422: the status of the name in the shared list, with the
// handler's problem document). A FAILED execution is a platform failure
// (a Fail state named for a terminal error: 5xx with the error's own
// problem, nothing of the cause); anything else is a generic 500, and a
// timed-out execution 504.
func MapExecution(e Execution) Response {
	switch e.Status {
	case "SUCCEEDED":
		var r payment.Result
		if err := json.Unmarshal([]byte(e.Output), &r); err != nil || r.StatusCode == 0 {
			return genericProblem(http.StatusInternalServerError)
		}
		if r.Error != "" {
			return mapOutcome(r)
		}
		h := map[string]string{"Content-Type": "application/json"}
		if r.Replayed {
			h[ReplayedHeader] = "true"
		}
		return Response{Status: r.StatusCode, Headers: h, Body: r.Body}
	case "FAILED":
		spec, ok := errorname.Lookup(errorname.Name(e.Error))
		if !ok || !spec.Terminal {
			return genericProblem(http.StatusInternalServerError)
		}
		return Response{Status: spec.Status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: ErrorProblemBody(spec)}
	default: // TIMED_OUT, ABORTED
		return genericProblem(http.StatusGatewayTimeout)
	}
}

// mapOutcome answers a result that names a client outcome: the status of
// the name, and the handler's problem document when the body is one (it
// starts with its "type" member, as payment.Problem marshals), else the
// error's own problem.
func mapOutcome(r payment.Result) Response {
	spec, ok := errorname.Lookup(r.Error)
	if !ok || !spec.Outcome {
		return genericProblem(http.StatusInternalServerError)
	}
	body := r.Body
	if !strings.HasPrefix(body, problemPrefix) {
		body = ErrorProblemBody(spec)
	}
	return Response{Status: spec.Status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: body}
}

// problemPrefix starts every problem document the handlers write
// (payment.Problem marshals "type" first); the response template checks
// the same prefix.
const problemPrefix = `{"type":`

// ReplayedHeader marks the stored first response of a replayed request.
const ReplayedHeader = "Idempotent-Replayed"

// ProblemContentType is the media type of RFC 9457 problem documents.
const ProblemContentType = "application/problem+json"

// GenericProblemBody is the body of an answer that may say nothing but its
// status (RFC 9457's about:blank type).
func GenericProblemBody(status int) string {
	b, _ := json.Marshal(payment.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status})
	return string(b)
}

// ErrorProblemBody is the body of an answer for a workflow error whose
// cause cannot be shown (5xx, or no problem document): the error's type,
// title, status and fixed detail from the shared list, nothing of the
// cause.
func ErrorProblemBody(spec errorname.Spec) string {
	b, _ := json.Marshal(payment.Problem{Type: payment.ProblemTypeBase + string(spec.Name), Title: spec.Title, Status: spec.Status, Detail: spec.Detail})
	return string(b)
}

func genericProblem(status int) Response {
	return Response{Status: status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: GenericProblemBody(status)}
}

// RequestTemplate is the integration request template of POST /payments:
// it starts a synchronous execution named after the API request id with
// the request id, the caller API Gateway authenticated (the SigV4 signer,
// never a header: $context.identity.userArn, the readable ARN, and
// $context.identity.caller, the principal id that owns the payment), the
// Idempotency-Key header (matched case-insensitively) and the raw body,
// the last three base64-encoded so that no byte can break the JSON
// (docs/workflow-contract.md).
func RequestTemplate(stateMachineArn string) string {
	return `#set($key = "")
#foreach($name in $input.params().header.keySet())
#if($name.toLowerCase() == "idempotency-key")#set($key = $input.params().header.get($name))#end
#end
#set($caller = "$!context.identity.userArn")
#set($principal = "$!context.identity.caller")
{
  "stateMachineArn": "` + stateMachineArn + `",
  "name": "$context.requestId",
  "input": "{\"requestId\":\"$context.requestId\",\"caller\":\"$util.base64Encode($caller)\",\"principal\":\"$util.base64Encode($principal)\",\"idempotencyKey\":\"$util.base64Encode($key)\",\"body\":\"$util.base64Encode($input.body)\"}"
}`
}

// ResponseTemplate is the integration response template of POST /payments.
// StartSyncExecution answers HTTP 200 even for a FAILED execution, so the
// template sets the status: on success the Task result's statusCode, or,
// for a result naming a client outcome, the status of the name with the
// handler's problem document (a generic 500 for an output without a status
// or a name off the list); on failure the status of a terminal error name
// with the error's own problem (nothing of the cause); 504 on a timeout.
// Overrides are set at most once per path: API Gateway answers 5XX when a
// template sets one twice. api/vtl_test.go executes it.
func ResponseTemplate() string {
	var b strings.Builder
	b.WriteString(`#set($status = $input.path('$.status'))
#if($status == "SUCCEEDED")
#set($result = $util.parseJson($input.path('$.output')))
#end
#if($status == "SUCCEEDED" && "$!result.error" != "")
#set($context.responseOverride.header.Content-Type = "` + ProblemContentType + `")
`)
	first := true
	for _, s := range errorname.Outcomes() {
		kw := "#elseif"
		if first {
			kw, first = "#if", false
		}
		// The body is the handler's problem document (payment.Rejection),
		// which starts with its "type" member; any other body is not shown.
		fmt.Fprintf(&b, "%s($result.error == \"%s\")\n#set($context.responseOverride.status = %d)\n#set($problem = \"$!result.body\")\n#if($problem.startsWith('%s'))\n$problem\n#else\n%s\n#end\n",
			kw, s.Name, s.Status, problemPrefix, ErrorProblemBody(s))
	}
	fmt.Fprintf(&b, "#else\n#set($context.responseOverride.status = 500)\n%s\n#end\n", GenericProblemBody(500))
	b.WriteString(`#elseif($status == "SUCCEEDED" && "$!result.statusCode" != "" && "$!result.statusCode" != "0")
#set($context.responseOverride.status = $result.statusCode)
#set($context.responseOverride.header.Content-Type = "application/json")
#if($result.replayed)
#set($context.responseOverride.header.` + ReplayedHeader + ` = "true")
#end
$!result.body
#else
#set($context.responseOverride.header.Content-Type = "` + ProblemContentType + `")
#set($error = $input.path('$.error'))
`)
	first = true
	for _, s := range errorname.All() {
		if !s.Terminal {
			continue
		}
		kw := "#elseif"
		if first {
			kw, first = "#if", false
		}
		fmt.Fprintf(&b, "%s($status == \"FAILED\" && $error == \"%s\")\n#set($context.responseOverride.status = %d)\n%s\n", kw, s.Name, s.Status, ErrorProblemBody(s))
	}
	fmt.Fprintf(&b, "#elseif($status == \"FAILED\" || $status == \"SUCCEEDED\")\n#set($context.responseOverride.status = 500)\n%s\n", GenericProblemBody(500))
	fmt.Fprintf(&b, "#else\n#set($context.responseOverride.status = 504)\n%s\n#end\n#end\n", GenericProblemBody(504))
	return b.String()
}

// MapStartFailure is the answer when Step Functions refuses
// StartSyncExecution itself (no execution ran), exactly as the integration
// responses do (StartFailureTemplate for its 4xx; tests check the two
// agree). Its client errors are never 503, which would promise that a
// retry can succeed: an input over 256 KiB (InvalidExecutionInput) is 413,
// throttling 429 (a retry with the same key after a pause can succeed),
// any other 4xx (access denied, a missing state machine: the platform's
// misconfiguration) a generic 500. A 5xx of the service is 503: a retry
// with the same key can succeed. errorType is the __type of Step
// Functions' error document.
func MapStartFailure(status int, errorType string) Response {
	h := map[string]string{"Content-Type": ProblemContentType}
	switch {
	case status >= 500:
		return Response{Status: http.StatusServiceUnavailable, Headers: h, Body: GenericProblemBody(http.StatusServiceUnavailable)}
	case strings.Contains(errorType, "InvalidExecutionInput"):
		return Response{Status: http.StatusRequestEntityTooLarge, Headers: h, Body: TooLargeProblemBody()}
	case strings.Contains(errorType, "Throttling"):
		return Response{Status: http.StatusTooManyRequests, Headers: h, Body: problemJSON(throttledProblem)}
	}
	return Response{Status: http.StatusInternalServerError, Headers: h, Body: GenericProblemBody(http.StatusInternalServerError)}
}

// StartFailureTemplate is the integration response template for Step
// Functions' 4xx answers to StartSyncExecution; MapStartFailure is its Go
// mirror. api/vtl_test.go executes it.
func StartFailureTemplate() string {
	return `#set($type = "$!input.path('$.__type')")
#set($context.responseOverride.header.Content-Type = "` + ProblemContentType + `")
#if($type.contains("InvalidExecutionInput"))
#set($context.responseOverride.status = 413)
` + TooLargeProblemBody() + `
#elseif($type.contains("Throttling"))
#set($context.responseOverride.status = 429)
` + problemJSON(throttledProblem) + `
#else
#set($context.responseOverride.status = 500)
` + GenericProblemBody(http.StatusInternalServerError) + `
#end
`
}

// ExecutionInput is the execution input the request template builds for a
// request of the principal whose ARN is caller, with the principal id the
// local runner gives it (LocalIdentity): what tests pass to the payments
// workflow. See ExecutionInputFor.
func ExecutionInput(requestID, caller, idempotencyKey string, body []byte) []byte {
	return ExecutionInputFor(requestID, LocalIdentity(caller), idempotencyKey, body)
}

// ExecutionInputFor is the execution input the request template builds for
// a request API Gateway authorized as id: what the local runner passes to
// the payments workflow.
func ExecutionInputFor(requestID string, id Identity, idempotencyKey string, body []byte) []byte {
	b, _ := json.Marshal(map[string]string{
		"requestId":      requestID,
		"caller":         base64.StdEncoding.EncodeToString([]byte(id.UserArn)),
		"principal":      base64.StdEncoding.EncodeToString([]byte(id.Caller)),
		"idempotencyKey": base64.StdEncoding.EncodeToString([]byte(idempotencyKey)),
		"body":           base64.StdEncoding.EncodeToString(body),
	})
	return b
}
