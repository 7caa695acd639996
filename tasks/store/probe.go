package store

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ProbeKey is the partition key the health checks read to probe the data
// plane. No item has it: a probe reads nothing, and a role may be allowed
// GetItem on this key only (dynamodb:LeadingKeys).
const ProbeKey = "HEALTH#probe"

// Probe reads ProbeKey through the store's own path (consistent read, the
// call timeout, the error classification of every payment call). It
// answers whether the store serves reads now: DescribeTable says ACTIVE
// while reads and writes fail, a probe does not. A failure is a
// StoreUnavailable or Internal *payment.Error.
func (s *Store) Probe(ctx context.Context) error {
	var none struct{}
	_, err := s.get(ctx, ProbeKey, &none)
	return err
}

// CountParked returns how many queued payments are parked now (see
// CountParkedIn), within the store's call timeout, with its errors
// classified as every store call's.
func (s *Store) CountParked(ctx context.Context) (int64, error) {
	n, err := CountParkedIn(ctx, s.db, s.table, s.call)
	if err != nil {
		return 0, classify(err)
	}
	return n, nil
}

// CountParkedIn counts the unresolved parked items of table: a Query of
// the parked index that asks for the count only (Select COUNT), so a role
// allowed just that (dynamodb:Select = COUNT) reads no parked payment.
// Each page's call gets its context from call (nil: ctx as is); the
// error is the client's own. The health monitor (through Store) and the
// destroy guard count with it.
func CountParkedIn(ctx context.Context, q indexQuerier, table string, call func(context.Context) (context.Context, context.CancelFunc)) (int64, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(table), IndexName: aws.String(ParkedIndex),
		KeyConditionExpression:    aws.String("#parked = :parked"),
		ExpressionAttributeNames:  map[string]string{"#parked": ParkedAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":parked": &types.AttributeValueMemberS{Value: ParkedValue}},
		Select:                    types.SelectCount,
	}
	var n int64
	for {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if call != nil {
			cctx, cancel = call(ctx)
		}
		page, err := q.Query(cctx, in)
		cancel()
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
