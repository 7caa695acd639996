// Package validate is the Validate task of the payments workflow: it
// parses and validates the client's request strictly (payment.ParseRequest)
// and hands the normalised payment, which no longer holds the idempotency
// key, to the next state. The payment belongs to the caller API Gateway
// authenticated.
package validate

import (
	"context"
	"encoding/base64"
	"log/slog"

	"github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/lambdaerr"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Event is the payments workflow's execution input, built by the API
// Gateway request template of POST /payments.
type Event struct {
	// RequestID is API Gateway's request id, for correlating logs.
	RequestID string `json:"requestId"`
	// Caller is the ARN of the SigV4 identity API Gateway authenticated
	// ($context.identity.userArn), base64-encoded: the payment's readable
	// owner (payment.OwnerOf) and version 1's owner. It never comes from a
	// header or the body.
	Caller string `json:"caller"`
	// Principal is the principal id of the same identity
	// ($context.identity.caller), base64-encoded: the owner of the
	// payment (payment.OwnerID), which a re-created principal does not
	// inherit.
	Principal string `json:"principal"`
	// IdempotencyKey is the Idempotency-Key header, base64-encoded like
	// the body so that no client byte can break the template's JSON.
	IdempotencyKey string `json:"idempotencyKey"`
	// Body is the raw request body, base64-encoded (standard alphabet,
	// padded), so that API Gateway's own parsing hides nothing.
	Body string `json:"body"`
}

// Output replaces the state's input: the request id and either the
// validated payment or, for a rejected request, the Result that answers it
// (a client outcome: 400 or 422 with its problem document).
type Output struct {
	RequestID string          `json:"requestId"`
	Payment   payment.Payment `json:"payment,omitzero"`
	// Result answers a rejected request (payment.Rejection); the workflow's
	// Choice ends it in the Succeed state named for its error.
	Result *payment.Result `json:"result,omitempty"`
}

// Handler validates payment requests. It has no dependencies but its
// logger, so one value serves every invocation.
type Handler struct {
	// Log receives one line per request with the request id and, once
	// known, the payment id; never the key, the token, the body or card
	// data. A nil Log discards.
	Log *slog.Logger
}

// Handle validates one request. A rejected request is answered with
// Output.Result, a client outcome named Payment.Invalid (400) or
// Payment.CardDataRejected (422) whose body is the client-safe problem
// document: a client's mistake is never a function error. Any other
// failure is a Lambda error (see lambdaerr.From).
func (h *Handler) Handle(ctx context.Context, ev Event) (Output, error) {
	p, err := parse(ev)
	log := h.logger().With(slog.String("request_id", ev.RequestID))
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		log = log.With(slog.String("aws_request_id", lc.AwsRequestID))
	}
	if err != nil {
		e := payment.AsError(err)
		fields := make([]string, len(e.Problem.Errors))
		for i, f := range e.Problem.Errors {
			fields[i] = f.Field // field names only: safe by construction
		}
		log.InfoContext(ctx, "payment request rejected",
			slog.String("error", string(e.Name)),
			slog.Int("status", e.Problem.Status),
			slog.Any("fields", fields))
		if e.IsOutcome() {
			r := payment.Rejection(e)
			return Output{RequestID: ev.RequestID, Result: &r}, nil
		}
		return Output{}, lambdaerr.From(e)
	}
	log.InfoContext(ctx, "payment request validated",
		slog.String("payment_id", p.ID),
		slog.String("merchant_id", p.MerchantID),
		slog.Int64("amount", p.Amount),
		slog.String("currency", p.Currency))
	return Output{RequestID: ev.RequestID, Payment: p}, nil
}

// parse decodes the key and the body and validates the request.
func parse(ev Event) (payment.Payment, error) {
	key, keyErr := base64.StdEncoding.DecodeString(ev.IdempotencyKey)
	if keyErr != nil {
		if payment.ContainsCardNumber(ev.IdempotencyKey) {
			return payment.Payment{}, payment.CardDataError(payment.FieldIdempotencyKey)
		}
		return payment.Payment{}, payment.NewError(errorname.Invalid, "The Idempotency-Key could not be read.",
			payment.FieldError{Field: payment.FieldIdempotencyKey, Detail: "is not base64-encoded"})
	}
	body, err := base64.StdEncoding.DecodeString(ev.Body)
	if err != nil {
		// Card data still takes precedence over every other problem.
		var card []string
		if payment.ContainsCardNumber(string(key)) {
			card = append(card, payment.FieldIdempotencyKey)
		}
		if payment.ContainsCardNumber(ev.Body) {
			card = append(card, payment.FieldBody)
		}
		if len(card) > 0 {
			return payment.Payment{}, payment.CardDataError(card...)
		}
		return payment.Payment{}, payment.NewError(errorname.Invalid, "The request body could not be read.",
			payment.FieldError{Field: payment.FieldBody, Detail: "is not base64-encoded"})
	}
	p, err := payment.ParseRequest(payment.OwnerID(decoded(ev.Principal)), string(key), body)
	if err != nil {
		return p, err
	}
	// Keys and payments made before the versioned derivations were the
	// ARN's: Persist checks them too (docs/security.md, "Identity and
	// derivations").
	p.OwnerArn = payment.OwnerOf(decoded(ev.Caller))
	p.Legacy = payment.NewLegacyKeys(p.OwnerArn, string(key), p)
	return p, nil
}

// decoded decodes a base64 identity field, "" if it is not base64.
func decoded(s string) string {
	c, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return ""
	}
	return string(c)
}

func (h *Handler) logger() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}

// New builds the Validate handler. It has no configuration; getenv is
// taken for the same shape as every handler's constructor, which the
// Lambda main and the local runner both call.
func New(_ func(string) string, log *slog.Logger) (*Handler, error) {
	return &Handler{Log: log}, nil
}
