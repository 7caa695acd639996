package memddb_test

import (
	"context"
	"testing"

	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// The local runner's -memory-store serves the store's parked payments as
// DynamoDB Local does: parking (UpdateItem with SET, if_not_exists, ADD and
// REMOVE), listing (Query of the sparse parked index, oldest first) and
// resolving (UpdateItem with a condition).
func TestTheStoreParksListsAndResolvesPaymentsInMemory(t *testing.T) {
	ctx := context.Background()
	db := memddb.New()
	// GIVEN the transactions table as the store creates it
	if err := store.CreateTable(ctx, db, "t"); err != nil {
		t.Fatal(err)
	}
	s := store.New(db, "t")
	// WHEN two payments are parked, the first one twice
	first := store.Parked{Reason: store.ParkReason("key-reused"), Detail: "Payment.IdempotencyKeyReused", PaymentID: "pay_a", RequestHash: "rh-a", Body: `{"a":1}`}
	second := store.Parked{Reason: store.ParkReason("malformed"), Detail: "malformed", Body: `not json`}
	keyA, err := s.Park(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Park(ctx, second); err != nil {
		t.Fatal(err)
	}
	if again, err := s.Park(ctx, first); err != nil || again != keyA {
		t.Fatalf("parking again = %q, %v; want the same key %q", again, err, keyA)
	}
	// THEN both are listed, oldest first, the first counted twice
	parked, err := s.ListParked(ctx, 0)
	if err != nil || len(parked) != 2 {
		t.Fatalf("ListParked = %+v, %v; want 2 items", parked, err)
	}
	byKey := map[string]store.Parked{}
	for _, p := range parked {
		byKey[p.Key] = p
	}
	if a := byKey[keyA]; a.TimesParked != 2 || a.PaymentID != "pay_a" || a.Body != `{"a":1}` || a.FirstParkedAt == "" || a.FirstParkedAt > a.ParkedAt {
		t.Errorf("the twice-parked item reads %+v", a)
	}
	// WHEN the first is resolved
	if err := s.ResolveParked(ctx, keyA, store.Resolution{How: "replayed", By: "arn:aws:iam::111122223333:user/operator"}); err != nil {
		t.Fatal(err)
	}
	// THEN only the second is still listed, and resolving an unknown key fails
	parked, err = s.ListParked(ctx, 0)
	if err != nil || len(parked) != 1 || parked[0].Key == keyA {
		t.Errorf("after resolving, ListParked = %+v, %v", parked, err)
	}
	if err := s.ResolveParked(ctx, "PARKED#nothing", store.Resolution{How: "x", By: "arn:aws:iam::111122223333:user/operator"}); err == nil {
		t.Error("resolving an unknown key succeeded")
	}
}
