package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

// IdempotencyKeyHeader is the header every POST /payments must carry.
const IdempotencyKeyHeader = "Idempotency-Key"

// LocalCallerHeader stands in for the SigV4 identity in the local runner,
// which has no IAM: it names the caller that owns the request's payments.
// The deployed API never reads it: its request template and the GET
// function take the caller from the request context API Gateway fills
// after checking the signature (tests prove both).
const LocalCallerHeader = "X-Local-Caller"

// LocalUnsignedCallerHeader is set by the local runner on its answer to
// an unsigned request it accepted as a local caller (it was started
// without -require-signature); the deployed API answers such a request
// 403 and never sets it.
const LocalUnsignedCallerHeader = "X-Local-Unsigned-Caller"

// RequiredFields are the body fields API Gateway's request model requires.
// The model checks presence only: types, formats and card data are the
// Validate task's job, so that every contract error has one answer (a
// stricter model would answer 400 where the contract says 422, and its
// messages could echo rejected values).
var RequiredFields = []string{"amount", "currency", "source", "merchant_id"}

// Gateway error documents, answered by API Gateway itself (gateway
// responses) before the workflow starts. None of them repeats client input.
var (
	badBodyProblem = payment.Problem{Type: payment.ProblemTypeBase + "Payment.Invalid", Title: "Invalid payment request", Status: 400,
		Detail: "The body must be a JSON object with amount, currency, source and merchant_id."}
	badParamsProblem = payment.Problem{Type: payment.ProblemTypeBase + "Payment.Invalid", Title: "Invalid payment request", Status: 400,
		Detail: "The Idempotency-Key header is required.",
		Errors: []payment.FieldError{{Field: IdempotencyKeyHeader, Detail: "is required"}}}
)

// tooLargeProblem answers a body over the contract's limit: from the web
// ACL's body-size rule, API Gateway's own payload limit, or Step Functions
// refusing an execution input over 256 KiB.
var tooLargeProblem = payment.Problem{Type: "about:blank", Title: "Content Too Large", Status: 413,
	Detail: fmt.Sprintf("The request body may be at most %d bytes.", payment.MaxBodyBytes)}

// throttledProblem answers a request refused by a rate limit: the stage's,
// or Step Functions' own.
var throttledProblem = payment.Problem{Type: "about:blank", Title: "Too Many Requests", Status: 429,
	Detail: "The request rate limit was exceeded; retry with the same Idempotency-Key after a pause."}

// TooLargeProblemBody is the body of the 413 answer to a body over the
// contract's limit (payment.MaxBodyBytes).
func TooLargeProblemBody() string { return problemJSON(tooLargeProblem) }

// ThrottledProblemBody is the body of the 429 answer to a request a rate
// limit refused (the stage's throttle, the web ACL's rate rules).
func ThrottledProblemBody() string { return problemJSON(throttledProblem) }

func problemJSON(p payment.Problem) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// ValidateAtGateway answers a POST /payments request the way API Gateway's
// request validator does, or returns nil when the request reaches the
// workflow. The local runner calls it so that it answers as the deployed
// API does.
func ValidateAtGateway(header http.Header, body []byte) *Response {
	if strings.TrimSpace(header.Get(IdempotencyKeyHeader)) == "" && len(header.Values(IdempotencyKeyHeader)) == 0 {
		return &Response{Status: 400, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: problemJSON(badParamsProblem)}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return &Response{Status: 400, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: problemJSON(badBodyProblem)}
	}
	for _, f := range RequiredFields {
		if _, ok := obj[f]; !ok {
			return &Response{Status: 400, Headers: map[string]string{"Content-Type": ProblemContentType}, Body: problemJSON(badBodyProblem)}
		}
	}
	return nil
}

// gatewayProblem is the body of one of API Gateway's own error
// responses, by response type, with the status it is sent with (0 keeps
// the error's own status).
type gatewayProblem struct {
	responseType string
	status       int
	body         string
}

// GatewayResponseTypes are the gateway response types API Gateway
// documents ("Gateway response types for API Gateway", API Gateway
// developer guide, checked 2026-12 against the CDK's ResponseType
// constants), each with the status it sends by default (0: none, the
// error's own). The API answers every one of them with a problem document
// (RFC 9457) of its own.
var GatewayResponseTypes = map[string]int{
	"ACCESS_DENIED": 403, "API_CONFIGURATION_ERROR": 500, "AUTHORIZER_CONFIGURATION_ERROR": 500,
	"AUTHORIZER_FAILURE": 500, "BAD_REQUEST_PARAMETERS": 400, "BAD_REQUEST_BODY": 400,
	"DEFAULT_4XX": 0, "DEFAULT_5XX": 0, "EXPIRED_TOKEN": 403, "INTEGRATION_FAILURE": 504,
	"INTEGRATION_TIMEOUT": 504, "INVALID_API_KEY": 403, "INVALID_SIGNATURE": 403,
	"MISSING_AUTHENTICATION_TOKEN": 403, "QUOTA_EXCEEDED": 429, "REQUEST_TOO_LARGE": 413,
	"RESOURCE_NOT_FOUND": 404, "THROTTLED": 429, "UNAUTHORIZED": 401, "UNSUPPORTED_MEDIA_TYPE": 415,
	"WAF_FILTERED": 403,
}

// gatewayProblems are the API's gateway responses: one for every type in
// GatewayResponseTypes. A gateway response template gets simple variable
// substitution, not Velocity, and the values are not JSON-escaped, so no
// body here holds a variable that a client can influence: each is a fixed
// problem document whose status is the one it is sent with.
var gatewayProblems = []gatewayProblem{
	{"BAD_REQUEST_BODY", 400, problemJSON(badBodyProblem)},
	{"BAD_REQUEST_PARAMETERS", 400, problemJSON(badParamsProblem)},
	{"UNSUPPORTED_MEDIA_TYPE", 415, problemJSON(payment.Problem{Type: "about:blank", Title: "Unsupported Media Type", Status: 415,
		Detail: "Send the payment as application/json."})},
	{"REQUEST_TOO_LARGE", 413, problemJSON(tooLargeProblem)},
	{"THROTTLED", 429, problemJSON(throttledProblem)},
	{"QUOTA_EXCEEDED", 429, problemJSON(throttledProblem)},
	{"WAF_FILTERED", 403, problemJSON(payment.Problem{Type: "about:blank", Title: "Forbidden", Status: 403})},
	// API Gateway answers an unknown route, an undefined method of a known
	// route and an unsigned request to an IAM route alike.
	{"MISSING_AUTHENTICATION_TOKEN", 403, problemJSON(payment.Problem{Type: "about:blank", Title: "Forbidden", Status: 403,
		Detail: "No such route or method, or the request is not signed (SigV4)."})},
	// A SigV4 signature that does not match, credentials that expired, a
	// signer IAM does not allow to invoke the route.
	{"INVALID_SIGNATURE", 403, problemJSON(payment.Problem{Type: "about:blank", Title: "Forbidden", Status: 403,
		Detail: "The request signature (SigV4) does not match; sign the request again with valid credentials."})},
	{"EXPIRED_TOKEN", 403, problemJSON(payment.Problem{Type: "about:blank", Title: "Forbidden", Status: 403,
		Detail: "The credentials that signed the request have expired."})},
	{"ACCESS_DENIED", 403, problemJSON(payment.Problem{Type: "about:blank", Title: "Forbidden", Status: 403,
		Detail: "The caller is not allowed to call this route."})},
	// The API has no API keys or custom authorizers; should one be added,
	// these still answer with problem documents.
	fixedProblem("INVALID_API_KEY", http.StatusForbidden),
	fixedProblem("UNAUTHORIZED", http.StatusUnauthorized),
	fixedProblem("RESOURCE_NOT_FOUND", http.StatusNotFound),
	// Any other 4xx API Gateway may add keeps its own status, which no
	// documented variable states (there is no $context.error.statusCode),
	// so its problem leaves "status" out, as RFC 9457 allows (section
	// 3.1.4: the member is advisory). $context.error.responseType is an
	// upper-case identifier chosen by API Gateway: safe inside a string.
	{"DEFAULT_4XX", 0, `{"type":"about:blank","title":"Client Error","detail":"API Gateway refused the request ($context.error.responseType)."}`},
	// API Gateway's own 5xx answers, each sent with the status its
	// problem says (RFC 9457): a timeout or failure of an integration, the
	// API's misconfiguration, and anything else (a Lambda proxy that
	// failed or answered malformed) as 502.
	fixedProblem("INTEGRATION_TIMEOUT", http.StatusGatewayTimeout),
	fixedProblem("INTEGRATION_FAILURE", http.StatusGatewayTimeout),
	fixedProblem("API_CONFIGURATION_ERROR", http.StatusInternalServerError),
	fixedProblem("AUTHORIZER_CONFIGURATION_ERROR", http.StatusInternalServerError),
	fixedProblem("AUTHORIZER_FAILURE", http.StatusInternalServerError),
	fixedProblem("DEFAULT_5XX", http.StatusBadGateway),
}

// fixedProblem is a gateway response sent with status and a problem that
// says it.
func fixedProblem(responseType string, status int) gatewayProblem {
	return gatewayProblem{responseType, status, problemJSON(payment.Problem{Type: "about:blank", Title: http.StatusText(status), Status: status})}
}

// GatewayResponse is one of the API's gateway responses as the deployed
// API configures it: the response type, the status it is sent with (0
// keeps the error's own) and the body template.
type GatewayResponse struct {
	Type     string
	Status   int
	Template string
}

// GatewayResponses returns the API's gateway responses, one for every type
// in GatewayResponseTypes, in the order the stack adds them.
func GatewayResponses() []GatewayResponse {
	out := make([]GatewayResponse, len(gatewayProblems))
	for i, gr := range gatewayProblems {
		out[i] = GatewayResponse{Type: gr.responseType, Status: gr.status, Template: gr.body}
	}
	return out
}

// GatewayProblem returns the status and problem body API Gateway answers
// with for one of its own error responses, by response type (THROTTLED,
// UNSUPPORTED_MEDIA_TYPE, REQUEST_TOO_LARGE, DEFAULT_5XX...), so that the
// local runner answers as the deployed API does. ok is false for an
// unknown type and for DEFAULT_4XX, whose body names the response type.
func GatewayProblem(responseType string) (status int, body string, ok bool) {
	for _, gr := range gatewayProblems {
		if gr.responseType == responseType && !strings.Contains(gr.body, "$context") {
			return gr.status, gr.body, true
		}
	}
	return 0, "", false
}
