package reprocess_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/tasks/queue"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

const operator = "arn:aws:iam::111122223333:user/operator"

// sendFunc is an SQS sender whose SendMessage runs a function: what the
// reprocess function does with the replayed message before Replay goes on.
type sendFunc func() error

var _ queue.Sender = sendFunc(nil)

func (f sendFunc) SendMessage(context.Context, *sqs.SendMessageInput, ...func(*sqs.Options)) (*sqs.SendMessageOutput, error) {
	if err := f(); err != nil {
		return nil, err
	}
	return &sqs.SendMessageOutput{}, nil
}

// parkedStore is a store over an in-memory transactions table with one
// parked payment.
func parkedStore(t *testing.T) (*store.Store, store.Parked, string) {
	t.Helper()
	ctx := context.Background()
	db := memddb.New()
	if err := store.CreateTable(ctx, db, "t"); err != nil {
		t.Fatal(err)
	}
	s := store.New(db, "t")
	p := store.Parked{Reason: store.ParkedKeyReused, Detail: "Payment.IdempotencyKeyReused", PaymentID: "pay_a", RequestHash: "rh", Body: `{"a":1}`}
	key, err := s.Park(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	return s, p, key
}

func TestAReplayThatIsParkedAgainBeforeItResolvesStaysParked(t *testing.T) {
	ctx := context.Background()
	s, p, key := parkedStore(t)
	// GIVEN the replayed message fails again and is parked again before
	// the replay resolves the item (the reprocess function is fast)
	reparked := sendFunc(func() error { _, err := s.Park(ctx, p); return err })
	ops := reprocess.Parking{Store: s, Queue: queue.New(reparked, "https://sqs.example/q")}
	// WHEN the operator replays it
	err := ops.Replay(ctx, key, operator)
	// THEN the replay says so, and the payment is still listed as parked,
	// parked twice
	if !errors.Is(err, store.ErrParkedAgain) {
		t.Errorf("Replay = %v, want store.ErrParkedAgain", err)
	}
	parked, err := ops.List(ctx, 0)
	if err != nil || len(parked) != 1 || parked[0].Key != key || parked[0].TimesParked != 2 || parked[0].ResolvedAt != "" {
		t.Fatalf("parked after the racing replay: %+v, %v; want the re-parked payment still listed", parked, err)
	}
}

func TestAReplayResolvesTheItemAsItWasReadAndRecordsTheOperator(t *testing.T) {
	ctx := context.Background()
	s, _, key := parkedStore(t)
	sent := 0
	ops := reprocess.Parking{Store: s, Queue: queue.New(sendFunc(func() error { sent++; return nil }), "https://sqs.example/q")}
	if err := ops.Replay(ctx, key, ""); err == nil || sent != 0 {
		t.Errorf("a replay without an operator = %v, %d sent; want refused before sending", err, sent)
	}
	if err := ops.Replay(ctx, key, operator); err != nil || sent != 1 {
		t.Fatalf("Replay = %v, %d sent", err, sent)
	}
	it, err := s.GetParked(ctx, key)
	if err != nil || it.Resolution != "replayed" || it.ResolvedBy != operator || it.ResolvedAt == "" {
		t.Errorf("replayed item %+v, %v; want resolved as replayed by %s", it, err, operator)
	}
	if left, _ := ops.List(ctx, 0); len(left) != 0 {
		t.Errorf("still listed: %+v", left)
	}
}

func TestOperatorsTouchParkedItemsOnly(t *testing.T) {
	ctx := context.Background()
	s, _, _ := parkedStore(t)
	sent := 0
	ops := reprocess.Parking{Store: s, Queue: queue.New(sendFunc(func() error { sent++; return nil }), "https://sqs.example/q")}
	for _, key := range []string{store.PaymentKey("pay_a"), store.IdempotencyKey("hash"), "PARKED#", "", "anything"} {
		if err := ops.Replay(ctx, key, operator); err == nil {
			t.Errorf("Replay(%q) succeeded", key)
		}
		if err := ops.Resolve(ctx, key, "refunded", operator); err == nil {
			t.Errorf("Resolve(%q) succeeded", key)
		}
	}
	if sent != 0 {
		t.Errorf("%d messages sent for keys that are not parked items", sent)
	}
}
