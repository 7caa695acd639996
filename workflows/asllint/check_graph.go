package asllint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// edges returns the transitions of s that name existing states of its scope.
func edges(s *asl.State) []string {
	var out []string
	for _, t := range s.Transitions() {
		if _, ok := s.Parent.States[t]; ok {
			out = append(out, t)
		}
	}
	return out
}

// reachable returns the states reachable from StartAt, or nil when StartAt
// does not name a state.
func reachable(d *asl.Definition) map[string]bool {
	if _, ok := d.States[d.StartAt]; !ok {
		return nil
	}
	seen := map[string]bool{d.StartAt: true}
	queue := []string{d.StartAt}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, t := range edges(d.States[n]) {
			if !seen[t] {
				seen[t] = true
				queue = append(queue, t)
			}
		}
	}
	return seen
}

// named returns StartAt and every state a transition of its scope names,
// whether or not that transition can run.
func named(d *asl.Definition) map[string]bool {
	out := map[string]bool{d.StartAt: true}
	for _, n := range d.Order {
		for _, t := range edges(d.States[n]) {
			out[t] = true
		}
	}
	return out
}

// checkUnreachable reports the states nothing names: AWS rejects those at
// CreateStateMachine ("MISSING_TRANSITION_TARGET: State "X" is not
// reachable"). A state named only by unreachable states passes AWS; dead-state
// reports it.
func checkUnreachable(l *linter) {
	for _, d := range l.def.Definitions() {
		if _, ok := d.States[d.StartAt]; !ok {
			continue
		}
		nm := named(d)
		for _, n := range d.Order {
			if !nm[n] {
				l.report(d.States[n], "", fmt.Sprintf("state %q is not reachable: neither StartAt nor any transition names it", n), "connect it with a Next, Choice, Default or Catch edge, or delete it")
			}
		}
	}
}

// checkDeadState reports the states some transition names but no path from
// StartAt reaches (an island of states that only name each other).
func checkDeadState(l *linter) {
	for _, d := range l.def.Definitions() {
		seen := reachable(d)
		if seen == nil {
			continue
		}
		nm := named(d)
		for _, n := range d.Order {
			if nm[n] && !seen[n] {
				l.report(d.States[n], "", fmt.Sprintf("state %q is named only by states that StartAt %q never reaches", n, d.StartAt), "connect the island to the flow or delete it")
			}
		}
	}
}

// canFinish returns the states with a path to a terminal state. States whose
// transitions are broken or missing count as finishing: next-target and
// next-end report those, and a second finding would add nothing.
func canFinish(d *asl.Definition) map[string]bool {
	ok := map[string]bool{}
	for _, n := range d.Order {
		s := d.States[n]
		if s.IsTerminal() || len(edges(s)) == 0 || len(edges(s)) < len(s.Transitions()) {
			ok[n] = true
		}
	}
	for changed := true; changed; {
		changed = false
		for _, n := range d.Order {
			if ok[n] {
				continue
			}
			for _, t := range edges(d.States[n]) {
				if ok[t] {
					ok[n] = true
					changed = true
					break
				}
			}
		}
	}
	return ok
}

// stuck returns the reachable states (all states when StartAt is broken)
// that cannot reach a terminal state, split into those on a cycle and the
// others.
func stuck(d *asl.Definition) (onCycle, other []string) {
	fin := canFinish(d)
	seen := reachable(d)
	for _, n := range d.Order {
		if fin[n] || seen != nil && !seen[n] {
			continue
		}
		if onACycle(d, n) {
			onCycle = append(onCycle, n)
		} else {
			other = append(other, n)
		}
	}
	return onCycle, other
}

func onACycle(d *asl.Definition, start string) bool {
	seen := map[string]bool{}
	stack := append([]string(nil), edges(d.States[start])...)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if n == start {
			return true
		}
		if seen[n] {
			continue
		}
		seen[n] = true
		stack = append(stack, edges(d.States[n])...)
	}
	return false
}

func checkNoTerminalPath(l *linter) {
	for _, d := range l.def.Definitions() {
		_, other := stuck(d)
		for _, n := range other {
			l.report(d.States[n], "", fmt.Sprintf("no path from %q reaches a terminal state", n), "give the flow an exit to a Succeed or Fail state or End: true")
		}
	}
}

func checkLoopWithoutExit(l *linter) {
	for _, d := range l.def.Definitions() {
		loop, _ := stuck(d)
		sort.Strings(loop)
		for _, n := range loop {
			l.report(d.States[n], "", fmt.Sprintf("%q is on a loop (%s) with no exit towards a terminal state", n, strings.Join(loop, ", ")), "add a Choice branch, Default or Catch that leaves the loop")
		}
	}
}
