package console

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// startID is the id of the graph's Start marker. State names are free
// text (the recovery workflow has a state called "Start"), so it carries a
// byte no synthesized state name has.
const startID = "\x00start"

// State statuses, worst first: the class of a node in the graph and of its
// badge in the details.
const (
	statusFailed    = "failed"
	statusCaught    = "caught"
	statusSucceeded = "succeeded"
	statusEntered   = "entered"
	statusNotRun    = "notrun"
)

// stateRun is what one execution did in one state.
type stateRun struct {
	Name    string
	Entries []*entry
	// Retries are the failed attempts a retrier retried, in order.
	Retries []retry
	// Caught are the errors a Catch handled, with the state it went to.
	Caught []caught
	// Failed is the error that ended the state without a Catch (or the
	// Fail state's error); FailedSet says it happened.
	Failed    string
	FailedSet bool
}

// entry is one time the state was entered: a loop or a Map iteration
// enters a state more than once.
type entry struct {
	EventID int64
	Elapsed time.Duration
	Input   json.RawMessage
	Output  json.RawMessage
	Exited  bool
	// Index is the Map iteration the entry belongs to, when known.
	Index *int
}

type retry struct {
	Error         string
	Attempt, Max  int
	Delay         time.Duration
	EventID       int64
	Cause         string
	RetrierNumber int
}

type caught struct {
	Error, Next string
}

// edgeKey names a transition: catch tells a Catch from Next, Choice and
// Default, which may lead to the same state.
type edgeKey struct {
	From, To string
	Catch    bool
}

// run is an execution's history read back into what the console shows:
// per state, what happened; which transitions were taken.
type run struct {
	States map[string]*stateRun
	// Order is the state names in the order they were first entered.
	Order []string
	// Sequence is the state names of every entry, in history order.
	Sequence []string
	Taken    map[edgeKey]bool
	start    time.Time
}

func (r *run) state(name string) *stateRun {
	s, ok := r.States[name]
	if !ok {
		s = &stateRun{Name: name}
		r.States[name] = s
		r.Order = append(r.Order, name)
	}
	return s
}

// Status is the state's outcome, the worst that happened in any entry.
func (s *stateRun) Status() string {
	switch {
	case s == nil || len(s.Entries) == 0:
		return statusNotRun
	case s.FailedSet:
		return statusFailed
	case len(s.Caught) > 0:
		return statusCaught
	}
	for _, e := range s.Entries {
		if !e.Exited {
			return statusEntered
		}
	}
	return statusSucceeded
}

// isFailure reports whether an event is a state's failed attempt (a task,
// Parallel or Map failure), as opposed to an iteration or execution event.
func isFailure(ev *aslrun.Event) bool {
	if ev.StateName == "" || ev.Error == "" {
		return false
	}
	switch ev.Type {
	case aslrun.MapIterationFailed:
		return false
	}
	return strings.HasSuffix(string(ev.Type), "Failed") || strings.HasSuffix(string(ev.Type), "TimedOut")
}

func isEntered(t aslrun.EventType) bool { return strings.HasSuffix(string(t), "StateEntered") }
func isExited(t aslrun.EventType) bool  { return strings.HasSuffix(string(t), "StateExited") }

// readHistory reads an execution's events. Each event names the one it
// follows (PreviousID, per branch and iteration), which is how a state's
// entry is tied to the state it came from.
func readHistory(events []aslrun.Event) *run {
	r := &run{States: map[string]*stateRun{}, Taken: map[edgeKey]bool{}}
	if len(events) == 0 {
		return r
	}
	r.start = events[0].Timestamp
	byID := make(map[int64]*aslrun.Event, len(events))
	for i := range events {
		byID[events[i].ID] = &events[i]
	}
	// entryOf finds the entry an event of a state belongs to, by walking
	// back its thread to the state's Entered event.
	entries := map[int64]*entry{}
	entryOf := func(ev *aslrun.Event) *entry {
		for p := byID[ev.PreviousID]; p != nil; p = byID[p.PreviousID] {
			if isEntered(p.Type) && p.StateName == ev.StateName {
				return entries[p.ID]
			}
		}
		return nil
	}
	// A failure is caught when its state exits right after it.
	caughtBy := map[int64]bool{}
	for i := range events {
		ev := &events[i]
		prev := byID[ev.PreviousID]
		switch {
		case isEntered(ev.Type):
			s := r.state(ev.StateName)
			e := &entry{EventID: ev.ID, Elapsed: ev.Timestamp.Sub(r.start), Input: ev.Input, Index: iterationOf(ev, byID)}
			entries[ev.ID] = e
			s.Entries = append(s.Entries, e)
			r.Sequence = append(r.Sequence, ev.StateName)
			if ev.Type == aslrun.FailStateEntered {
				s.Failed, s.FailedSet = failError(events, i), true
			}
			switch {
			case prev == nil || prev.Type == aslrun.ExecutionStarted:
				r.Taken[edgeKey{From: startID, To: ev.StateName}] = true
			case isExited(prev.Type):
				// A caught failure exits its state with the Catch's
				// result: the failure comes just before the exit.
				if f := byID[prev.PreviousID]; f != nil && caughtBy[f.ID] {
					r.Taken[edgeKey{From: prev.StateName, To: ev.StateName, Catch: true}] = true
					from := r.state(prev.StateName)
					from.Caught = append(from.Caught, caught{Error: f.Error, Next: ev.StateName})
					break
				}
				r.Taken[edgeKey{From: prev.StateName, To: ev.StateName}] = true
			}
		case isExited(ev.Type):
			if e := entryOf(ev); e != nil {
				e.Output, e.Exited = ev.Output, true
			}
			if prev != nil && isFailure(prev) && prev.Retry == nil && prev.StateName == ev.StateName {
				caughtBy[prev.ID] = true
			}
		case isFailure(ev) && ev.Retry != nil:
			s := r.state(ev.StateName)
			s.Retries = append(s.Retries, retry{Error: ev.Error, Attempt: ev.Retry.Attempt, Max: ev.Retry.MaxAttempts,
				Delay: ev.Retry.Delay, EventID: ev.ID, Cause: ev.Cause, RetrierNumber: ev.Retry.Retrier + 1})
		case ev.Type == aslrun.ExecutionFailed || ev.Type == aslrun.ExecutionTimedOut:
			// A Pass, Choice or Wait state that failed has no failure
			// event of its own: the execution's failure follows its entry.
			if prev != nil && isEntered(prev.Type) && prev.Type != aslrun.FailStateEntered {
				s := r.state(prev.StateName)
				s.Failed, s.FailedSet = ev.Error, true
			}
		}
	}
	// Failures that no retrier retried and no Catch caught ended their
	// state (and their branch, iteration or execution).
	for i := range events {
		ev := &events[i]
		if isFailure(ev) && ev.Retry == nil && !caughtBy[ev.ID] {
			s := r.state(ev.StateName)
			s.Failed, s.FailedSet = ev.Error, true
		}
	}
	return r
}

// failError is the error of the execution or branch a Fail state ended,
// from the failure event that follows it.
func failError(events []aslrun.Event, i int) string {
	id := events[i].ID
	for _, ev := range events[i+1:] {
		if ev.PreviousID == id && ev.Error != "" {
			return ev.Error
		}
	}
	return ""
}

// iterationOf returns the Map iteration index an event runs in, if any.
func iterationOf(ev *aslrun.Event, byID map[int64]*aslrun.Event) *int {
	for p := byID[ev.PreviousID]; p != nil; p = byID[p.PreviousID] {
		if p.Type == aslrun.MapIterationStarted {
			return p.Index
		}
	}
	return nil
}
