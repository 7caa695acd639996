package store

import "strings"

// Kinds of item in the table, named by the prefix of their partition key
// (see the package comment and parked.go). The restore verification
// (tasks/store/restore) counts and compares items by kind.
const (
	KindPayment     = "payment"
	KindIdempotency = "idempotency-record"
	KindParked      = "parked"
	// KindOther is an item no code of this package writes.
	KindOther = "other"
)

// KindOf returns the kind of the item with partition key pk.
func KindOf(pk string) string {
	switch {
	case strings.HasPrefix(pk, paymentPrefix):
		return KindPayment
	case strings.HasPrefix(pk, idempotencyPrefix):
		return KindIdempotency
	case strings.HasPrefix(pk, parkedPrefix):
		return KindParked
	}
	return KindOther
}
