// Package deadline keeps a margin before a Lambda invocation's deadline,
// so that a handler whose calls run late still answers with its own,
// classified error (Payment.StoreUnavailable, Payment.QueueUnavailable)
// instead of being cut off by Lambda's timeout, which Step Functions only
// sees as Lambda.Unknown.
package deadline

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Margin is what a handler keeps for itself before the invocation's
// deadline: time to log and return its answer.
const Margin = 250 * time.Millisecond

// Reserve returns a context whose deadline is margin earlier than ctx's.
// A context without a deadline is returned as is; one whose deadline is
// closer than margin gets at most half of what is left.
func Reserve(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	d, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	left := time.Until(d)
	if margin > left/2 {
		margin = left / 2
	}
	return context.WithDeadline(ctx, d.Add(-margin))
}

// CallTimeoutEnv is the setting that overrides a function's per-call SDK
// timeout, in milliseconds. Deployed functions leave it unset; the local
// runner raises it for the emulators on a busy laptop.
const CallTimeoutEnv = "CALL_TIMEOUT_MS"

// CallTimeout reads CALL_TIMEOUT_MS with getenv: unset means def,
// otherwise a whole number of milliseconds from 1 to 60000.
func CallTimeout(getenv func(string) string, def time.Duration) (time.Duration, error) {
	s := getenv(CallTimeoutEnv)
	if s == "" {
		return def, nil
	}
	ms, err := strconv.Atoi(s)
	if err != nil || ms < 1 || ms > 60000 {
		return 0, fmt.Errorf("%s %q is not a whole number of milliseconds from 1 to 60000", CallTimeoutEnv, s)
	}
	return time.Duration(ms) * time.Millisecond, nil
}
