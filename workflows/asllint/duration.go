package asllint

import (
	"fmt"
	"math"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// Duration is a worst-case execution time bound.
type Duration struct {
	// Bounded is false when no bound exists (a Task without TimeoutSeconds,
	// a loop, a Wait on a path or timestamp); Reason says which.
	Bounded bool
	Seconds float64
	// Path lists the states of the worst path of the top-level definition.
	Path   []string
	Reason string
}

// Bound computes the worst-case duration of a definition, from StartAt to
// a terminal state along the slowest path. A Task costs TimeoutSeconds for
// its first attempt and for every retry any retrier allows (different errors
// can exhaust different retriers, so their MaxAttempts add up), plus each
// retry's delay, IntervalSeconds x BackoffRate^(n-1) capped by
// MaxDelaySeconds (jitter only shortens it). A Parallel costs its slowest
// branch; a Map its ItemProcessor (iterations assumed concurrent), each with
// their own retries. A Wait costs Seconds. A top-level TimeoutSeconds caps
// the result.
func Bound(def *asl.Definition) Duration {
	b := &bounder{memo: map[*asl.State]Duration{}, busy: map[*asl.State]bool{}}
	d := b.definition(def)
	if def.Parent == nil && def.TimeoutSeconds != nil && (!d.Bounded || d.Seconds > *def.TimeoutSeconds) {
		return Duration{Bounded: true, Seconds: *def.TimeoutSeconds, Path: d.Path,
			Reason: fmt.Sprintf("capped by the machine's TimeoutSeconds (%gs)", *def.TimeoutSeconds)}
	}
	return d
}

type bounder struct {
	memo map[*asl.State]Duration
	busy map[*asl.State]bool
}

func (b *bounder) definition(d *asl.Definition) Duration {
	s, ok := d.States[d.StartAt]
	if !ok {
		return Duration{Reason: "StartAt names no state"}
	}
	return b.from(s)
}

// from returns the worst duration from s to the end of its definition.
func (b *bounder) from(s *asl.State) Duration {
	if d, ok := b.memo[s]; ok {
		return d
	}
	if b.busy[s] {
		return Duration{Reason: fmt.Sprintf("a loop runs through %q", s.Name)}
	}
	b.busy[s] = true
	defer delete(b.busy, s)
	own := b.cost(s)
	if !own.Bounded {
		return own
	}
	worst := Duration{Bounded: true}
	for _, t := range edges(s) {
		d := b.from(s.Parent.States[t])
		if !d.Bounded {
			return d
		}
		if d.Seconds > worst.Seconds || worst.Path == nil {
			worst = d
		}
	}
	out := Duration{Bounded: true, Seconds: own.Seconds + worst.Seconds, Path: append([]string{s.Name}, worst.Path...)}
	b.memo[s] = out
	return out
}

// cost is the worst duration of one state, retries included.
func (b *bounder) cost(s *asl.State) Duration {
	var once float64
	switch s.Type {
	case asl.TypeTask:
		if s.TimeoutSeconds == nil {
			return Duration{Reason: fmt.Sprintf("Task %q has no numeric TimeoutSeconds", s.Name)}
		}
		once = *s.TimeoutSeconds
	case asl.TypeWait:
		if s.Seconds == nil {
			return Duration{Reason: fmt.Sprintf("Wait %q waits on a path or timestamp", s.Name)}
		}
		once = *s.Seconds
	case asl.TypeParallel:
		for _, br := range s.Branches {
			d := b.definition(br)
			if !d.Bounded {
				return d
			}
			once = math.Max(once, d.Seconds)
		}
	case asl.TypeMap:
		if s.ItemProcessor != nil {
			d := b.definition(s.ItemProcessor)
			if !d.Bounded {
				return d
			}
			once = d.Seconds
		}
	default:
		return Duration{Bounded: true}
	}
	total := once
	for _, r := range s.Retry {
		if r.Attempts() > 1000 {
			return Duration{Reason: fmt.Sprintf("%q retries up to %g times", s.Name, r.Attempts())}
		}
		for n := 1; n <= int(r.Attempts()); n++ {
			total += once + r.Delay(n)
		}
	}
	return Duration{Bounded: true, Seconds: total}
}

func round(f float64) float64 { return math.Round(f*100) / 100 }
