package reprocess

import (
	"context"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Parking is what an operator does with parked payments: list them,
// replay one once its cause is fixed, or resolve one by hand.
type Parking struct {
	Store *store.Store
	// Queue is the failed-transactions queue a replay sends to.
	Queue *queue.Queue
}

// List returns what is parked, oldest first (at most limit; 0: all).
func (p Parking) List(ctx context.Context, limit int) ([]store.Parked, error) {
	return p.Store.ListParked(ctx, limit)
}

// Replay sends a parked payment's message back to the failed-transactions
// queue, with its failure count reset, and resolves the parked item as
// "replayed" by the operator by (the caller's ARN). The reprocess function
// then handles it like any queued payment: stored once, or parked again
// (TimesParked counts) if its cause is still there. The item is resolved
// only as it was read: if the replayed message was parked again before the
// replay resolves it, it stays parked and Replay returns
// store.ErrParkedAgain. A key-reused payment parks again unless the payment
// that holds its id is gone: resolve it instead (docs/runbook.md). Only
// parked items' keys are accepted.
func (p Parking) Replay(ctx context.Context, key, by string) error {
	if by == "" {
		return fmt.Errorf("replaying %s: the operator is unknown", key)
	}
	it, err := p.Store.GetParked(ctx, key)
	if err != nil {
		return err
	}
	if it.ResolvedAt != "" {
		return fmt.Errorf("parked item %s was already resolved (%s)", key, it.Resolution)
	}
	m := events.SQSMessage{Body: it.Body, MessageAttributes: map[string]events.SQSMessageAttribute{}}
	for k, v := range it.Attributes {
		typ := "String"
		if k == queue.AttrAttempt || k == queue.AttrDeadLetters || k == queue.AttrFailures {
			typ = "Number"
		}
		m.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: aws.String(v), DataType: typ}
	}
	if err := p.Queue.Resend(ctx, m, map[string]int{queue.AttrFailures: 0}); err != nil {
		return err
	}
	return p.Store.ResolveParked(ctx, key, store.Resolution{How: "replayed", By: by, TimesParked: it.TimesParked})
}

// Resolve takes a parked payment out of the list with how it was handled
// (e.g. "refunded to the client by the merchant") and by whom (the
// caller's ARN); the item stays as a record. Only parked items' keys are
// accepted.
func (p Parking) Resolve(ctx context.Context, key, how, by string) error {
	return p.Store.ResolveParked(ctx, key, store.Resolution{How: how, By: by})
}

// Summary is what an operator is shown of a parked payment: what it is and
// why it is parked, never its source token in clear.
type Summary struct {
	Key         string           `json:"key"`
	Reason      store.ParkReason `json:"reason"`
	Detail      string           `json:"detail"`
	ParkedAt    string           `json:"parked_at"`
	TimesParked int              `json:"times_parked"`
	PaymentID   string           `json:"payment_id,omitempty"`
	Amount      int64            `json:"amount,omitempty"`
	Currency    string           `json:"currency,omitempty"`
	MerchantID  string           `json:"merchant_id,omitempty"`
	Source      string           `json:"source,omitempty"`
	BodyBytes   int              `json:"body_bytes"`
}

// Summarize describes a parked payment for an operator.
func Summarize(p store.Parked) Summary {
	s := Summary{Key: p.Key, Reason: p.Reason, Detail: p.Detail, ParkedAt: p.ParkedAt, TimesParked: p.TimesParked,
		PaymentID: p.PaymentID, BodyBytes: len(p.Body)}
	if m, err := queue.Decode(events.SQSMessage{Body: p.Body}); err == nil {
		s.Amount, s.Currency, s.MerchantID, s.Source = m.Payment.Amount, m.Payment.Currency, m.Payment.MerchantID, store.MaskSource(m.Payment.Source)
	}
	return s
}
