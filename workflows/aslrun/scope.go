package aslrun

import "github.com/resilientpay/paymentapi/workflows/asl"

// varScope holds the workflow variables of one scope: the machine's top
// level, or one Parallel branch or Map iteration, which reads the
// variables of the scopes around it and keeps its own to itself. Only the
// thread that runs a scope assigns in it, and a scope's parent does not
// change while the scope runs (the Parallel or Map state waits), so no
// locking is needed.
type varScope struct {
	parent *varScope
	vals   map[string]any
}

// get returns the value of a variable from this scope or an enclosing one.
func (s *varScope) get(name string) (any, bool) {
	for ; s != nil; s = s.parent {
		if v, ok := s.vals[name]; ok {
			return v, true
		}
	}
	return nil, false
}

// child returns a new scope nested in s.
func (s *varScope) child() *varScope { return &varScope{parent: s} }

// assign sets variables in this scope.
func (s *varScope) assign(vals *asl.Object) {
	if vals.Len() == 0 {
		return
	}
	if s.vals == nil {
		s.vals = map[string]any{}
	}
	for i := range vals.Len() {
		k, v := vals.Member(i)
		s.vals[k] = v
	}
}
