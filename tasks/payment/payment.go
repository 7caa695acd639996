// Package payment is the payment domain shared by the task handlers: the
// validated payment, RFC 9457 problem documents and the typed errors that
// the handlers report to the workflow.
package payment

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// Payment is a validated payment request as it travels through the
// workflow, the failed-transactions queue and the store. It never holds
// card data or the idempotency key in clear.
type Payment struct {
	// ID is derived from the owner and the idempotency key (see DeriveID)
	// so that a retried or queued request keeps its id.
	ID          string            `json:"id"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Source      string            `json:"source"`
	MerchantID  string            `json:"merchant_id"`
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	// Owner is the caller that made the payment: the unique id of its IAM
	// principal (see OwnerID; the ARN for a payment made before
	// DerivationVersion). Only it can read the payment, and its
	// idempotency keys are its own.
	Owner string `json:"owner"`
	// OwnerArn is the readable ARN of the owner (see OwnerOf), for people
	// and logs; it decides nothing. Empty for a payment made before
	// DerivationVersion.
	OwnerArn string `json:"ownerArn,omitempty"`
	// Legacy are the request's version-1 keys, so that a key first sent
	// before DerivationVersion keeps answering its payment (see
	// LegacyKeys); nil when there is nothing to migrate.
	Legacy *LegacyKeys `json:"legacy,omitempty"`
	// IdempotencyKeyHash is the versioned digest of the owner and the
	// Idempotency-Key header (see HashIdempotencyKey).
	IdempotencyKeyHash string `json:"idempotencyKeyHash"`
	// RequestHash is the versioned SHA-256 of the canonical validated
	// body (see RequestHash); the same key with a different hash is a key
	// reuse.
	RequestHash string `json:"requestHash"`
}

// Result is what a workflow Task returns for the API to answer with.
type Result struct {
	StatusCode int `json:"statusCode"`
	// Replayed is true when this is the stored answer to an earlier request
	// with the same idempotency key and body.
	Replayed bool `json:"replayed"`
	// Body is the JSON response body, as a string so that the API Gateway
	// mapping template can pass it through unchanged.
	Body string `json:"body"`
	// Error names the client outcome this result answers (see
	// Rejection); empty for a payment processed or queued.
	Error errorname.Name `json:"error,omitempty"`
}

// Rejection is the result that answers a client outcome (an error whose
// spec is an Outcome): its status, its name and its problem document. The
// handlers return it instead of a Lambda error, so that a client's
// mistake is not a function error nor a failed execution.
func Rejection(e *Error) Result {
	return Result{StatusCode: e.Problem.Status, Body: e.ProblemJSON(), Error: e.Name}
}

// IsOutcome reports whether e is a client outcome, answered with a
// Rejection rather than returned as an error.
func (e *Error) IsOutcome() bool {
	spec, ok := errorname.Lookup(e.Name)
	return ok && spec.Outcome
}

// FieldError is one entry of a problem document's "errors" list.
type FieldError struct {
	// Field is a JSON pointer-like name of the offending field
	// ("amount", "metadata.order") or a header ("Idempotency-Key").
	Field string `json:"field"`
	// Detail says what is wrong; it never repeats the rejected value.
	Detail string `json:"detail"`
}

// Problem is an RFC 9457 problem details document
// (application/problem+json).
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail,omitempty"`
	Errors []FieldError `json:"errors,omitempty"`
}

// ProblemTypeBase prefixes the "type" URI of every problem document.
const ProblemTypeBase = "https://errors.resilientpay.dev/"

// Error is a domain error with its workflow error name and the problem
// document that may be shown to the client.
type Error struct {
	Name    errorname.Name
	Problem Problem
	// Err is the underlying cause, for logs only; it is never sent to a
	// client.
	Err error
}

// NewError builds an Error whose problem document takes its status and
// title from the shared error list.
func NewError(name errorname.Name, detail string, fields ...FieldError) *Error {
	spec, ok := errorname.Lookup(name)
	if !ok {
		panic(fmt.Sprintf("payment: unknown error name %q", name))
	}
	return &Error{Name: name, Problem: Problem{
		Type:   ProblemTypeBase + string(name),
		Title:  spec.Title,
		Status: spec.Status,
		Detail: detail,
		Errors: fields,
	}}
}

// Wrap returns a copy of e that records cause for logs.
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

func (e *Error) Error() string {
	if e.Err != nil {
		return string(e.Name) + ": " + e.Problem.Detail + ": " + e.Err.Error()
	}
	return string(e.Name) + ": " + e.Problem.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// ProblemJSON is the problem document as JSON.
func (e *Error) ProblemJSON() string {
	b, err := json.Marshal(e.Problem)
	if err != nil { // a Problem always marshals
		panic(err)
	}
	return string(b)
}

// AsError finds the *Error in err's chain; any other error becomes an
// Internal error whose problem document reveals nothing.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return NewError(errorname.Internal, "The payment could not be processed.").Wrap(err)
}
