package destroyguard_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/destroyguard"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func TestMain(m *testing.M) { emulator.Main(m) }

func TestCountReadsTheTableAsDynamoDBAnswers(t *testing.T) {
	// GIVEN a transactions table in DynamoDB Local with two payments, their
	// idempotency records, a parked payment and a resolved one
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db := emulator.DynamoDBClient(emulator.DynamoDB(t))
	name := emulator.UniqueName("transactions")
	if err := store.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	s := store.New(db, name, store.WithCallTimeout(30*time.Second))
	put := func(pk string) {
		_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name),
			Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(store.PaymentKey("pay_a"))
	put(store.PaymentKey("pay_b"))
	put(store.IdempotencyKey("hash_a"))
	put(store.IdempotencyKey("hash_b"))
	if _, err := s.Park(ctx, store.Parked{Reason: store.ParkedMalformed, Body: "not a payment"}); err != nil {
		t.Fatal(err)
	}
	resolved, err := s.Park(ctx, store.Parked{Reason: store.ParkedMalformed, Body: "another"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResolveParked(ctx, resolved, store.Resolution{How: "dropped: not a payment", By: "arn:aws:iam::111122223333:user/operator"}); err != nil {
		t.Fatal(err)
	}
	// WHEN the guard counts it
	inv, err := destroyguard.Guard{DB: db, Table: name}.Count(ctx)
	// THEN the payments and the unresolved parked payment count, nothing else
	if err != nil || inv.Payments != 2 || inv.Parked != 1 || inv.TableMissing {
		t.Fatalf("inventory %+v, %v; want 2 payments and 1 parked", inv, err)
	}
	// AND a table that does not exist holds nothing
	inv, err = destroyguard.Guard{DB: db, Table: name + "-gone"}.Count(ctx)
	if err != nil || !inv.TableMissing || !inv.Empty() {
		t.Errorf("missing table: inventory %+v, %v", inv, err)
	}
}
