// Package persist is the Persist task of the payments workflow: it stores
// the validated payment and its idempotency record, and answers replays.
package persist

import (
	"context"
	"log/slog"

	"github.com/resilientpay/paymentapi/internal/runtime/deadline"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/lambdaerr"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Event is the state input: the output of Validate.
type Event struct {
	RequestID string          `json:"requestId"`
	Payment   payment.Payment `json:"payment"`
}

// persister stores a payment; *store.Store implements it.
type persister interface {
	Persist(ctx context.Context, p payment.Payment) (payment.Result, error)
}

// Handler handles Persist invocations.
type Handler struct {
	Store persister
	Log   *slog.Logger
}

// Handle persists ev.Payment and returns the 201 result, or the stored
// first result with Replayed set. The client outcomes key reused (422) and
// in progress (409) are results too (payment.Rejection), not function
// errors. Errors are Lambda errors named Payment.StoreUnavailable or
// Payment.Internal: the platform failing, never the client.
func (h *Handler) Handle(ctx context.Context, ev Event) (payment.Result, error) {
	// Answer before the invocation's deadline: a store that is late is
	// Payment.StoreUnavailable, which the workflow retries and then queues.
	ctx, cancel := deadline.Reserve(ctx, deadline.Margin)
	defer cancel()
	log := h.Log.With("request_id", ev.RequestID, "payment_id", ev.Payment.ID)
	res, err := h.Store.Persist(ctx, ev.Payment)
	if err != nil {
		e := payment.AsError(err)
		msg := "persist failed"
		if e.Name == errorname.StoreUnavailable {
			// The platform signal a metric filter counts (store.UnavailableLogMessage).
			msg = store.UnavailableLogMessage
		}
		log.LogAttrs(ctx, levelOf(e), msg, slog.String("error_name", string(e.Name)), slog.Any("error", err))
		if e.IsOutcome() {
			return payment.Rejection(e), nil
		}
		return payment.Result{}, lambdaerr.From(e)
	}
	log.LogAttrs(ctx, slog.LevelInfo, "payment persisted", slog.Bool("replayed", res.Replayed), slog.Int("status", res.StatusCode))
	return res, nil
}

// levelOf logs client-caused outcomes as warnings and the rest as errors.
func levelOf(e *payment.Error) slog.Level {
	if e.Problem.Status < 500 {
		return slog.LevelWarn
	}
	return slog.LevelError
}

// New builds the Persist handler from its function's configuration
// (TABLE_NAME, IDEMPOTENCY_TTL_HOURS; see store.FromEnv) and DynamoDB
// client. The Lambda main and the local runner both build it here.
func New(getenv func(string) string, db store.DB, log *slog.Logger) (*Handler, error) {
	s, err := store.FromEnv(getenv, db)
	if err != nil {
		return nil, err
	}
	return &Handler{Store: s, Log: log}, nil
}
