package aslrun

import (
	"context"
	"sync"
	"time"
)

// deadlineCtx is a context that is done when its parent is, when its
// cancel function is called, or when the Clock reaches at: an execution's
// time limit, a Task's TimeoutSeconds. It is what Clock.WithTimeout would
// give, except that it asks the Clock for that context only when someone
// waits on it (Done), asks for its Deadline, or reads a Value (which is
// how context.Cause finds the cancellation). Until then Err compares the
// Clock's time with at. Most Task invocations (a handler that answers at
// once, a stub) and most executions never wait on these contexts, and
// each Clock.WithTimeout costs a timer and several allocations; profiles
// of the payments workflow put about a tenth of an execution's CPU in the
// three it used to create.
type deadlineCtx struct {
	parent context.Context // never armed lazily itself: not a *deadlineCtx
	clock  Clock
	at     time.Time

	mu       sync.Mutex
	armed    context.Context // the Clock's context, once asked for
	cancelFn context.CancelFunc
	canceled bool
}

// withDeadline sets c up as a context done at at on the Clock (or when
// parent is) and returns it; its cancel method is its CancelFunc. A
// parent that is itself an unarmed deadlineCtx is folded in: c takes the
// earlier of the two times and the grandparent, so that one Clock timeout
// covers both when someone waits. The folded parent must not be
// cancelled before c (the executor cancels an execution's context only
// after its last Task has returned).
func withDeadline(c *deadlineCtx, parent context.Context, clock Clock, at time.Time) *deadlineCtx {
	if p, ok := parent.(*deadlineCtx); ok {
		p.mu.Lock()
		unarmed := p.armed == nil && !p.canceled
		p.mu.Unlock()
		if unarmed {
			parent = p.parent
			if p.at.Before(at) {
				at = p.at
			}
		}
	}
	c.parent, c.clock, c.at = parent, clock, at
	return c
}

// arm returns the Clock's context, creating it on first use. c.mu is held.
func (c *deadlineCtx) arm() context.Context {
	if c.armed != nil {
		return c.armed
	}
	if remaining := c.at.Sub(c.clock.Now()); remaining > 0 {
		c.armed, c.cancelFn = c.clock.WithTimeout(c.parent, remaining)
	} else {
		// Already past on the Clock: done now. (A fake Clock's timeout
		// would only fire when its time moves again.)
		c.armed, c.cancelFn = context.WithDeadline(c.parent, time.Now().Add(remaining))
	}
	if !c.clock.Now().Before(c.at) {
		// The Clock passed at before its timeout was set up (a fake
		// Clock moved meanwhile): done now.
		c.cancelFn()
		c.armed, c.cancelFn = context.WithDeadline(c.parent, time.Now())
	}
	if c.canceled {
		c.cancelFn()
	}
	return c.armed
}

func (c *deadlineCtx) cancel() {
	c.mu.Lock()
	c.canceled = true
	if c.cancelFn != nil {
		c.cancelFn()
	}
	c.mu.Unlock()
}

// Deadline implements context.Context.
func (c *deadlineCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	a := c.arm()
	c.mu.Unlock()
	return a.Deadline()
}

// Done implements context.Context.
func (c *deadlineCtx) Done() <-chan struct{} {
	c.mu.Lock()
	a := c.arm()
	c.mu.Unlock()
	return a.Done()
}

// Value implements context.Context.
func (c *deadlineCtx) Value(key any) any {
	c.mu.Lock()
	a := c.arm()
	c.mu.Unlock()
	return a.Value(key)
}

// Err implements context.Context.
func (c *deadlineCtx) Err() error {
	c.mu.Lock()
	a, canceled := c.armed, c.canceled
	c.mu.Unlock()
	if a != nil {
		if err := a.Err(); err != nil {
			return err
		}
	}
	if canceled {
		return context.Canceled
	}
	if err := c.parent.Err(); err != nil {
		return err
	}
	if !c.clock.Now().Before(c.at) {
		return context.DeadlineExceeded
	}
	return nil
}

// String names the context, as the standard library's do.
func (c *deadlineCtx) String() string { return "aslrun.deadlineCtx" }
