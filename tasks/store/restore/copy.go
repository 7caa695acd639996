package restore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// Copier reads an item and writes one; *dynamodb.Client implements it.
type Copier interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// CopyMissing brings into r's copy the items of r's source that the copy
// lacks and that were written after the restore point: the payments
// confirmed (201) after it, their idempotency records and the items parked
// after it. It reads each from the source again and writes it only while
// the copy still lacks it (a condition), so it never overwrites an item,
// and it deletes nothing. Items written before the restore point, changed
// items and expired records are left to the operator (docs/runbook.md,
// "Restore"): after corruption, what was written after the point may be
// the damage itself, so run it only when the report shows the writes
// after the point are good. It returns the keys it copied.
func CopyMissing(ctx context.Context, db Copier, r Report) ([]string, error) {
	var copied []string
	for _, d := range r.Differences {
		if d.Change != MissingInCopy || !d.AfterRestorePoint || d.Expired {
			continue
		}
		key := map[string]types.AttributeValue{store.PartitionKey: &types.AttributeValueMemberS{Value: d.Key}}
		got, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.Source), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return copied, fmt.Errorf("restore: reading %s from %s: %w", d.Key, r.Source, err)
		}
		if len(got.Item) == 0 {
			continue // gone from the source since the report
		}
		_, err = db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(r.Copy), Item: got.Item,
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": store.PartitionKey}})
		var exists *types.ConditionalCheckFailedException
		if errors.As(err, &exists) {
			continue // the copy has it now (the stack writes to it)
		}
		if err != nil {
			return copied, fmt.Errorf("restore: writing %s to %s: %w", d.Key, r.Copy, err)
		}
		copied = append(copied, d.Key)
	}
	return copied, nil
}
