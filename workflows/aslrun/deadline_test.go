package aslrun

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"
)

// waitFor fails the test when ch does not receive; the bound only keeps a
// broken implementation from hanging the test run.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s never happened", what)
	}
}

func TestDeadlineCtxWithoutWaiting(t *testing.T) {
	clock := newFakeClock()
	c := withDeadline(new(deadlineCtx), context.Background(), clock, clock.Now().Add(time.Second))
	if err := c.Err(); err != nil {
		t.Fatalf("Err before the deadline = %v", err)
	}
	clock.Advance(time.Second)
	if err := c.Err(); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Err at the deadline = %v, want DeadlineExceeded", err)
	}
	if c.armed != nil || len(clock.timers) != 0 {
		t.Error("Err asked the Clock for a timeout")
	}
	c.cancel()
	// Cancelled before anyone waited: Done is closed at once.
	c2 := withDeadline(new(deadlineCtx), context.Background(), clock, clock.Now().Add(time.Hour))
	c2.cancel()
	waitFor(t, c2.Done(), "Done of a cancelled context")
	if err := c2.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after cancel = %v, want Canceled", err)
	}
}

func TestDeadlineCtxDoneFiresOnTheClock(t *testing.T) {
	clock := newFakeClock()
	parent, cancelParent := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	defer cancelParent()
	c := withDeadline(new(deadlineCtx), parent, clock, clock.Now().Add(2*time.Second))
	defer c.cancel()
	done := c.Done()
	if len(clock.timers) != 1 {
		t.Fatalf("Done set up %d Clock timeouts, want 1", len(clock.timers))
	}
	clock.Advance(time.Second)
	select {
	case <-done:
		t.Fatal("done before the deadline")
	default:
	}
	clock.Advance(time.Second)
	waitFor(t, done, "the deadline")
	if c.Err() == nil {
		t.Error("Err is nil once Done is closed")
	}
	if v := c.Value(ctxKey{}); v != "v" {
		t.Errorf("Value = %v, want the parent's", v)
	}
	// Past the deadline already when someone first waits: done at once.
	late := withDeadline(new(deadlineCtx), parent, clock, clock.Now().Add(-time.Second))
	waitFor(t, late.Done(), "Done of a context past its deadline")
	// A parent cancelled: done, with the parent's error.
	c3 := withDeadline(new(deadlineCtx), parent, clock, clock.Now().Add(time.Hour))
	cancelParent()
	if err := c3.Err(); !errors.Is(err, context.Canceled) {
		t.Errorf("Err after the parent's cancel = %v, want Canceled", err)
	}
	waitFor(t, c3.Done(), "Done after the parent's cancel")
}

type ctxKey struct{}

// A Task's context folds in the execution's unarmed one: it ends at the
// earlier of the two times, and its parent is the execution's parent.
func TestDeadlineCtxFoldsAnUnarmedParent(t *testing.T) {
	clock := newFakeClock()
	now := clock.Now()
	exec := withDeadline(new(deadlineCtx), context.Background(), clock, now.Add(time.Second))
	task := withDeadline(new(deadlineCtx), exec, clock, now.Add(time.Hour))
	if !task.at.Equal(now.Add(time.Second)) || task.parent != context.Background() {
		t.Errorf("task context: at %v parent %v, want the execution's time and parent", task.at.Sub(now), task.parent)
	}
	_ = exec.Done() // armed: no longer folded
	task2 := withDeadline(new(deadlineCtx), exec, clock, now.Add(time.Hour))
	if task2.parent != context.Context(exec) {
		t.Error("a task context folded an armed parent")
	}
	clock.Advance(time.Second)
	waitFor(t, task2.Done(), "the execution's deadline through the task context")
}

// The watchdog fires each watch once its time has come on the Clock, in
// order, moves its timer when an earlier deadline comes, and never fires
// a watch removed before its time.
func TestWatchdog(t *testing.T) {
	clock := newFakeClock()
	d := &watchdog{clock: clock}
	now := clock.Now()
	w10, w1, w5 := newWatch(), newWatch(), newWatch()
	d.add(w10, now.Add(10*time.Second))
	d.add(w1, now.Add(time.Second)) // earlier: the timer moves
	d.add(w5, now.Add(5*time.Second))
	// The timers are set up by the watchdog's goroutine: advance until
	// the first one fires.
	advanceUntil(t, clock, w1.ch, time.Second)
	select {
	case <-w5.ch:
		t.Fatal("the 5 s watch fired at 1 s")
	default:
	}
	advanceUntil(t, clock, w5.ch, 4*time.Second)
	d.remove(w10)
	clock.Advance(10 * time.Second)
	// The watchdog stops once nothing is left to watch.
	for {
		d.mu.Lock()
		running := d.running
		d.mu.Unlock()
		if !running {
			break
		}
		clock.Advance(time.Second)
		time.Sleep(time.Millisecond)
	}
	select {
	case <-w10.ch:
		t.Error("a removed watch fired")
	default:
	}
	// Added again, it works again.
	d.add(w10, clock.Now().Add(time.Second))
	advanceUntil(t, clock, w10.ch, time.Second)
}

// advanceUntil advances the clock by step, then by nothing, until ch
// receives: the watchdog's goroutine may set its timer up after the first
// Advance, and then sees the time has passed.
func advanceUntil(t *testing.T, clock *fakeClock, ch <-chan struct{}, step time.Duration) {
	t.Helper()
	clock.Advance(step)
	for range 10000 {
		select {
		case <-ch:
			return
		default:
			clock.Advance(0)
			time.Sleep(100 * time.Microsecond)
		}
	}
	t.Fatal("the watch never fired")
}

// With the real clock, executions whose Invokers ignore their context all
// end at their time limit, on one Machine's watchdog, while executions
// whose Invokers answer succeed; and a worker given up on serves the next
// Task with that Task's answer once its call returns.
func TestExecutionsOutliveInvokersThatIgnoreTheirContext(t *testing.T) {
	release := make(chan struct{})
	inv := InvokerFunc(func(_ context.Context, resource string, _ json.RawMessage) (json.RawMessage, error) {
		if resource == "hang" {
			<-release
			return json.RawMessage(`{"stale":true}`), nil
		}
		return json.RawMessage(`{"fresh":true}`), nil
	})
	def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.hang","BooleanEquals":true,"Next":"H"}],"Default":"A"},
	  "H":{"Type":"Task","Resource":"hang","End":true},"A":{"Type":"Task","Resource":"answer","End":true}}}`
	m := mustNew(t, def, Options{Invoker: inv, Clock: SystemClock{}, ExecutionTimeout: 50 * time.Millisecond})
	var wg sync.WaitGroup
	execs := make([]*Execution, 20)
	for i := range execs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := `{"hang":false}`
			if i%2 == 0 {
				in = `{"hang":true}`
			}
			exec, err := m.Run(context.Background(), "", json.RawMessage(in))
			if err != nil {
				t.Error(err)
				return
			}
			execs[i] = exec
		}()
	}
	wg.Wait()
	for i, exec := range execs {
		if exec == nil {
			continue
		}
		if i%2 == 0 && exec.Status != TimedOut {
			t.Errorf("execution %d with a hanging Invoker: %s %s", i, exec.Status, exec.Error)
		}
		if i%2 == 1 && (exec.Status != Succeeded || string(exec.Output) != `{"fresh":true}`) {
			t.Errorf("execution %d: %s %s", i, exec.Status, exec.Output)
		}
	}
	close(release)
	// The abandoned workers put themselves back as their calls return;
	// whichever serves these executions answers with their own result.
	for range 50 {
		exec := mustRun(t, m, `{"hang":false}`)
		if exec.Status != Succeeded || string(exec.Output) != `{"fresh":true}` {
			t.Fatalf("after the release: %s %s", exec.Status, exec.Output)
		}
	}
}
