package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/destroyguard"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func TestTheNamesAreTheStacks(t *testing.T) {
	for _, suffix := range []string{"dev", "qa"} {
		if got, want := restore.SourceName(suffix), naming.Physical(platform.TransactionsTable, suffix); got != want {
			t.Errorf("table %s, the stack's %s", got, want)
		}
		want := []string{naming.Physical(platform.FailedQueue, suffix), naming.Physical(platform.FailedDLQ, suffix)}
		if got := queueNames(suffix); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("queues %v, the stack's %v", got, want)
		}
	}
}

func TestRunFailsWhenTheGuardCannotCountUnlessForced(t *testing.T) {
	noCredentials := func(context.Context, string) (destroyguard.Guard, error) {
		return destroyguard.Guard{}, errors.New("no credentials in the chain")
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-suffix", "prod"}, &out, noCredentials); err == nil {
		t.Errorf("run succeeded without credentials:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "payment-platform-prod") || !strings.Contains(out.String(), "no credentials") {
		t.Errorf("output does not say which stack or why:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"-suffix", "prod", "-force"}, &out, noCredentials); err != nil {
		t.Errorf("run -force = %v:\n%s", err, out.String())
	}
	if err := run(context.Background(), []string{"extra"}, &out, noCredentials); err == nil {
		t.Error("run accepted an argument")
	}
	// After a cutover the guard counts the restored table; a table that is
	// not this suffix's is refused before anything is counted.
	out.Reset()
	empty := func(context.Context, string) (destroyguard.Guard, error) { return destroyguard.Guard{}, nil }
	if err := run(context.Background(), []string{"-suffix", "prod", "-table", "transactions-table-qa-r202612071000"}, &out, empty); err == nil ||
		!strings.Contains(out.String(), "not a restored transactions table") {
		t.Errorf("run accepted another environment's table: %v\n%s", err, out.String())
	}
}
