package test

import (
	"testing"

	"github.com/resilientpay/paymentapi/internal/cdk/datakey"
)

// Tests of what a destroy leaves behind and for how long.

func TestTheDataKeyOutlivesTheStackForThirtyDays(t *testing.T) {
	s := synth(t, suffix)
	key := s.Resources("AWS::KMS::Key")[keyID(t, s)]
	// THEN the key is deleted with the stack (no RETAIN), after KMS's
	// longest pending window, during which its deletion can be cancelled
	if r := key["DeletionPolicy"]; r != "Delete" {
		t.Errorf("key DeletionPolicy %v, want Delete", r)
	}
	if got := props(key)["PendingWindowInDays"]; got != float64(30) || datakey.PendingWindowDays != 30 {
		t.Errorf("key PendingWindowInDays %v (constant %d), want 30", got, datakey.PendingWindowDays)
	}
}
