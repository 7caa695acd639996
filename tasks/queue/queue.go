// Package queue sends payments that could not be persisted to the
// failed-transactions queue, and decodes them on the consumer side.
//
// A message body is the payment JSON (payment.Payment); its attributes say
// why it was queued (failure_reason, a workflow error name), how many
// times persisting it was tried (attempt) and how many times handling it
// crashed the reprocess function (failures, which survives a redrive).
// Outages are never counted on a message: SQS's receive count and the
// DLQ's redrives are the platform's business, not the payment's.
//
// Decoding is tolerant: a field this code does not know (added by a newer
// deploy) or an unreadable attribute is ignored, so a deploy never turns
// queued payments into poison. Only a body that is not a complete payment
// is malformed.
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Message attribute names.
const (
	// AttrReason is the workflow error name that made the payment queued.
	AttrReason = "failure_reason"
	// AttrAttempt is the number of persist attempts so far (Number).
	AttrAttempt = "attempt"
	// AttrFailures is how many deliveries of the message crashed the
	// reprocess function (Number): a reason of the payment's own. Message
	// attributes survive a redrive; past a bound the message is parked.
	AttrFailures = "failures"
	// AttrDeadLetters counted every dead-lettering, outages included, in
	// earlier versions. It is kept on messages queued before, read by
	// nothing, and reset by a replay.
	AttrDeadLetters = "dead_letters"
)

// Sender sends one message; *sqs.Client implements it.
type Sender interface {
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
}

var _ Sender = (*sqs.Client)(nil)

// Queue is the failed-transactions queue.
type Queue struct {
	sqs         Sender
	url         string
	callTimeout time.Duration
}

// DefaultCallTimeout bounds a send (the SDK's own retries of it
// included): far above SQS's latency, well inside the enqueue function's
// timeout, so that a hung send is answered QueueUnavailable by the
// function rather than cut off by the workflow's Task timeout.
const DefaultCallTimeout = time.Second

// Option configures a Queue.
type Option func(*Queue)

// WithCallTimeout sets the bound of each send (default DefaultCallTimeout).
func WithCallTimeout(d time.Duration) Option { return func(q *Queue) { q.callTimeout = d } }

// New returns the queue at url.
func New(client Sender, url string, opts ...Option) *Queue {
	if client == nil || url == "" {
		panic("queue: New needs an SQS client and a queue URL")
	}
	q := &Queue{sqs: client, url: url, callTimeout: DefaultCallTimeout}
	for _, o := range opts {
		o(q)
	}
	return q
}

var errUnavailable = payment.NewError(errorname.QueueUnavailable,
	"The payment could not be accepted; retry later with the same Idempotency-Key.")

// Enqueue sends p to the queue, recording why it failed (reason) and how
// many persist attempts were made. Any failure is a QueueUnavailable
// *payment.Error whose cause is for logs only. A send that timed out may
// have been delivered all the same: sending the payment again is safe,
// since reprocessing is idempotent.
func (q *Queue) Enqueue(ctx context.Context, p payment.Payment, reason errorname.Name, attempt int) error {
	body, err := json.Marshal(p)
	if err != nil {
		return errUnavailable.Wrap(err)
	}
	if reason == "" {
		reason = errorname.StoreUnavailable
	}
	return q.send(ctx, string(body), map[string]types.MessageAttributeValue{
		AttrReason:  {DataType: aws.String("String"), StringValue: aws.String(string(reason))},
		AttrAttempt: {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(max(attempt, 1)))},
	})
}

// send sends one message within the call timeout.
func (q *Queue) send(ctx context.Context, body string, attrs map[string]types.MessageAttributeValue) error {
	if q.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.callTimeout)
		defer cancel()
	}
	_, err := q.sqs.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl: aws.String(q.url), MessageBody: aws.String(body), MessageAttributes: attrs,
	})
	if err != nil {
		return errUnavailable.Wrap(err)
	}
	return nil
}

// Message is a queued payment as a consumer receives it.
type Message struct {
	Payment payment.Payment
	// Reason is the error name that made the payment queued ("" if absent).
	Reason errorname.Name
	// Attempt is the number of persist attempts before queueing (0 if
	// absent or unreadable).
	Attempt int
	// Failures is how many deliveries crashed the reprocess function (0 if
	// absent or unreadable).
	Failures int
}

// ErrMalformed means a message is not a queued payment.
var ErrMalformed = errors.New("queue: malformed message")

// Decode parses a received message. It accepts a complete payment JSON
// object and ignores fields it does not know; anything else wraps
// ErrMalformed. Errors never quote the body, which holds a payment token.
func Decode(m events.SQSMessage) (Message, error) {
	dec := json.NewDecoder(strings.NewReader(m.Body))
	var p payment.Payment
	if err := dec.Decode(&p); err != nil {
		return Message{}, fmt.Errorf("%w: body is not a payment object", ErrMalformed)
	}
	if dec.More() {
		return Message{}, fmt.Errorf("%w: trailing data after the payment", ErrMalformed)
	}
	switch {
	case p.ID == "":
		return Message{}, fmt.Errorf("%w: payment has no id", ErrMalformed)
	case p.Owner == "":
		// Without its owner a payment can be neither stored nor read:
		// retrying cannot help.
		return Message{}, fmt.Errorf("%w: payment has no owner", ErrMalformed)
	case p.IdempotencyKeyHash == "" || p.RequestHash == "":
		return Message{}, fmt.Errorf("%w: payment has no idempotency key hash or request hash", ErrMalformed)
	case p.Amount <= 0 || p.Currency == "" || p.Source == "" || p.MerchantID == "":
		return Message{}, fmt.Errorf("%w: payment lacks amount, currency, source or merchant", ErrMalformed)
	}
	msg := Message{Payment: p, Attempt: Count(m, AttrAttempt), Failures: Count(m, AttrFailures)}
	if a, ok := m.MessageAttributes[AttrReason]; ok && a.StringValue != nil {
		msg.Reason = errorname.Name(*a.StringValue)
	}
	return msg, nil
}

// Count reads a count attribute of a message: 0 when it is absent or not
// a count.
func Count(m events.SQSMessage, attr string) int {
	a, ok := m.MessageAttributes[attr]
	if !ok || a.StringValue == nil {
		return 0
	}
	n, err := strconv.Atoi(*a.StringValue)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// Resend sends a copy of a received message (its body and attributes) to
// this queue, with the count attributes in set replaced. The reprocess
// function dead-letters a crashed message this way, counting AttrFailures.
func (q *Queue) Resend(ctx context.Context, m events.SQSMessage, set map[string]int) error {
	attrs := make(map[string]types.MessageAttributeValue, len(m.MessageAttributes)+len(set))
	for k, a := range m.MessageAttributes {
		attrs[k] = types.MessageAttributeValue{DataType: aws.String(a.DataType), StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	for k, n := range set {
		attrs[k] = types.MessageAttributeValue{DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(n))}
	}
	return q.send(ctx, m.Body, attrs)
}

// Client makes the SQS client of a function from its AWS configuration.
func Client(cfg aws.Config) Sender { return sqs.NewFromConfig(cfg) }
