// Package enqueue is the EnqueueOnFailure task of the payments workflow: a
// payment that could not be persisted goes to the failed-transactions queue
// and the client gets 202 Accepted.
package enqueue

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/resilientpay/paymentapi/internal/runtime/deadline"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/lambdaerr"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
)

// Failure is the error the workflow caught from Persist.
type Failure struct {
	Error string `json:"Error"`
	// Cause is the problem document of the error. It is not forwarded.
	Cause string `json:"Cause"`
}

// Event is the state input: Persist's input plus the caught error.
type Event struct {
	RequestID string          `json:"requestId"`
	Payment   payment.Payment `json:"payment"`
	Failure   Failure         `json:"failure"`
	// Attempt is the number of persist attempts made (default 1).
	Attempt int `json:"attempt,omitempty"`
}

// enqueuer queues a payment; *queue.Queue implements it.
type enqueuer interface {
	Enqueue(ctx context.Context, p payment.Payment, reason errorname.Name, attempt int) error
}

// Handler handles EnqueueOnFailure invocations.
type Handler struct {
	Queue enqueuer
	Log   *slog.Logger
}

// Accepted is the body of the 202 response.
type Accepted struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// StatusQueued is the status of a payment accepted into the queue.
const StatusQueued = "QUEUED"

// Handle queues ev.Payment and returns the 202 result. The only error is
// Payment.QueueUnavailable (or Payment.Internal for a malformed event),
// answered before the invocation's deadline (deadline.Margin).
func (h *Handler) Handle(ctx context.Context, ev Event) (payment.Result, error) {
	ctx, cancel := deadline.Reserve(ctx, deadline.Margin)
	defer cancel()
	log := h.Log.With("request_id", ev.RequestID, "payment_id", ev.Payment.ID)
	if ev.Payment.ID == "" || ev.Payment.IdempotencyKeyHash == "" || ev.Payment.RequestHash == "" {
		log.Error("enqueue event without a complete payment")
		return payment.Result{}, lambdaerr.From(payment.NewError(errorname.Internal, "The payment could not be processed."))
	}
	reason := reasonOf(ev.Failure.Error)
	if err := h.Queue.Enqueue(ctx, ev.Payment, reason, max(ev.Attempt, 1)); err != nil {
		e := payment.AsError(err)
		log.Error("enqueue failed", "error_name", string(e.Name), "error", err)
		return payment.Result{}, lambdaerr.From(e)
	}
	body, err := json.Marshal(Accepted{ID: ev.Payment.ID, Status: StatusQueued})
	if err != nil {
		return payment.Result{}, lambdaerr.From(err)
	}
	log.Info("payment queued", "failure_reason", string(reason))
	return payment.Result{StatusCode: 202, Body: string(body)}, nil
}

// reasonOf keeps a caught error name only if it is one this app declares,
// so the queue attribute never carries arbitrary text.
func reasonOf(name string) errorname.Name {
	for _, n := range errorname.Declared() {
		if string(n) == name {
			return n
		}
	}
	return errorname.StoreUnavailable
}

// New builds the EnqueueOnFailure handler from its function's
// configuration (FAILED_QUEUE_URL, required; CALL_TIMEOUT_MS, optional,
// default queue.DefaultCallTimeout) and SQS client. The Lambda main and
// the local runner both build it here.
func New(getenv func(string) string, client queue.Sender, log *slog.Logger) (*Handler, error) {
	url := getenv("FAILED_QUEUE_URL")
	if url == "" {
		return nil, errors.New("FAILED_QUEUE_URL is not set")
	}
	call, err := deadline.CallTimeout(getenv, queue.DefaultCallTimeout)
	if err != nil {
		return nil, err
	}
	return &Handler{Queue: queue.New(client, url, queue.WithCallTimeout(call)), Log: log}, nil
}
