package memddb_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/internal/harness/memddb"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

func newDB(t *testing.T) *memddb.DB {
	t.Helper()
	db := memddb.New()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String("t"),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
	})
	if err != nil {
		t.Fatal(err)
	}
	put(t, db, map[string]types.AttributeValue{"pk": s("a"), "exp": n("100"), "status": s("DONE"),
		"nested": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"x": n("1")}},
		"list":   &types.AttributeValueMemberL{Value: []types.AttributeValue{s("p"), s("q")}}})
	return db
}

func put(t *testing.T, db *memddb.DB, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func TestConditionExpressionsDecideWhetherAWriteHappens(t *testing.T) {
	for _, tc := range []struct {
		name, pk, cond string
		values         map[string]types.AttributeValue
		want           bool
	}{
		{"attribute_not_exists holds for a new item", "b", "attribute_not_exists(#pk)", nil, true},
		{"attribute_not_exists fails for an existing item", "a", "attribute_not_exists(#pk)", nil, false},
		{"an expired record counts as absent", "a", "attribute_not_exists(#pk) OR #exp < :now", map[string]types.AttributeValue{":now": n("150")}, true},
		{"a live record is present", "a", "attribute_not_exists(#pk) OR #exp < :now", map[string]types.AttributeValue{":now": n("50")}, false},
		{"numbers compare as numbers, not strings", "a", "#exp > :v", map[string]types.AttributeValue{":v": n("99.5")}, true},
		{"equality of strings", "a", "#st = :d AND attribute_exists(#pk)", map[string]types.AttributeValue{":d": s("DONE")}, true},
		{"NOT and parentheses", "a", "NOT (#st = :d)", map[string]types.AttributeValue{":d": s("DONE")}, false},
		{"BETWEEN is inclusive", "a", "#exp BETWEEN :lo AND :hi", map[string]types.AttributeValue{":lo": n("100"), ":hi": n("200")}, true},
		{"IN matches one of a list", "a", "#st IN (:x, :d)", map[string]types.AttributeValue{":x": s("X"), ":d": s("DONE")}, true},
		{"nested map paths", "a", "nested.x = :one", map[string]types.AttributeValue{":one": n("1")}, true},
		{"list indexes", "a", "list[1] = :q", map[string]types.AttributeValue{":q": s("q")}, true},
		{"begins_with and size", "a", "begins_with(#st, :d) AND size(list) = :two", map[string]types.AttributeValue{":d": s("DO"), ":two": n("2")}, true},
		{"a comparison with a missing attribute is false", "b", "#exp < :now", map[string]types.AttributeValue{":now": n("150")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
				TableName: aws.String("t"), Item: map[string]types.AttributeValue{"pk": s(tc.pk), "new": s("yes")},
				ConditionExpression:       aws.String(tc.cond),
				ExpressionAttributeNames:  map[string]string{"#pk": "pk", "#exp": "exp", "#st": "status"},
				ExpressionAttributeValues: tc.values,
			})
			var ccf *types.ConditionalCheckFailedException
			switch {
			case tc.want && err != nil:
				t.Fatalf("condition %q: %v, want the write", tc.cond, err)
			case !tc.want && !errors.As(err, &ccf):
				t.Fatalf("condition %q: %v, want ConditionalCheckFailedException", tc.cond, err)
			}
		})
	}
}

func TestAnUnknownPlaceholderOrSyntaxIsAValidationError(t *testing.T) {
	for _, cond := range []string{"#nope = :v", "pk = :missing", "pk ==", "pk = :v extra", "pk % :v"} {
		db := newDB(t)
		_, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String("t"), Item: map[string]types.AttributeValue{"pk": s("z")},
			ConditionExpression: aws.String(cond), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")},
		})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "ValidationException" {
			t.Errorf("condition %q: %v, want a ValidationException", cond, err)
		}
	}
}

func TestATransactionWritesAllOrNothingAndSaysWhichConditionFailed(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	tx := func(token string, pks ...string) error {
		var items []types.TransactWriteItem
		for _, pk := range pks {
			items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String("t"),
				Item:                     map[string]types.AttributeValue{"pk": s(pk)},
				ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
				ExpressionAttributeNames: map[string]string{"#pk": "pk"}}})
		}
		_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items, ClientRequestToken: aws.String(token)})
		return err
	}
	err := tx("t1", "c", "a")
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("a transaction with a failed condition: %v, want TransactionCanceledException", err)
	}
	if got := []string{aws.ToString(canceled.CancellationReasons[0].Code), aws.ToString(canceled.CancellationReasons[1].Code)}; got[0] != "None" || got[1] != "ConditionalCheckFailed" {
		t.Errorf("cancellation reasons %v, want [None ConditionalCheckFailed]", got)
	}
	if len(db.Items("t")) != 1 {
		t.Errorf("a canceled transaction wrote: %d items", len(db.Items("t")))
	}
	if err := tx("t2", "c", "d"); err != nil {
		t.Fatal(err)
	}
	if len(db.Items("t")) != 3 {
		t.Errorf("a committed transaction of two puts left %d items, want 3", len(db.Items("t")))
	}
	// The SDK's retry of a committed transaction (same token) succeeds
	// without writing again, though the items now exist.
	if err := tx("t2", "c", "d"); err != nil {
		t.Errorf("a retry with the same token: %v, want success", err)
	}
	if err := tx("t3", "c", "d"); !errors.As(err, &canceled) {
		t.Errorf("a new token for the same puts: %v, want canceled", err)
	}
}

func TestTheMeterCountsUnitsAsOnDemandBillingDoes(t *testing.T) {
	db := newDB(t)
	db.ResetMeter()
	ctx := context.Background()
	big := strings.Repeat("x", 1500) // a 1.5 KB item: two units per write
	_, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"pk": s("small")}}},
		{Put: &types.Put{TableName: aws.String("t"), Item: map[string]types.AttributeValue{"pk": s("big"), "v": s(big)}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Transactional: (1 + 2) x 2.
	if m := db.Meter(); m.WriteUnits != 6 || m.ReadUnits != 0 {
		t.Errorf("transaction of a small and a 1.5 KB item: %v WRU %v RRU, want 6 and 0", m.WriteUnits, m.ReadUnits)
	}
	db.ResetMeter()
	for _, consistent := range []bool{true, false} {
		if _, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("t"), ConsistentRead: aws.Bool(consistent),
			Key: map[string]types.AttributeValue{"pk": s("missing")}}); err != nil {
			t.Fatal(err)
		}
	}
	if m := db.Meter(); m.ReadUnits != 1.5 || m.Calls["GetItem"] != 2 {
		t.Errorf("a strong and an eventually consistent read of a missing item: %v RRU in %v, want 1.5 in 2 calls", m.ReadUnits, m.Calls)
	}
}

func TestItemSizesFollowDynamoDBsRules(t *testing.T) {
	for _, tc := range []struct {
		name string
		item map[string]types.AttributeValue
		want int
	}{
		{"a string is its name and its UTF-8 bytes", map[string]types.AttributeValue{"pk": s("héllo")}, 2 + 6},
		{"a number is one byte per two significant digits plus one", map[string]types.AttributeValue{"n": n("12345")}, 1 + 1 + 3},
		{"leading and trailing zeros do not count", map[string]types.AttributeValue{"n": n("00120.500")}, 1 + 1 + 2},
		{"a map is 3 bytes plus its elements with one byte each",
			map[string]types.AttributeValue{"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"ab": s("xyz")}}}, 1 + 3 + 1 + 2 + 3},
		{"a boolean is one byte", map[string]types.AttributeValue{"b": &types.AttributeValueMemberBOOL{Value: true}}, 1 + 1},
	} {
		if got := memddb.ItemSize(tc.item); got != tc.want {
			t.Errorf("%s: ItemSize = %d, want %d", tc.name, got, tc.want)
		}
	}
}
