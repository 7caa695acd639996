// Package destroyguard counts what deleting an environment would destroy:
// the payments and parked payments in its transactions table and the
// queued payments in its failed-transactions queue and that queue's DLQ.
// `make destroy` runs it first (cmd/destroyguard) and stops while anything
// would be lost, unless the operator says FORCE=1: destroying accepted
// payments is then a decision, not an accident.
package destroyguard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// Table is the part of the DynamoDB client the guard uses;
// *dynamodb.Client implements it.
type Table interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Queues is the part of the SQS client the guard uses; *sqs.Client
// implements it.
type Queues interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Guard counts one environment's payments and queued messages.
type Guard struct {
	DB    Table
	SQS   Queues
	Table string
	// QueueNames are the queues whose messages are payments waiting to
	// be stored: the failed-transactions queue and its DLQ.
	QueueNames []string
}

// QueueCount is what one queue holds. SQS counts are approximate
// (GetQueueAttributes); a message counts whether it is visible, being
// received (in flight) or delayed.
type QueueCount struct {
	Name                       string
	Missing                    bool
	Visible, InFlight, Delayed int64
}

// Total is every message the queue holds.
func (q QueueCount) Total() int64 { return q.Visible + q.InFlight + q.Delayed }

// Inventory is what deleting the environment would destroy.
type Inventory struct {
	Table        string
	TableMissing bool
	// Payments are stored payments (PAYMENT# items); Parked are parked
	// payments not yet resolved (the items of store.ParkedIndex).
	Payments, Parked int64
	Queues           []QueueCount
}

// Empty reports whether nothing would be lost.
func (inv Inventory) Empty() bool {
	if inv.Payments > 0 || inv.Parked > 0 {
		return false
	}
	for _, q := range inv.Queues {
		if q.Total() > 0 {
			return false
		}
	}
	return true
}

// Write prints the inventory for the operator, one line per store.
func (inv Inventory) Write(w io.Writer) {
	if inv.TableMissing {
		fmt.Fprintf(w, "  table %s: does not exist\n", inv.Table)
	} else {
		fmt.Fprintf(w, "  table %s: %d payments, %d parked payments\n", inv.Table, inv.Payments, inv.Parked)
	}
	for _, q := range inv.Queues {
		if q.Missing {
			fmt.Fprintf(w, "  queue %s: does not exist\n", q.Name)
			continue
		}
		fmt.Fprintf(w, "  queue %s: %d queued payments (%d visible, %d in flight, %d delayed)\n",
			q.Name, q.Total(), q.Visible, q.InFlight, q.Delayed)
	}
}

// Count reads the inventory. A table or queue that does not exist holds
// nothing; any other failure is returned: the guard cannot say what would
// be lost.
func (g Guard) Count(ctx context.Context) (Inventory, error) {
	inv := Inventory{Table: g.Table}
	var err error
	inv.Payments, err = g.countPayments(ctx)
	var notFound *ddbtypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound):
		inv.TableMissing = true
	case err != nil:
		return Inventory{}, fmt.Errorf("counting the payments of %s: %w", g.Table, err)
	default:
		if inv.Parked, err = store.CountParkedIn(ctx, g.DB, g.Table, nil); err != nil {
			return Inventory{}, fmt.Errorf("counting the parked payments of %s: %w", g.Table, err)
		}
	}
	for _, name := range g.QueueNames {
		q, err := g.countQueue(ctx, name)
		if err != nil {
			return Inventory{}, fmt.Errorf("counting the messages of %s: %w", name, err)
		}
		inv.Queues = append(inv.Queues, q)
	}
	return inv, nil
}

// countPayments scans the table, page by page, counting the payment items
// only (Select COUNT: no item is read back).
func (g Guard) countPayments(ctx context.Context) (int64, error) {
	in := &dynamodb.ScanInput{
		TableName:                 aws.String(g.Table),
		Select:                    ddbtypes.SelectCount,
		FilterExpression:          aws.String("begins_with(#pk, :payment)"),
		ExpressionAttributeNames:  map[string]string{"#pk": store.PartitionKey},
		ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":payment": &ddbtypes.AttributeValueMemberS{Value: store.PaymentKey("")}},
		ConsistentRead:            aws.Bool(true),
	}
	var n int64
	for {
		page, err := g.DB.Scan(ctx, in)
		if err != nil {
			return 0, err
		}
		n += int64(page.Count)
		if len(page.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// queueCounts are the attributes that together count every message of a
// queue.
var queueCounts = []sqstypes.QueueAttributeName{
	sqstypes.QueueAttributeNameApproximateNumberOfMessages,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
	sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
}

func (g Guard) countQueue(ctx context.Context, name string) (QueueCount, error) {
	q := QueueCount{Name: name}
	url, err := g.SQS.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(name)})
	var missing *sqstypes.QueueDoesNotExist
	if errors.As(err, &missing) {
		q.Missing = true
		return q, nil
	}
	if err != nil {
		return QueueCount{}, err
	}
	out, err := g.SQS.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: queueCounts})
	if err != nil {
		return QueueCount{}, err
	}
	for _, c := range []struct {
		attr sqstypes.QueueAttributeName
		into *int64
	}{
		{queueCounts[0], &q.Visible}, {queueCounts[1], &q.InFlight}, {queueCounts[2], &q.Delayed},
	} {
		v, ok := out.Attributes[string(c.attr)]
		if !ok {
			return QueueCount{}, fmt.Errorf("SQS did not return %s", c.attr)
		}
		if *c.into, err = strconv.ParseInt(v, 10, 64); err != nil {
			return QueueCount{}, fmt.Errorf("%s %q: %w", c.attr, v, err)
		}
	}
	return q, nil
}

// ErrWouldLose is returned by Decide when the environment still holds
// payments and the operator did not force the destroy.
var ErrWouldLose = errors.New("the environment still holds payments: destroying it would lose them")

// Decide prints what destroying the environment would lose and says
// whether it may go ahead: yes when nothing would be lost or force is
// set, else ErrWouldLose. countErr is Count's error: when the inventory
// could not be read the destroy goes ahead only if forced.
func Decide(w io.Writer, inv Inventory, countErr error, force bool) error {
	if countErr != nil {
		fmt.Fprintf(w, "destroy guard: cannot tell what the destroy would lose: %v\n", countErr)
		if force {
			fmt.Fprintln(w, "destroy guard: FORCE=1: destroying anyway")
			return nil
		}
		fmt.Fprintln(w, "destroy guard: refusing; fix the credentials or run with FORCE=1 to destroy regardless")
		return countErr
	}
	if inv.Empty() {
		fmt.Fprintln(w, "destroy guard: nothing would be lost:")
		inv.Write(w)
		return nil
	}
	fmt.Fprintln(w, "destroy guard: destroying this environment would lose:")
	inv.Write(w)
	if force {
		fmt.Fprintln(w, "destroy guard: FORCE=1: destroying anyway (docs/runbook.md, \"Destroying an environment\", says what survives and for how long)")
		return nil
	}
	fmt.Fprintln(w, "destroy guard: refusing. Let recovery drain the queues, resolve or replay the parked payments, "+
		"restore or export what must be kept, or run with FORCE=1 to destroy regardless (docs/runbook.md, \"Destroying an environment\")")
	return ErrWouldLose
}
