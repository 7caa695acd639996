package store_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

const (
	migrationArn   = "arn:aws:sts::111122223333:assumed-role/checkout-service"
	migrationOwner = "AROA3XFRBF23EXAMPLE01"
	migrationBody  = `{"amount":1250,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}`
)

// requestOf is what Validate hands on for a key and body of the test
// caller, in the versioned derivations with version 1's keys beside.
func requestOf(t *testing.T, key, body string) payment.Payment {
	t.Helper()
	p, err := payment.ParseRequest(migrationOwner, key, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	p.OwnerArn = migrationArn
	p.Legacy = payment.NewLegacyKeys(migrationArn, key, p)
	return p
}

// legacyOf is the same request as version 1 derived and stored it, before
// the upgrade: owned by the ARN, unversioned hashes.
func legacyOf(p payment.Payment) payment.Payment {
	old := p
	old.Owner, old.OwnerArn = migrationArn, ""
	old.ID, old.IdempotencyKeyHash, old.RequestHash = p.Legacy.ID, p.Legacy.IdempotencyKeyHash, p.Legacy.RequestHash
	old.Legacy = nil
	return old
}

func receiptID(t *testing.T, r payment.Result) string {
	t.Helper()
	var rc store.Receipt
	if err := json.Unmarshal([]byte(r.Body), &rc); err != nil {
		t.Fatal(err)
	}
	return rc.ID
}

// TestAKeyStoredBeforeTheVersionedDerivationsKeepsAnsweringItsPayment is
// the migration: a retry after the deploy of a key first sent before it
// answers the first payment again instead of making a second one.
func TestAKeyStoredBeforeTheVersionedDerivationsKeepsAnsweringItsPayment(t *testing.T) {
	t.Parallel()
	tbl := newTable(t)
	s := tbl.store()
	ctx := context.Background()
	p := requestOf(t, "migrate-1", migrationBody)
	old := legacyOf(p)
	if _, err := s.Persist(ctx, old); err != nil { // before the upgrade
		t.Fatal(err)
	}
	before := tbl.count(t)

	// GIVEN the same key and body after the upgrade
	res, err := s.Persist(ctx, p)
	// THEN the first payment answers, replayed, and nothing is written
	if err != nil || !res.Replayed || res.StatusCode != 201 || receiptID(t, res) != old.ID {
		t.Fatalf("retry after the upgrade = %+v, %v; want the replay of %s", res, err, old.ID)
	}
	if n := tbl.count(t); n != before {
		t.Errorf("the retry wrote %d items", n-before)
	}
	// A different body with the key is a key reuse, as before.
	other := requestOf(t, "migrate-1", `{"amount":999,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}`)
	if _, err := s.Persist(ctx, other); errName(err) != errorname.KeyReused {
		t.Errorf("another body with the old key: %v, want %s", err, errorname.KeyReused)
	}
	// The caller still reads its old payment, by its unique id and ARN.
	if _, err := s.Get(ctx, migrationOwner, old.ID, migrationArn); err != nil {
		t.Errorf("the owner's GET of its version-1 payment: %v", err)
	}
	// A new key is a new, versioned payment, readable by the unique id
	// only: a role re-created under the same ARN does not see it.
	fresh := requestOf(t, "migrate-2", migrationBody)
	if res, err := s.Persist(ctx, fresh); err != nil || res.Replayed || receiptID(t, res) != fresh.ID {
		t.Fatalf("a new key after the upgrade = %+v, %v", res, err)
	}
	if _, err := s.Get(ctx, migrationOwner, fresh.ID, migrationArn); err != nil {
		t.Errorf("the owner's GET: %v", err)
	}
	if _, err := s.Get(ctx, "AROANEWROLEUNIQUEID01", fresh.ID, migrationArn); errName(err) != errorname.NotFound {
		t.Errorf("a re-created role's GET of a versioned payment: %v, want %s", err, errorname.NotFound)
	}
	if it := tbl.item(t, store.PaymentKey(fresh.ID)); it["owner_arn"] == nil {
		t.Errorf("the readable owner is not stored beside the unique id: %v", it)
	}
}
