package deadline_test

import (
	"context"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/internal/runtime/deadline"
)

func TestReserveKeepsAMarginBeforeTheDeadline(t *testing.T) {
	tests := []struct {
		name     string
		left     time.Duration // 0: no deadline
		margin   time.Duration
		wantLeft time.Duration // about
	}{
		{"a deadline in 2 s keeps 250 ms", 2 * time.Second, 250 * time.Millisecond, 1750 * time.Millisecond},
		{"a deadline closer than twice the margin keeps half of what is left", 300 * time.Millisecond, 250 * time.Millisecond, 150 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parent, cancel := context.WithTimeout(context.Background(), tt.left)
			defer cancel()
			ctx, cancel2 := deadline.Reserve(parent, tt.margin)
			defer cancel2()
			d, ok := ctx.Deadline()
			if !ok {
				t.Fatal("no deadline")
			}
			if got := time.Until(d); got > tt.wantLeft || got < tt.wantLeft-50*time.Millisecond {
				t.Errorf("%s left, want about %s", got, tt.wantLeft)
			}
		})
	}
	ctx, cancel := deadline.Reserve(context.Background(), time.Second)
	defer cancel()
	if _, ok := ctx.Deadline(); ok {
		t.Error("a context without a deadline got one")
	}
}

func TestCallTimeout(t *testing.T) {
	for _, tt := range []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", time.Second, false}, {"2500", 2500 * time.Millisecond, false},
		{"0", 0, true}, {"-1", 0, true}, {"60001", 0, true}, {"1s", 0, true},
	} {
		got, err := deadline.CallTimeout(func(string) string { return tt.value }, time.Second)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("CallTimeout(%q) = %s, %v; want %s, error %v", tt.value, got, err, tt.want, tt.wantErr)
		}
	}
}
