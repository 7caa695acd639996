// Package errorname is the single list of workflow error names shared by the
// payment task handlers (which return them as Lambda error types), the
// payments workflow (whose Retry and Catch match on them) and the API
// Gateway integration response (which maps them to HTTP status codes).
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
	// per-field list in the problem document).
	Invalid Name = "Payment.Invalid"
	// CardData means a field held what looks like a card number (422). The
	// value is never echoed back, logged or stored.
	CardData Name = "Payment.CardDataRejected"
	// KeyReused means the Idempotency-Key was used before with a different
	// request body (422).
	KeyReused Name = "Payment.IdempotencyKeyReused"
	// InProgress means a request with the same Idempotency-Key is still
	// being processed (409); the client retries later.
	InProgress Name = "Payment.InProgress"
	// StoreUnavailable is transient: the transaction store throttled or was
	// unavailable. The workflow retries it within its budget, then catches
	// it and enqueues the payment for later persistence (202).
	StoreUnavailable Name = "Payment.StoreUnavailable"
	// QueueUnavailable means the payment could be neither persisted nor
	// queued (503); nothing was accepted and the client may retry with the
	// same Idempotency-Key.
	QueueUnavailable Name = "Payment.QueueUnavailable"
	// NotFound means no payment has the requested id (404).
	NotFound Name = "Payment.NotFound"
	// Internal is any other failure (500); its cause is never shown to the
	// client.
	Internal Name = "Payment.Internal"
)

// Errors raised by AWS services rather than by the handlers.
const (
	// LambdaServiceException and the three names below are the Lambda
	// service errors AWS recommends every Lambda Task retries.
	LambdaServiceException   Name = "Lambda.ServiceException"
	LambdaAWSLambdaException Name = "Lambda.AWSLambdaException"
	LambdaSdkClientException Name = "Lambda.SdkClientException"
	LambdaTooManyRequests    Name = "Lambda.TooManyRequestsException"
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
	// Transient errors are retried by the workflow.
	Transient bool
	// Terminal errors end the payments workflow in a Fail state of the
	// same name; the others are caught and handled inside the workflow or
	// never reach it (NotFound).
	Terminal bool
}

var specs = []Spec{
	{Name: Invalid, Status: http.StatusBadRequest, Title: "Invalid payment request", Terminal: true},
	{Name: CardData, Status: http.StatusUnprocessableEntity, Title: "Card data is not accepted", Terminal: true},
	{Name: KeyReused, Status: http.StatusUnprocessableEntity, Title: "Idempotency key reused with a different request", Terminal: true},
	{Name: InProgress, Status: http.StatusConflict, Title: "A request with this idempotency key is in progress", Terminal: true},
	{Name: StoreUnavailable, Status: http.StatusServiceUnavailable, Title: "Transaction store unavailable", Transient: true},
	{Name: QueueUnavailable, Status: http.StatusServiceUnavailable, Title: "Payment could not be accepted, retry later", Terminal: true},
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
	return []Name{LambdaServiceException, LambdaAWSLambdaException, LambdaSdkClientException, LambdaTooManyRequests}
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
	return append(out, RecoveryFailed, StatesTimeout, StatesTaskFailed, StatesALL)
}

// Strings converts names to strings, for APIs that take []string.
func Strings(names []Name) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = string(n)
	}
	return out
}
