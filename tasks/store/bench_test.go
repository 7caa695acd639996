package store_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// benchPayment is a distinct payment for each n.
func benchPayment(prefix string, n int64) payment.Payment {
	p := newPayment("k1", "b1")
	p.ID = fmt.Sprintf("pay_%s%022d", prefix, n)
	p.IdempotencyKeyHash = fmt.Sprintf("%s-key-%d", prefix, n)
	return p
}

func opsPerSecond(b *testing.B, start time.Time) {
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "ops/s")
}

// BenchmarkPersist measures new payments persisted one after another
// against DynamoDB Local (one transaction each).
func BenchmarkPersist(b *testing.B) {
	s := newTable(b).store()
	ctx := context.Background()
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Persist(ctx, benchPayment("seq", int64(i))); err != nil {
			b.Fatal(err)
		}
	}
	opsPerSecond(b, start)
}

// BenchmarkPersistParallel measures new payments persisted from
// GOMAXPROCS goroutines.
func BenchmarkPersistParallel(b *testing.B) {
	s := newTable(b).store()
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Persist(ctx, benchPayment("par", n.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	opsPerSecond(b, start)
}

// BenchmarkPersistReplay measures answering a repeated request: a
// cancelled transaction and a consistent read of the idempotency record.
func BenchmarkPersistReplay(b *testing.B) {
	s := newTable(b).store()
	ctx := context.Background()
	p := benchPayment("rep", 0)
	if _, err := s.Persist(ctx, p); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := time.Now()
	b.ResetTimer()
	for b.Loop() {
		res, err := s.Persist(ctx, p)
		if err != nil || !res.Replayed {
			b.Fatalf("replay = %+v, %v", res, err)
		}
	}
	opsPerSecond(b, start)
}

// BenchmarkPersistClientSide measures the store's own cost per payment
// (building and marshalling the transaction) with a DynamoDB that accepts
// every write at once.
func BenchmarkPersistClientSide(b *testing.B) {
	s := store.New(&fakeDB{}, "transactions")
	ctx := context.Background()
	p := newPayment("k1", "b1")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Persist(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
