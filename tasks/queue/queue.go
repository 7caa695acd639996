// Package queue sends payments that could not be persisted to the
// failed-transactions queue, and decodes them on the consumer side.
//
// A message body is the payment JSON (payment.Payment); its attributes say
// why it was queued (failure_reason, a workflow error name) and how many
// times persisting it was tried (attempt).
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
	if q.callTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, q.callTimeout)
		defer cancel()
	}
	body, err := json.Marshal(p)
	if err != nil {
		return errUnavailable.Wrap(err)
	}
	if reason == "" {
		reason = errorname.StoreUnavailable
	}
	_, err = q.sqs.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:    aws.String(q.url),
		MessageBody: aws.String(string(body)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			AttrReason:  {DataType: aws.String("String"), StringValue: aws.String(string(reason))},
			AttrAttempt: {DataType: aws.String("Number"), StringValue: aws.String(strconv.Itoa(max(attempt, 1)))},
		},
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
	// Attempt is the number of persist attempts before queueing (0 if absent).
	Attempt int
}

// ErrMalformed means a message is not a queued payment.
var ErrMalformed = errors.New("queue: malformed message")

// Decode parses a received message. It accepts only a complete payment
// JSON object with no unknown fields; anything else wraps ErrMalformed.
// Errors never quote the body, which holds a payment token.
func Decode(m events.SQSMessage) (Message, error) {
	dec := json.NewDecoder(strings.NewReader(m.Body))
	dec.DisallowUnknownFields()
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
	case p.IdempotencyKeyHash == "" || p.RequestHash == "":
		return Message{}, fmt.Errorf("%w: payment has no idempotency key hash or request hash", ErrMalformed)
	case p.Amount <= 0 || p.Currency == "" || p.Source == "" || p.MerchantID == "":
		return Message{}, fmt.Errorf("%w: payment lacks amount, currency, source or merchant", ErrMalformed)
	}
	msg := Message{Payment: p}
	if a, ok := m.MessageAttributes[AttrReason]; ok && a.StringValue != nil {
		msg.Reason = errorname.Name(*a.StringValue)
	}
	if a, ok := m.MessageAttributes[AttrAttempt]; ok && a.StringValue != nil {
		n, err := strconv.Atoi(*a.StringValue)
		if err != nil || n < 0 {
			return Message{}, fmt.Errorf("%w: attempt attribute is not a count", ErrMalformed)
		}
		msg.Attempt = n
	}
	return msg, nil
}

// Client makes the SQS client of a function from its AWS configuration.
func Client(cfg aws.Config) Sender { return sqs.NewFromConfig(cfg) }
