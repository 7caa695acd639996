package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func TestMain(m *testing.M) { emulator.Main(m) }

// table is a fresh transactions table in the test binary's DynamoDB Local.
type table struct {
	name string
	db   *dynamodb.Client
}

func newTable(tb testing.TB) table {
	tb.Helper()
	db := emulator.DynamoDBClient(emulator.DynamoDB(tb))
	name := emulator.UniqueName("transactions")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a cold DynamoDB Local on a busy machine is slow
	defer cancel()
	if err := store.CreateTable(ctx, db, name); err != nil {
		tb.Fatal(err)
	}
	return table{name: name, db: db}
}

// store is a store over the table. DynamoDB Local on a busy machine is far
// slower than DynamoDB: these tests are not about the call timeout.
func (tt table) store(opts ...store.Option) *store.Store {
	return store.New(tt.db, tt.name, append([]store.Option{store.WithCallTimeout(30 * time.Second)}, opts...)...)
}

// item reads a raw item.
func (tt table) item(t *testing.T, pk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := tt.db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(tt.name), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

// count counts the items of the table.
func (tt table) count(t *testing.T) int {
	t.Helper()
	out, err := tt.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(tt.name), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

func errName(err error) errorname.Name {
	if err == nil {
		return ""
	}
	return payment.AsError(err).Name
}

// later is a clock 25 hours ahead, past the 24-hour idempotency TTL: a
// record written now is expired for a store on this clock.
func later() time.Time { return time.Now().Add(25 * time.Hour) }

func TestPersistAgainstDynamoDBLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name string
		run  func(t *testing.T, tt table)
	}{
		{"a first request stores the payment and a replay returns the first response", func(t *testing.T, tt table) {
			s := tt.store()
			p := newPayment("k1", "b1")
			first, err := s.Persist(ctx, p)
			if err != nil || first.StatusCode != 201 || first.Replayed {
				t.Fatalf("first Persist = %+v, %v; want 201 not replayed", first, err)
			}
			again, err := s.Persist(ctx, p)
			if err != nil || !again.Replayed || again.Body != first.Body || again.StatusCode != 201 {
				t.Fatalf("replay = %+v, %v; want the first body replayed", again, err)
			}
			if n := tt.count(t); n != 2 {
				t.Errorf("table holds %d items, want 2 (payment and idempotency record)", n)
			}
			got, err := s.Get(ctx, p.Owner, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			item, err := tt.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tt.name),
				Key: map[string]types.AttributeValue{store.PartitionKey: &types.AttributeValueMemberS{Value: store.PaymentKey(p.ID)}}})
			if err != nil {
				t.Fatal(err)
			}
			if owner, _ := item.Item["owner"].(*types.AttributeValueMemberS); owner == nil || owner.Value != p.Owner {
				t.Errorf("the stored payment's owner is %v, want %s", item.Item["owner"], p.Owner)
			}
			if _, err := s.Get(ctx, "arn:aws:iam::111122223333:user/other", p.ID); errName(err) != errorname.NotFound {
				t.Errorf("another owner's Get = %v, want %s", err, errorname.NotFound)
			}
			b, _ := json.Marshal(got)
			if string(b) != first.Body {
				t.Errorf("Get = %s, want the 201 body %s", b, first.Body)
			}
		}},
		{"the same key with a different body is key reuse", func(t *testing.T, tt table) {
			s := tt.store()
			if _, err := s.Persist(ctx, newPayment("k1", "b1")); err != nil {
				t.Fatal(err)
			}
			_, err := s.Persist(ctx, newPayment("k1", "b2"))
			if errName(err) != errorname.KeyReused {
				t.Errorf("error = %v, want %s", err, errorname.KeyReused)
			}
			if n := tt.count(t); n != 2 {
				t.Errorf("table holds %d items, want 2", n)
			}
		}},
		{"the idempotency record expires about 24 hours after the request", func(t *testing.T, tt table) {
			p := newPayment("k1", "b1")
			if _, err := tt.store().Persist(ctx, p); err != nil {
				t.Fatal(err)
			}
			exp, ok := tt.item(t, store.IdempotencyKey(p.IdempotencyKeyHash))["expires_at"].(*types.AttributeValueMemberN)
			if !ok {
				t.Fatal("idempotency record has no numeric expires_at")
			}
			sec, _ := strconv.ParseInt(exp.Value, 10, 64)
			if d := time.Until(time.Unix(sec, 0)); d < 24*time.Hour-time.Minute || d > 24*time.Hour+time.Minute {
				t.Errorf("expires_at is %v ahead, want about 24h", d)
			}
			if _, ok := tt.item(t, store.PaymentKey(p.ID))["expires_at"]; ok {
				t.Error("the payment item expires; payments must be kept")
			}
			ttl, err := tt.db.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(tt.name)})
			if err != nil {
				t.Fatal(err)
			}
			if d := ttl.TimeToLiveDescription; d == nil || aws.ToString(d.AttributeName) != "expires_at" {
				t.Errorf("table TTL = %+v, want expires_at", d)
			}
		}},
		{"an expired record not yet swept is overwritten by a new request", func(t *testing.T, tt table) {
			// The record is written now and read by a store whose clock is
			// 25 hours later: expired for the store, while DynamoDB Local's
			// TTL sweeper (on the wall clock) leaves it in place.
			old := newPayment("k1", "b1")
			if _, err := tt.store().Persist(ctx, old); err != nil {
				t.Fatal(err)
			}
			fresh := newPayment("k1", "b2")
			fresh.ID = "pay_" + "bbbbbbbbbbbbbbbbbbbbbbbbbb"
			res, err := tt.store(store.WithClock(later)).Persist(ctx, fresh)
			if err != nil || res.Replayed || res.StatusCode != 201 {
				t.Fatalf("Persist after expiry = %+v, %v; want a new 201", res, err)
			}
			rec := tt.item(t, store.IdempotencyKey(fresh.IdempotencyKeyHash))
			if h := rec["request_hash"].(*types.AttributeValueMemberS).Value; h != fresh.RequestHash {
				t.Errorf("record request_hash = %s, want the new request's", h)
			}
		}},
		{"a request replayed after its record expired is answered from the payment", func(t *testing.T, tt table) {
			p := newPayment("k1", "b1")
			first, err := tt.store().Persist(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			res, err := tt.store(store.WithClock(later)).Persist(ctx, p)
			if err != nil || !res.Replayed || res.Body != first.Body {
				t.Fatalf("Persist = %+v, %v; want the first body replayed", res, err)
			}
			other := newPayment("k1", "b2")
			if _, err := tt.store(store.WithClock(later)).Persist(ctx, other); errName(err) != errorname.KeyReused {
				t.Errorf("a different body for the expired key and same payment id: %v, want %s", err, errorname.KeyReused)
			}
			if n := tt.count(t); n != 2 {
				t.Errorf("table holds %d items, want 2", n)
			}
		}},
		{"an unknown id is not found and the table is active", func(t *testing.T, tt table) {
			s := tt.store()
			if _, err := s.Get(ctx, testOwner, "pay_unknown"); errName(err) != errorname.NotFound {
				t.Errorf("Get unknown = %v, want %s", err, errorname.NotFound)
			}
			if st, err := s.Describe(ctx); err != nil || st != "ACTIVE" {
				t.Errorf("Describe = %q, %v; want ACTIVE", st, err)
			}
		}},
		{"a request that loses a conflict answers with the winner's response", func(t *testing.T, tt table) {
			p := newPayment("k1", "b1")
			var winner payment.Result
			// The first write of the loser conflicts with a concurrent
			// winner, which commits meanwhile.
			loser := store.New(&conflictOnce{DB: tt.db, before: func() {
				var err error
				if winner, err = tt.store().Persist(ctx, p); err != nil {
					t.Error(err)
				}
			}}, tt.name, store.WithCallTimeout(30*time.Second))
			res, err := loser.Persist(ctx, p)
			if err != nil || !res.Replayed || res.Body != winner.Body {
				t.Fatalf("loser = %+v, %v; want the winner's body replayed", res, err)
			}
		}},
		{"a conflict that outlasts the wait is in progress", func(t *testing.T, tt table) {
			s := store.New(&conflictOnce{DB: tt.db, always: true}, tt.name, store.WithContention(3, time.Millisecond), store.WithCallTimeout(30*time.Second))
			if _, err := s.Persist(ctx, newPayment("k1", "b1")); errName(err) != errorname.InProgress {
				t.Errorf("error = %v, want %s", err, errorname.InProgress)
			}
			if n := tt.count(t); n != 0 {
				t.Errorf("table holds %d items, want none", n)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newTable(t))
		})
	}
}

// conflictOnce makes TransactWriteItems fail with a TransactionConflict,
// as when a concurrent transaction holds the items: once (after running
// before, the concurrent request) or always.
type conflictOnce struct {
	store.DB
	before func()
	always bool
	mu     sync.Mutex
	done   bool
}

func (c *conflictOnce) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	c.mu.Lock()
	first := !c.done
	c.done = true
	c.mu.Unlock()
	if first || c.always {
		if c.before != nil && first {
			c.before()
		}
		return nil, canceled("TransactionConflict", "None")
	}
	return c.DB.TransactWriteItems(ctx, in, opts...)
}

func TestFiftyConcurrentRequestsWithOneKeyStoreOnePayment(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	codes := &reasonCounter{DB: tt.db, seen: map[string]int{}}
	// DynamoDB Local answers 50 concurrent transactions slowly on a busy
	// machine; this test is about contention, not the call timeout.
	s := store.New(codes, tt.name, store.WithCallTimeout(30*time.Second))
	p := newPayment("k1", "b1")
	const n = 50
	type answer struct {
		res payment.Result
		err error
	}
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range answers {
		wg.Go(func() {
			<-start
			res, err := s.Persist(context.Background(), p)
			answers[i] = answer{res, err}
		})
	}
	close(start)
	wg.Wait()

	var fresh, replayed, inProgress int
	for i, a := range answers {
		switch {
		case a.err == nil && a.res.StatusCode == 201:
			var r store.Receipt
			if err := json.Unmarshal([]byte(a.res.Body), &r); err != nil || r.ID != p.ID {
				t.Errorf("answer %d body %s does not carry payment id %s", i, a.res.Body, p.ID)
			}
			if a.res.Replayed {
				replayed++
			} else {
				fresh++
			}
		case errName(a.err) == errorname.InProgress:
			inProgress++
		default:
			t.Errorf("answer %d = %+v, %v; want 201 or %s", i, a.res, a.err, errorname.InProgress)
		}
	}
	t.Logf("%d new, %d replayed, %d in progress; transaction outcomes %v", fresh, replayed, inProgress, codes.seen)
	if fresh != 1 {
		t.Errorf("%d answers were a new 201, want exactly 1", fresh)
	}
	if got := tt.count(t); got != 2 {
		t.Errorf("table holds %d items, want 2 (one payment, one record)", got)
	}
}

// reasonCounter counts transaction outcomes by cancellation reasons.
type reasonCounter struct {
	store.DB
	mu   sync.Mutex
	seen map[string]int
}

func (c *reasonCounter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := c.DB.TransactWriteItems(ctx, in, opts...)
	key := "committed"
	if err != nil {
		key = "error"
		if tce, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
			key = ""
			for _, r := range tce.CancellationReasons {
				key += aws.ToString(r.Code) + "/"
			}
		}
	}
	c.mu.Lock()
	c.seen[key]++
	c.mu.Unlock()
	return out, err
}

func TestParkedPaymentsAreListedOnceUntilResolved(t *testing.T) {
	t.Parallel()
	tt := newTable(t)
	ctx := context.Background()
	s := tt.store(store.WithCallTimeout(30 * time.Second))
	p := newPayment("k1", "b1")
	body, _ := json.Marshal(p)
	reused := store.Parked{Reason: store.ParkedKeyReused, Detail: string(errorname.KeyReused), PaymentID: p.ID, RequestHash: p.RequestHash,
		Body: string(body), Attributes: map[string]string{"failure_reason": string(errorname.StoreUnavailable)}, MessageID: "m-1", Receives: 1}
	malformed := store.Parked{Reason: store.ParkedMalformed, Detail: "body is not a payment object", Body: `{"not":"a payment"}`, MessageID: "m-2", Receives: 1}

	// GIVEN a queued payment whose key another payment took, parked twice
	// (its message was delivered twice), and a message that is not a
	// payment
	key, err := s.Park(ctx, reused)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := s.Park(ctx, reused); err != nil || again != key {
		t.Fatalf("parking again = %q, %v; want the same key %q", again, err, key)
	}
	if _, err := s.Park(ctx, malformed); err != nil {
		t.Fatal(err)
	}
	// THEN both are listed once, oldest first, with what a replay needs
	parked, err := s.ListParked(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 {
		t.Fatalf("%d parked items, want 2: %+v", len(parked), parked)
	}
	byKey := map[string]store.Parked{}
	for _, it := range parked {
		byKey[it.Key] = it
	}
	got := byKey[key]
	if got.Reason != store.ParkedKeyReused || got.PaymentID != p.ID || got.Body != string(body) || got.TimesParked != 2 ||
		got.Attributes["failure_reason"] != string(errorname.StoreUnavailable) || got.FirstParkedAt == "" {
		t.Errorf("parked item = %+v", got)
	}
	if m := byKey[store.ParkedKey("", "", malformed.Body)]; m.Reason != store.ParkedMalformed || m.Body != malformed.Body {
		t.Errorf("malformed message parked as %+v", m)
	}
	// WHEN one is resolved THEN it leaves the list and stays as a record
	if err := s.ResolveParked(ctx, key, store.Resolution{How: "replayed", By: "arn:aws:iam::111122223333:user/operator"}); err != nil {
		t.Fatal(err)
	}
	if parked, err := s.ListParked(ctx, 0); err != nil || len(parked) != 1 {
		t.Errorf("after resolving, %d parked items (%v), want 1", len(parked), err)
	}
	rec, err := s.GetParked(ctx, key)
	if err != nil || rec.Resolution != "replayed" || rec.ResolvedAt == "" {
		t.Errorf("resolved record = %+v, %v", rec, err)
	}
	if err := s.ResolveParked(ctx, store.ParkedKey("pay_none", "rh", ""), store.Resolution{How: "x", By: "arn:aws:iam::111122223333:user/operator"}); err == nil {
		t.Error("resolving a key that was never parked succeeded")
	}
}
