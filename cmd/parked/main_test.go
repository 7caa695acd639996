package main

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func TestTheNamesAreTheStacks(t *testing.T) {
	for _, suffix := range []string{"dev", "qa"} {
		if got, want := restore.SourceName(suffix), naming.Physical(platform.TransactionsTable, suffix); got != want {
			t.Errorf("table %s, the stack's %s", got, want)
		}
		if got, want := queueName(suffix), naming.Physical(platform.FailedQueue, suffix); got != want {
			t.Errorf("queue %s, the stack's %s", got, want)
		}
	}
}

func TestReplayAndResolveRefuseAKeyThatIsNotAParkedItemsBeforeCallingAWS(t *testing.T) {
	for _, args := range [][]string{
		{"replay", store.PaymentKey("pay_1")},
		{"resolve", store.IdempotencyKey("hash"), "refunded"},
		{"resolve", "PARKED#", "refunded"},
	} {
		err := run(context.Background(), args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "is not a parked payment's key") {
			t.Errorf("run %v = %v, want the key refused", args, err)
		}
	}
}

// fakeIdentity answers GetCallerIdentity.
type fakeIdentity struct {
	arn string
	err error
}

var _ identity = fakeIdentity{}

func (f fakeIdentity) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.arn)}, nil
}

func TestTheOperatorIsTheCallersARN(t *testing.T) {
	const arn = "arn:aws:sts::111122223333:assumed-role/operator/alice"
	if got, err := callerARN(context.Background(), fakeIdentity{arn: arn}); err != nil || got != arn {
		t.Errorf("callerARN = %q, %v; want %s", got, err, arn)
	}
	for _, f := range []fakeIdentity{{err: errors.New("ExpiredToken")}, {arn: ""}} {
		if got, err := callerARN(context.Background(), f); err == nil {
			t.Errorf("callerARN with %+v = %q, want an error: nobody to record", f, got)
		}
	}
}
