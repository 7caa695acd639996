package main

import (
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/storage"
)

func TestTheNamesAreTheStacks(t *testing.T) {
	for _, suffix := range []string{"dev", "qa"} {
		if got, want := tableName(suffix), naming.Physical(storage.TransactionsTable, suffix); got != want {
			t.Errorf("table %s, the stack's %s", got, want)
		}
		if got, want := queueName(suffix), naming.Physical(paymentstack.FailedQueue, suffix); got != want {
			t.Errorf("queue %s, the stack's %s", got, want)
		}
	}
}
