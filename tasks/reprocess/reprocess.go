// Package reprocess consumes the failed-transactions queue: it persists
// each queued payment through the store, so a payment accepted with 202
// ends up stored exactly once.
package reprocess

import (
	"context"
	"errors"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// persister stores a payment; *store.Store implements it.
type persister interface {
	Persist(ctx context.Context, p payment.Payment) (payment.Result, error)
}

// Handler handles batches from the failed-transactions queue. The event
// source mapping must enable ReportBatchItemFailures.
type Handler struct {
	Store persister
	Log   *slog.Logger
}

// Handle persists every payment in the batch and reports the messages to
// receive again:
//   - persisted, or already persisted (a replay): acknowledged;
//   - in progress, store unavailable or any other failure: retried later,
//     and moved to the DLQ after maxReceiveCount;
//   - key reused (a different payment owns the key, so no retry can
//     succeed): logged as an error and acknowledged;
//   - malformed: retried, so it ends in the DLQ for inspection.
//
// It never returns an error, so one bad message does not fail the batch.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if !h.one(ctx, m) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// one handles a message and reports whether it may be deleted.
func (h *Handler) one(ctx context.Context, m events.SQSMessage) bool {
	log := h.Log.With("message_id", m.MessageId)
	msg, err := queue.Decode(m)
	if err != nil {
		log.Error("malformed queued payment", "error", err, "receive_count", m.Attributes["ApproximateReceiveCount"])
		return false
	}
	log = log.With("payment_id", msg.Payment.ID, "failure_reason", string(msg.Reason), "attempt", msg.Attempt)
	res, err := h.Store.Persist(ctx, msg.Payment)
	if err == nil {
		log.Info("queued payment persisted", "replayed", res.Replayed)
		return true
	}
	var e *payment.Error
	if errors.As(err, &e) && e.Name == errorname.KeyReused {
		log.Error("queued payment dropped: its idempotency key belongs to a different payment", "error_name", string(e.Name))
		return true
	}
	e = payment.AsError(err)
	log.Warn("queued payment not persisted yet", "error_name", string(e.Name), "error", err)
	return false
}

// New builds the reprocess handler from its function's configuration
// (TABLE_NAME, IDEMPOTENCY_TTL_HOURS; see store.FromEnv) and DynamoDB
// client. The Lambda main and the local runner both build it here.
func New(getenv func(string) string, db store.DB, log *slog.Logger) (*Handler, error) {
	s, err := store.FromEnv(getenv, db)
	if err != nil {
		return nil, err
	}
	return &Handler{Store: s, Log: log}, nil
}
