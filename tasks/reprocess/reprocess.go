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

// DefaultMaxFailures is how many deliveries of one message may fail for a
// reason of the payment's own that has no name (handling it crashed the
// function) before the message is parked as poison.
const DefaultMaxFailures = 3

// batchMargin is what Handle keeps before the invocation's deadline to
// report the messages it did not reach.
const batchMargin = 2 * time.Second

// ParkedLogMessage is the log message of a parked payment, one line per
// parking, for the operators' log searches. The parked-payments alarm
// does not count these lines: it reads the number of parked payments (a
// level, published by the recovery workflow).
const ParkedLogMessage = "queued payment parked"

// Handler handles batches from the failed-transactions queue. The event
// source mapping must enable ReportBatchItemFailures.
//
// An outage never counts against a payment. A message is parked only for
// a reason of its own: it is not a complete payment (malformed), its key
// belongs to another payment (key reused), or handling it crashed the
// function MaxFailures times (poison). Every other failure is the
// platform's: the store unavailable or throttled, a busy key, a request
// the store refused (a lost permission, a missing table: the same request
// shape serves every payment, so its refusal is a configuration fault,
// not this payment's). Such a message is left on the queue, uncounted: it
// is received again after the visibility timeout, SQS moves it to the DLQ
// after the queue's maxReceiveCount, and the recovery workflow moves it
// back once the platform is healthy, as often as outages require.
type Handler struct {
	Store persister
	// DLQ is the failed-transactions DLQ, where a message whose handling
	// crashed is moved with its failures counted (queue.AttrFailures), so
	// that it waits there for the recovery workflow instead of crashing
	// the function on every receive. Nil leaves it on the queue.
	DLQ resender
	// MaxFailures bounds the crashed deliveries of one message
	// (DefaultMaxFailures when 0).
	MaxFailures int
	Log         *slog.Logger
}

// Handle persists every payment in the batch and reports the messages to
// receive again:
//   - persisted, or already persisted (a replay): acknowledged;
//   - not a complete payment, or its key reused by another payment: parked
//     and acknowledged;
//   - the platform failing (see Handler): retried, uncounted, and logged
//     with store.UnavailableLogMessage when the store was unavailable, the
//     signal that gates recovery;
//   - handling it crashed: dead-lettered with its failures counted, or
//     parked as poison past MaxFailures.
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

// errCrashed is the error of a delivery whose handling panicked.
var errCrashed = errors.New("handling the message crashed")

// one handles a message and reports whether it may be deleted.
func (h *Handler) one(ctx context.Context, m events.SQSMessage) bool {
	receives, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	failures := queue.Count(m, queue.AttrFailures)
	log := h.Log.With("message_id", m.MessageId, "receive_count", receives)
	msg, err := queue.Decode(m)
	if err != nil {
		return h.park(ctx, log, m, store.Parked{Reason: store.ParkedMalformed, Detail: err.Error(), Receives: receives})
	}
	p := msg.Payment
	log = log.With("payment_id", p.ID, "failure_reason", string(msg.Reason), "attempt", msg.Attempt, "failures", failures)
	res, err := h.persist(ctx, p)
	if errors.Is(err, errCrashed) {
		return h.crashed(ctx, log, m, p, receives, failures+1)
	}
	if err == nil {
		log.Info("queued payment persisted", "replayed", res.Replayed)
		return true
	}
	e := payment.AsError(err)
	if e.Name == errorname.KeyReused {
		return h.park(ctx, log, m, store.Parked{Reason: store.ParkedKeyReused, Detail: string(e.Name),
			PaymentID: p.ID, RequestHash: p.RequestHash, Receives: receives})
	}
	if e.Name == errorname.StoreUnavailable {
		// The platform signal: a metric filter counts these lines, and
		// its alarm holds recovery back (dashboards.MonitorStore).
		log.Warn(store.UnavailableLogMessage, "error_name", string(e.Name), "error", err)
	} else {
		log.Warn("queued payment not persisted yet", "error_name", string(e.Name), "error", err)
	}
	return false
}

// persist persists p, turning a panic into errCrashed.
func (h *Handler) persist(ctx context.Context, p payment.Payment) (res payment.Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: %v", errCrashed, v)
		}
	}()
	return h.Store.Persist(ctx, p)
}

// crashed moves a message whose handling crashed to the DLQ with its
// failures counted, or parks it as poison once it crashed MaxFailures
// times.
func (h *Handler) crashed(ctx context.Context, log *slog.Logger, m events.SQSMessage, p payment.Payment, receives, failures int) bool {
	log.Error("handling a queued payment crashed", "failures", failures)
	if failures >= h.maxFailures() {
		return h.park(ctx, log, m, store.Parked{Reason: store.ParkedPoison, Receives: receives,
			Detail:    fmt.Sprintf("handling it crashed the function %d times", failures),
			PaymentID: p.ID, RequestHash: p.RequestHash})
	}
	if h.DLQ == nil {
		return false
	}
	if err := h.DLQ.Resend(ctx, m, map[string]int{queue.AttrFailures: failures}); err != nil {
		log.Error("queued payment could not be dead-lettered; left on the queue", "error", err)
		return false
	}
	log.Warn("queued payment dead-lettered after a crash", "failures", failures)
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
	log.Error(ParkedLogMessage, "reason", string(p.Reason), "detail", p.Detail, "parked_key", key)
	return true
}

func (h *Handler) maxFailures() int {
	if h.MaxFailures > 0 {
		return h.MaxFailures
	}
	return DefaultMaxFailures
}

// Clients are the AWS clients of the reprocess function.
type Clients struct {
	DB  store.DB
	SQS queue.Sender
}

// New builds the reprocess handler from its function's configuration
// (TABLE_NAME, IDEMPOTENCY_TTL_HOURS, CALL_TIMEOUT_MS: see store.FromEnv;
// FAILED_DLQ_URL, required; MAX_FAILURES, optional)
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
	if v := getenv("MAX_FAILURES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, fmt.Errorf("MAX_FAILURES %q is not a count from 1 to 100", v)
		}
		h.MaxFailures = n
	}
	return h, nil
}

// NewClients makes the reprocess function's clients from its AWS
// configuration.
func NewClients(cfg aws.Config) Clients {
	return Clients{DB: store.Client(cfg), SQS: queue.Client(cfg)}
}
