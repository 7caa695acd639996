// Package errorname is the single list of workflow error names shared by the
// payment task handlers (which return them as Lambda error types, or as the
// error of a client outcome), the payments workflow (whose Retry, Catch and
// Choice rules match on them) and the API Gateway integration response
// (which maps them to HTTP status codes).
//
// Tests in the handlers, the workflow construct and the API construct all
// read this list, so a renamed or added error cannot drift between the three.
package errorname

import "net/http"

// Name is an error name as Step Functions sees it: the Lambda function's
// error type, matched by Retry.ErrorEquals and Catch.ErrorEquals.
type Name string

// Errors raised by the payment task handlers.
const (
	// Invalid means the request broke the API contract (400, with a
	// per-field list in the problem document). A client outcome.
	Invalid Name = "Payment.Invalid"
	// CardData means a field held what looks like a card number (422). The
	// value is never echoed back, logged or stored. A client outcome.
	CardData Name = "Payment.CardDataRejected"
	// KeyReused means the Idempotency-Key was used before with a different
	// request body (422). A client outcome.
	KeyReused Name = "Payment.IdempotencyKeyReused"
	// InProgress means a request with the same Idempotency-Key is still
	// being processed (409); the client retries later. A client outcome.
	InProgress Name = "Payment.InProgress"
	// StoreUnavailable is transient: the transaction store throttled or was
	// unavailable. The workflow retries it within its budget, then catches
	// it and enqueues the payment for later persistence (202).
	StoreUnavailable Name = "Payment.StoreUnavailable"
	// QueueUnavailable means the payment could not be confirmed persisted
	// or queued (503). It may have been queued all the same (a send whose
	// answer was lost), so the client retries with the same
	// Idempotency-Key, which never creates a second payment.
	QueueUnavailable Name = "Payment.QueueUnavailable"
	// NotFound means no payment has the requested id (404).
	NotFound Name = "Payment.NotFound"
	// Internal is any other failure (500); its cause is never shown to the
	// client.
	Internal Name = "Payment.Internal"
)

// Errors raised by AWS services rather than by the handlers.
const (
	// LambdaServiceException and the four names below are the Lambda
	// service errors AWS recommends every Lambda Task retries.
	LambdaServiceException       Name = "Lambda.ServiceException"
	LambdaAWSLambdaException     Name = "Lambda.AWSLambdaException"
	LambdaSdkClientException     Name = "Lambda.SdkClientException"
	LambdaClientExecutionTimeout Name = "Lambda.ClientExecutionTimeoutException"
	LambdaTooManyRequests        Name = "Lambda.TooManyRequestsException"
	// LambdaUnknown is how Step Functions names an error the function did
	// not return itself: the function timed out, ran out of memory or
	// crashed.
	LambdaUnknown Name = "Lambda.Unknown"
	// StatesTimeout is raised when a Task exceeds its TimeoutSeconds.
	StatesTimeout Name = "States.Timeout"
	// StatesTaskFailed matches any Task failure except States.Timeout.
	StatesTaskFailed Name = "States.TaskFailed"
	// StatesALL matches every error; it must stand alone and last.
	StatesALL Name = "States.ALL"
)

// RecoveryFailed ends a recovery workflow execution that could not read
// the platform's health; it is alarmed on.
const RecoveryFailed Name = "Recovery.Failed"

// Spec describes how one handler error is answered by the API.
type Spec struct {
	Name Name
	// Status is the HTTP status code the API answers with.
	Status int
	// Title is the RFC 9457 problem title used when the cause cannot be
	// shown (and the title handlers put in their problem documents).
	Title string
	// Detail, when set, is the fixed problem detail the API answers with
	// for a 5xx error, whose cause is never shown: what the client should
	// do.
	Detail string
	// Transient errors are retried by the workflow.
	Transient bool
	// Outcome errors are client outcomes (4xx): the handler returns them
	// as its result (a payment.Result whose Error is the name), not as a
	// Lambda error, and the payments workflow answers them through a
	// Succeed state of the same name. So a client's mistake counts neither
	// as a function error nor as a failed execution, and no alarm that
	// gates recovery sees it.
	Outcome bool
	// Terminal errors are platform failures that end the payments
	// workflow in a Fail state of the same name (a failed execution).
	// Errors that are neither Outcome nor Terminal are caught and handled
	// inside the workflow or never reach it (NotFound).
	Terminal bool
}

var specs = []Spec{
	{Name: Invalid, Status: http.StatusBadRequest, Title: "Invalid payment request", Outcome: true},
	{Name: CardData, Status: http.StatusUnprocessableEntity, Title: "Card data is not accepted", Outcome: true},
	{Name: KeyReused, Status: http.StatusUnprocessableEntity, Title: "Idempotency key reused with a different request", Outcome: true},
	{Name: InProgress, Status: http.StatusConflict, Title: "A request with this idempotency key is in progress", Outcome: true},
	{Name: StoreUnavailable, Status: http.StatusServiceUnavailable, Title: "Transaction store unavailable", Transient: true},
	{Name: QueueUnavailable, Status: http.StatusServiceUnavailable, Title: "Payment not confirmed, retry with the same key", Terminal: true,
		Detail: "The payment may have been accepted. Retry with the same Idempotency-Key and body: a retry never creates a second payment."},
	{Name: NotFound, Status: http.StatusNotFound, Title: "Payment not found"},
	{Name: Internal, Status: http.StatusInternalServerError, Title: "Internal error", Terminal: true},
}

// All returns the handler errors, in a stable order. The slice is a copy.
func All() []Spec { return append([]Spec(nil), specs...) }

// Lookup returns the spec of a handler error name.
func Lookup(n Name) (Spec, bool) {
	for _, s := range specs {
		if s.Name == n {
			return s, true
		}
	}
	return Spec{}, false
}

// LambdaServiceErrors are the Lambda service exceptions every Lambda Task
// retries, as AWS recommends.
func LambdaServiceErrors() []Name {
	return []Name{LambdaServiceException, LambdaAWSLambdaException, LambdaSdkClientException, LambdaClientExecutionTimeout, LambdaTooManyRequests}
}

// Outcomes returns the client outcomes (Spec.Outcome), in a stable order.
func Outcomes() []Spec {
	var out []Spec
	for _, s := range specs {
		if s.Outcome {
			out = append(out, s)
		}
	}
	return out
}

// Declared returns every name a workflow of this app may use in Retry,
// Catch or Fail: the handler errors, the Lambda service errors and the
// States.* names the workflows match on. The workflow linter rejects any
// other name, so a typo is a lint error rather than a silent no-op.
func Declared() []Name {
	out := make([]Name, 0, len(specs)+8)
	for _, s := range specs {
		out = append(out, s.Name)
	}
	out = append(out, LambdaServiceErrors()...)
	return append(out, LambdaUnknown, RecoveryFailed, StatesTimeout, StatesTaskFailed, StatesALL)
}

// Strings converts names to strings, for APIs that take []string.
func Strings(names []Name) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return out
}
