package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/store"
)

const operatorARN = "arn:aws:iam::111122223333:user/operator"

// TestResolvingIsConditionalOnTheParkedItemAsItWasRead runs the resolve
// against DynamoDB Local: the condition expressions are DynamoDB's to
// judge.
func TestResolvingIsConditionalOnTheParkedItemAsItWasRead(t *testing.T) {
	tt := newTable(t)
	s := tt.store()
	ctx := context.Background()
	p := store.Parked{Reason: store.ParkedRedriveLimit, Detail: "Payment.StoreUnavailable", PaymentID: "pay_r", RequestHash: "rh", Body: `{"r":1}`}
	key, err := s.Park(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.GetParked(ctx, key)
	if err != nil || read.TimesParked != 1 {
		t.Fatalf("read %+v, %v", read, err)
	}
	// GIVEN it is parked again after the operator read it
	if _, err := s.Park(ctx, p); err != nil {
		t.Fatal(err)
	}
	// WHEN the operator resolves it as it was read
	err = s.ResolveParked(ctx, key, store.Resolution{How: "replayed", By: operatorARN, TimesParked: read.TimesParked})
	// THEN it is refused and the item stays parked
	if !errors.Is(err, store.ErrParkedAgain) {
		t.Errorf("resolving a stale read = %v, want ErrParkedAgain", err)
	}
	if parked, _ := s.ListParked(ctx, 0); len(parked) != 1 || parked[0].ResolvedAt != "" {
		t.Fatalf("after the refused resolve: %+v", parked)
	}
	// WHEN it is resolved as it is now THEN the operator is recorded
	if err := s.ResolveParked(ctx, key, store.Resolution{How: "replayed", By: operatorARN, TimesParked: 2}); err != nil {
		t.Fatal(err)
	}
	done, err := s.GetParked(ctx, key)
	if err != nil || done.ResolvedBy != operatorARN || done.Resolution != "replayed" || done.ResolvedAt == "" {
		t.Errorf("resolved item %+v, %v", done, err)
	}
	// AND resolving it again is refused (it is no longer parked)
	if err := s.ResolveParked(ctx, key, store.Resolution{How: "again", By: operatorARN}); err == nil {
		t.Error("an item resolved twice")
	}
	if again, _ := s.GetParked(ctx, key); again.Resolution != "replayed" {
		t.Errorf("the second resolve overwrote the first: %+v", again)
	}
}

func TestResolvingRefusesAPaymentOrAnIdempotencyRecord(t *testing.T) {
	tt := newTable(t)
	s := tt.store()
	ctx := context.Background()
	// GIVEN a payment item and an idempotency record
	for _, pk := range []string{store.PaymentKey("pay_x"), store.IdempotencyKey("hash_x")} {
		if _, err := tt.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tt.name),
			Item: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk},
				// even one that carries the parked marker
				store.ParkedAttribute: &types.AttributeValueMemberS{Value: store.ParkedValue}}}); err != nil {
			t.Fatal(err)
		}
		// WHEN an operator resolves it, or reads it as parked
		err := s.ResolveParked(ctx, pk, store.Resolution{How: "refunded", By: operatorARN})
		_, getErr := s.GetParked(ctx, pk)
		// THEN both are refused and the item is untouched
		if err == nil || getErr == nil {
			t.Errorf("%s: ResolveParked = %v, GetParked = %v; want both refused", pk, err, getErr)
		}
		if item := tt.item(t, pk); item["resolution"] != nil || item["resolved_by"] != nil || item[store.ParkedAttribute] == nil {
			t.Errorf("%s was stamped: %v", pk, item)
		}
	}
	if store.IsParkedKey(store.PaymentKey("pay_x")) || !store.IsParkedKey(store.ParkedKey("pay_x", "rh", "")) {
		t.Error("IsParkedKey does not tell a payment from a parked item")
	}
	// AND a resolution that does not say how and by whom is refused
	key, err := s.Park(ctx, store.Parked{Reason: store.ParkedMalformed, Body: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ResolveParked(ctx, key, store.Resolution{How: "refunded"}); err == nil {
		t.Error("a resolution without an operator was recorded")
	}
}
