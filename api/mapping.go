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
func MapExecution(e Execution) Response {
	switch e.Status {
	case "SUCCEEDED":
		var r payment.Result
		if err := json.Unmarshal([]byte(e.Output), &r); err != nil || r.StatusCode == 0 {
			return genericProblem(http.StatusInternalServerError)
		}
		h := map[string]string{"Content-Type": "application/json"}
		if r.Replayed {
			h[ReplayedHeader] = "true"
		}
		return Response{Status: r.StatusCode, Headers: h, Body: r.Body}
	case "FAILED":
		spec, ok := errorname.Lookup(errorname.Name(e.Error))
		problem := problemFromCause(e.Cause)
		switch {
		case !ok || !spec.Terminal:
			return genericProblem(http.StatusInternalServerError)
		case spec.Status >= 500 || problem == "":
			return Response{Status: spec.Status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: ErrorProblemBody(spec)}
		}
		return Response{Status: spec.Status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: problem}
	default: // TIMED_OUT, ABORTED
		return genericProblem(http.StatusGatewayTimeout)
	}
}

// problemFromCause extracts the handler's problem document from a Fail
// state's cause. Step Functions wraps a Lambda error as
// {"errorType": ..., "errorMessage": "<problem JSON>"}; the problem is the
// message. It returns "" when the cause holds no problem document.
func problemFromCause(cause string) string {
	var wrapped struct {
		ErrorMessage *string `json:"errorMessage"`
	}
	if err := json.Unmarshal([]byte(cause), &wrapped); err == nil && wrapped.ErrorMessage != nil {
		cause = *wrapped.ErrorMessage
	}
	var p payment.Problem
	if err := json.Unmarshal([]byte(cause), &p); err != nil || p.Status == 0 {
		return ""
	}
	return cause
}

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
// title and status from the shared list, nothing of the cause.
func ErrorProblemBody(spec errorname.Spec) string {
	b, _ := json.Marshal(payment.Problem{Type: payment.ProblemTypeBase + string(spec.Name), Title: spec.Title, Status: spec.Status})
	return string(b)
}

func genericProblem(status int) Response {
	return Response{Status: status, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: GenericProblemBody(status)}
}

// RequestTemplate is the integration request template of POST /payments:
// it starts a synchronous execution named after the API request id with
// the request id, the caller API Gateway authenticated
// ($context.identity.userArn: the SigV4 signer, never a header), the
// Idempotency-Key header (matched case-insensitively) and the raw body,
// the last three base64-encoded so that no byte can break the JSON
// (docs/workflow-contract.md).
func RequestTemplate(stateMachineArn string) string {
	return `#set($key = "")
#foreach($name in $input.params().header.keySet())
#if($name.toLowerCase() == "idempotency-key")#set($key = $input.params().header.get($name))#end
#end
#set($caller = "$!context.identity.userArn")
{
  "stateMachineArn": "` + stateMachineArn + `",
  "name": "$context.requestId",
  "input": "{\"requestId\":\"$context.requestId\",\"caller\":\"$util.base64Encode($caller)\",\"idempotencyKey\":\"$util.base64Encode($key)\",\"body\":\"$util.base64Encode($input.body)\"}"
}`
}

// ResponseTemplate is the integration response template of POST /payments.
// StartSyncExecution answers HTTP 200 even for a FAILED execution, so the
// template sets the status: the Task's statusCode on success (a generic 500
// when the output has none), the status of the error name on failure (the
// problem document from the handler for 4xx, when the cause holds one; a
// generic problem for 5xx so nothing internal leaks), 504 on a timeout.
// Overrides are set at most once per path: API Gateway answers 5XX when a
// template sets one twice. api/vtl_test.go executes it.
func ResponseTemplate() string {
	var b strings.Builder
	b.WriteString(`#set($status = $input.path('$.status'))
#if($status == "SUCCEEDED")
#set($result = $util.parseJson($input.path('$.output')))
#end
#if($status == "SUCCEEDED" && "$!result.statusCode" != "" && "$!result.statusCode" != "0")
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
	first := true
	for _, s := range errorname.All() {
		if !s.Terminal {
			continue
		}
		kw := "#elseif"
		if first {
			kw, first = "#if", false
		}
		fmt.Fprintf(&b, "%s($status == \"FAILED\" && $error == \"%s\")\n#set($context.responseOverride.status = %d)\n", kw, s.Name, s.Status)
		if s.Status < 500 {
			// The cause is Lambda's error wrapper; its errorMessage is
			// the handler's problem document (lambdaerr.From), which
			// starts with its "type" member. Any other message is not
			// shown.
			fmt.Fprintf(&b, "#set($cause = $util.parseJson($input.path('$.cause')))\n#set($problem = \"$!cause.errorMessage\")\n#if($problem.startsWith('{\"type\":'))\n$problem\n#else\n%s\n#end\n", ErrorProblemBody(s))
		} else {
			b.WriteString(ErrorProblemBody(s) + "\n")
		}
	}
	fmt.Fprintf(&b, "#elseif($status == \"FAILED\" || $status == \"SUCCEEDED\")\n#set($context.responseOverride.status = 500)\n%s\n", GenericProblemBody(500))
	fmt.Fprintf(&b, "#else\n#set($context.responseOverride.status = 504)\n%s\n#end\n#end\n", GenericProblemBody(504))
	return b.String()
}

// ExecutionInput is the execution input the request template builds for a
// request of caller (the SigV4 identity): what the local runner passes to
// the payments workflow.
func ExecutionInput(requestID, caller, idempotencyKey string, body []byte) []byte {
	b, _ := json.Marshal(map[string]string{
		"requestId":      requestID,
		"caller":         base64.StdEncoding.EncodeToString([]byte(caller)),
		"idempotencyKey": base64.StdEncoding.EncodeToString([]byte(idempotencyKey)),
		"body":           base64.StdEncoding.EncodeToString(body),
	})
	return b
}
