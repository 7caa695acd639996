// Package reprocess consumes the failed-transactions queue: it persists
// each queued payment through the store, so a payment accepted with 202
// ends up stored exactly once, and no queued payment is ever dropped: one
// that can never be stored as it is is parked, with its reason, for the
// operators (store.Park, docs/runbook.md).
package reprocess

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// persister stores and parks payments; *store.Store implements it.
type persister interface {
	Persist(ctx context.Context, p payment.Payment) (payment.Result, error)
	Park(ctx context.Context, p store.Parked) (string, error)
}

// resender sends a copy of a message; *queue.Queue implements it.
type resender interface {
	Resend(ctx context.Context, m events.SQSMessage, set map[string]int) error
}

// Defaults of the bounds.
const (
	// DefaultMaxReceives is the receive on which the function dead-letters
	// a message that still fails. The queue's own maxReceiveCount is
	// higher: SQS dead-letters only what the function could not (it
	// crashed or timed out on every receive).
	DefaultMaxReceives = 5
	// DefaultMaxDeadLetters is how many times a message may be
	// dead-lettered (and redriven by the recovery workflow) before the
	// function parks it instead.
	DefaultMaxDeadLetters = 3
)

// batchMargin is what Handle keeps before the invocation's deadline to
// report the messages it did not reach.
const batchMargin = 2 * time.Second

// ParkedLogMessage is the log message of a parked payment; the alarm on
// parked payments counts these lines (a metric filter on the function's
// log group).
const ParkedLogMessage = "queued payment parked"

// Handler handles batches from the failed-transactions queue. The event
// source mapping must enable ReportBatchItemFailures.
type Handler struct {
	Store persister
	// DLQ is the failed-transactions DLQ, where the function moves a
	// message that failed MaxReceives times, counting its dead letters
	// (queue.AttrDeadLetters). Nil leaves that to SQS's redrive policy,
	// which does not count.
	DLQ resender
	// MaxReceives and MaxDeadLetters bound the retries of one message
	// (defaults DefaultMaxReceives and DefaultMaxDeadLetters).
	MaxReceives, MaxDeadLetters int
	Log                         *slog.Logger
}

// Handle persists every payment in the batch and reports the messages to
// receive again:
//   - persisted, or already persisted (a replay): acknowledged;
//   - key reused (a different payment owns the key, so no retry can
//     succeed), or not a payment at all: parked and acknowledged;
//   - in progress, store unavailable or any other failure: retried; on
//     the MaxReceives-th receive dead-lettered with its count and
//     acknowledged, or parked once it was dead-lettered MaxDeadLetters
//     times;
//   - received more than MaxReceives times (the function crashed or timed
//     out on it): moved on the same way without being processed.
//
// A message that cannot be parked or dead-lettered (the store or the DLQ
// failing) is left on the queue. Handle never returns an error, so one bad
// message does not fail the batch.
func (h *Handler) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	// Keep time to answer: messages not reached before the margin are
	// reported for retry, rather than the whole batch failing on Lambda's
	// timeout.
	if d, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d.Add(-batchMargin))
		defer cancel()
	}
	var resp events.SQSEventResponse
	for _, m := range ev.Records {
		if ctx.Err() != nil || !h.one(ctx, m) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}

// one handles a message and reports whether it may be deleted.
func (h *Handler) one(ctx context.Context, m events.SQSMessage) bool {
	receives, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	log := h.Log.With("message_id", m.MessageId, "receive_count", receives)
	if receives > h.maxReceives() {
		return h.moveOn(ctx, log, m, receives, "not finished in "+strconv.Itoa(h.maxReceives())+" receives (timed out or crashed)")
	}
	msg, err := queue.Decode(m)
	if err != nil {
		return h.park(ctx, log, m, store.Parked{Reason: store.ParkedMalformed, Detail: err.Error(), Receives: receives})
	}
	p := msg.Payment
	log = log.With("payment_id", p.ID, "failure_reason", string(msg.Reason), "attempt", msg.Attempt, "dead_letters", msg.DeadLetters)
	res, err := h.Store.Persist(ctx, p)
	if err == nil {
		log.Info("queued payment persisted", "replayed", res.Replayed)
		return true
	}
	e := payment.AsError(err)
	if e.Name == errorname.KeyReused {
		return h.park(ctx, log, m, store.Parked{Reason: store.ParkedKeyReused, Detail: string(e.Name),
			PaymentID: p.ID, RequestHash: p.RequestHash, Receives: receives, DeadLetters: msg.DeadLetters})
	}
	log.Warn("queued payment not persisted yet", "error_name", string(e.Name), "error", err)
	if receives < h.maxReceives() {
		return false
	}
	return h.moveOn(ctx, log, m, receives, "last error "+string(e.Name))
}

// moveOn dead-letters a message that failed its last allowed receive,
// or parks it when it was dead-lettered as often as allowed.
func (h *Handler) moveOn(ctx context.Context, log *slog.Logger, m events.SQSMessage, receives int, why string) bool {
	deadLetters := queue.Count(m, queue.AttrDeadLetters)
	if deadLetters >= h.maxDeadLetters() {
		parked := store.Parked{Reason: store.ParkedRedriveLimit, Receives: receives, DeadLetters: deadLetters,
			Detail: fmt.Sprintf("dead-lettered %d times, then %s", deadLetters, why)}
		if msg, err := queue.Decode(m); err == nil {
			parked.PaymentID, parked.RequestHash = msg.Payment.ID, msg.Payment.RequestHash
		}
		return h.park(ctx, log, m, parked)
	}
	if h.DLQ == nil {
		return false // SQS's redrive policy moves it after maxReceiveCount
	}
	if err := h.DLQ.Resend(ctx, m, map[string]int{queue.AttrDeadLetters: deadLetters + 1}); err != nil {
		log.Error("queued payment could not be dead-lettered; left on the queue", "error", err)
		return false
	}
	log.Warn("queued payment dead-lettered", "dead_letters", deadLetters+1, "why", why)
	return true
}

// park parks a message and reports whether it may be deleted.
func (h *Handler) park(ctx context.Context, log *slog.Logger, m events.SQSMessage, p store.Parked) bool {
	p.Body, p.MessageID = m.Body, m.MessageId
	p.Attributes = map[string]string{}
	for k, a := range m.MessageAttributes {
		if a.StringValue != nil {
			p.Attributes[k] = *a.StringValue
		}
	}
	key, err := h.Store.Park(ctx, p)
	if err != nil {
		e := payment.AsError(err)
		log.Error("queued payment could not be parked; left on the queue", "reason", string(p.Reason), "error_name", string(e.Name), "error", err)
		return false
	}
	// One line per parked payment: the parked-payments alarm counts them.
	log.Error(ParkedLogMessage, "reason", string(p.Reason), "detail", p.Detail, "parked_key", key)
	return true
}

func (h *Handler) maxReceives() int {
	if h.MaxReceives > 0 {
		return h.MaxReceives
	}
	return DefaultMaxReceives
}

func (h *Handler) maxDeadLetters() int {
	if h.MaxDeadLetters > 0 {
		return h.MaxDeadLetters
	}
	return DefaultMaxDeadLetters
}

// Clients are the AWS clients of the reprocess function.
type Clients struct {
	DB  store.DB
	SQS queue.Sender
}

// New builds the reprocess handler from its function's configuration
// (TABLE_NAME, IDEMPOTENCY_TTL_HOURS, CALL_TIMEOUT_MS: see store.FromEnv;
// FAILED_DLQ_URL, required; MAX_RECEIVES and MAX_DEAD_LETTERS, optional)
// and clients. The Lambda main and the local runner both build it here.
func New(getenv func(string) string, c Clients, log *slog.Logger) (*Handler, error) {
	s, err := store.FromEnv(getenv, c.DB)
	if err != nil {
		return nil, err
	}
	dlq := getenv("FAILED_DLQ_URL")
	if dlq == "" || c.SQS == nil {
		return nil, errors.New("FAILED_DLQ_URL and an SQS client are required")
	}
	h := &Handler{Store: s, DLQ: queue.New(c.SQS, dlq), Log: log}
	for _, b := range []struct {
		env string
		to  *int
	}{{"MAX_RECEIVES", &h.MaxReceives}, {"MAX_DEAD_LETTERS", &h.MaxDeadLetters}} {
		if v := getenv(b.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return nil, fmt.Errorf("%s %q is not a count from 1 to 100", b.env, v)
			}
			*b.to = n
		}
	}
	return h, nil
}

// NewClients makes the reprocess function's clients from its AWS
// configuration.
func NewClients(cfg aws.Config) Clients {
	return Clients{DB: store.Client(cfg), SQS: queue.Client(cfg)}
}
