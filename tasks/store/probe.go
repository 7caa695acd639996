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

// CountParked returns how many queued payments are parked now: a Query of
// the parked index that asks for the count only (Select COUNT), so a role
// allowed just that (dynamodb:Select = COUNT) reads no parked payment.
func (s *Store) CountParked(ctx context.Context) (int64, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(ParkedIndex),
		KeyConditionExpression:    aws.String("#parked = :parked"),
		ExpressionAttributeNames:  map[string]string{"#parked": ParkedAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":parked": &types.AttributeValueMemberS{Value: ParkedValue}},
		Select:                    types.SelectCount,
	}
	var n int64
	for {
		cctx, cancel := s.call(ctx)
		page, err := s.db.Query(cctx, in)
		cancel()
		if err != nil {
			return 0, classify(err)
		}
		n += int64(page.Count)
		if len(page.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
