package aslrun

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock: Sleep records the duration and advances
// the time at once, and the timeouts it hands out (a Task's
// TimeoutSeconds, the execution's limit) expire when the fake time passes
// them. A test invoker that "takes long" calls Advance.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	timers []fakeTimer
}

type fakeTimer struct {
	at     time.Time
	cancel context.CancelFunc
}

var _ Clock = (*fakeClock)(nil)

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	c.Advance(d)
	return ctx.Err()
}

func (c *fakeClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	c.timers = append(c.timers, fakeTimer{at: c.now.Add(d), cancel: cancel})
	c.mu.Unlock()
	return cctx, cancel
}

// Advance moves the time on by d and expires the timeouts that passed.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []context.CancelFunc
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, t.cancel)
		} else {
			kept = append(kept, t)
		}
	}
	c.timers = kept
	c.mu.Unlock()
	for _, cancel := range due {
		cancel()
	}
}

// hang returns an invoker that takes d on the clock and then waits for
// its context, like a task that runs too long.
func hang(c *fakeClock, d time.Duration) InvokerFunc {
	return func(ctx context.Context, _ string, _ json.RawMessage) (json.RawMessage, error) {
		c.Advance(d)
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// scriptedInvoker answers each call to a resource with the next entry of
// its script; a nil error with an empty result echoes the input.
type scriptedInvoker struct {
	mu       sync.Mutex
	script   map[string][]step2
	calls    []call
	fallback func(resource string, input json.RawMessage) (json.RawMessage, error)
}

type step2 struct {
	out string
	err error
}

type call struct {
	resource string
	input    string
}

var _ Invoker = (*scriptedInvoker)(nil)

func (s *scriptedInvoker) Invoke(_ context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call{resource, string(input)})
	if q := s.script[resource]; len(q) > 0 {
		next := q[0]
		if len(q) > 1 {
			s.script[resource] = q[1:]
		}
		if next.err != nil {
			return nil, next.err
		}
		if next.out == "" {
			return input, nil
		}
		return json.RawMessage(next.out), nil
	}
	if s.fallback != nil {
		return s.fallback(resource, input)
	}
	return input, nil
}

func (s *scriptedInvoker) callsTo(resource string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.resource == resource {
			n++
		}
	}
	return n
}

func mustNew(t testing.TB, def string, opts Options) *Machine {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = newFakeClock()
	}
	if opts.Invoker == nil {
		opts.Invoker = &scriptedInvoker{}
	}
	m, err := New([]byte(def), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func mustRun(t testing.TB, m *Machine, input string) *Execution {
	t.Helper()
	exec, err := m.Run(context.Background(), "test-exec", json.RawMessage(input))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return exec
}

// jsonEq reports whether two JSON texts are the same value.
func jsonEq(t testing.TB, got json.RawMessage, want string) bool {
	t.Helper()
	g, err := decodeJSON(got)
	if err != nil {
		t.Fatalf("output %q is not JSON: %v", got, err)
	}
	w, err := decodeJSON([]byte(want))
	if err != nil {
		t.Fatalf("want %q is not JSON: %v", want, err)
	}
	return jsonEqual(g, w)
}

func eventTypes(events []Event) string {
	var b strings.Builder
	for i, e := range events {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(string(e.Type))
	}
	return b.String()
}

// oneState wraps a state definition in a machine that starts and ends
// with it.
func oneState(stateJSON string) string {
	return `{"StartAt":"S","States":{"S":` + stateJSON + `}}`
}
