package aslrun

import (
	"fmt"
	"strings"

	"github.com/theory/jsonpath"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// path is a compiled asl.Path: a Reference Path walks its steps; any other
// query is evaluated by github.com/theory/jsonpath (RFC 9535). It reads the
// state's data ($), the context object ($$) or a variable ($name).
type path struct {
	*asl.Path
	query  *jsonpath.Path // nil for Reference Paths
	single bool           // the query selects at most one node
}

// compilePath compiles a parsed path. A query RFC 9535 cannot express
// (a Jayway script expression) is an *UnsupportedError.
func compilePath(p *asl.Path, where string) (*path, error) {
	if p == nil {
		return nil, nil
	}
	out := &path{Path: p}
	if p.Reference {
		return out, nil
	}
	q, err := jsonpath.Parse(p.Query)
	if err != nil {
		return nil, &UnsupportedError{Path: where, Feature: fmt.Sprintf("the JSONPath query %q (%v)", p.Source, err)}
	}
	out.query = q
	out.single = q.Query().Singular() != nil
	return out, nil
}

// String returns the path as written.
func (p *path) String() string { return p.Source }

// root returns the node the path starts from.
func (p *path) root(in any, c *evalCtx) (any, *stateError) {
	switch {
	case p.Context:
		return c.contextObject(), nil
	case p.Variable != "":
		v, ok := c.vars.get(p.Variable)
		if !ok {
			return nil, runtimeErr("Invalid path '%s': the variable '%s' is not assigned", p.Source, p.Variable)
		}
		return v, nil
	}
	return in, nil
}

// eval selects the path's value. A Reference Path that matches nothing is a
// States.Runtime error; another query returns the (possibly empty) array
// of its matches, or its one match when it is singular.
func (p *path) eval(in any, c *evalCtx) (any, *stateError) {
	root, err := p.root(in, c)
	if err != nil {
		return nil, err
	}
	if p.query == nil {
		v, ok := walk(root, p.Steps)
		if !ok {
			e := runtimeErr("Invalid path '%s': the path matches nothing in %s", p.Source, excerpt(root))
			e.missing = &missingPath{source: p.Source, jayway: jaywayMissing(root, p.Steps), input: root}
			return nil, e
		}
		return v, nil
	}
	nodes := p.query.Select(toPlain(root))
	if p.single {
		if len(nodes) == 0 {
			e := runtimeErr("Invalid path '%s': the path matches nothing in %s", p.Source, excerpt(root))
			e.missing = &missingPath{source: p.Source, input: root}
			return nil, e
		}
		return fromPlain(nodes[0]), nil
	}
	out := make([]any, len(nodes))
	for i, n := range nodes {
		out[i] = fromPlain(n)
	}
	return out, nil
}

// exists reports whether the path selects a node (for IsPresent).
func (p *path) exists(in any, c *evalCtx) bool {
	_, err := p.eval(in, c)
	return err == nil
}

// jaywayMissing words the first missing step of a path as Jayway (the
// JSONPath library AWS runs) does: "No results for path: $['a']['b']" when
// the last step is missing, "Missing property in path $['a']" when one on
// the way is.
func jaywayMissing(root any, steps []asl.Step) string {
	var b strings.Builder
	b.WriteString("$")
	for i, s := range steps {
		if s.IsIndex {
			fmt.Fprintf(&b, "[%d]", s.Index)
		} else {
			fmt.Fprintf(&b, "['%s']", s.Name)
		}
		if _, ok := walk(root, steps[:i+1]); !ok {
			if i == len(steps)-1 {
				return "No results for path: " + b.String()
			}
			return "Missing property in path " + b.String()
		}
	}
	return "No results for path: " + b.String()
}

func walk(v any, steps []asl.Step) (any, bool) {
	for _, s := range steps {
		if s.IsIndex {
			arr, ok := v.([]any)
			if !ok {
				return nil, false
			}
			i := s.Index
			if i < 0 {
				i += len(arr)
			}
			if i < 0 || i >= len(arr) {
				return nil, false
			}
			v = arr[i]
			continue
		}
		obj, ok := v.(*asl.Object)
		if !ok {
			return nil, false
		}
		if v, ok = obj.Get(s.Name); !ok {
			return nil, false
		}
	}
	return v, true
}

// setPath returns a copy of input with the node at the reference path
// replaced by value, creating missing object members on the way, as
// ResultPath does. Containers on the way are copied, never mutated.
func setPath(input any, p *path, value any) (any, *stateError) {
	out, err := setSteps(input, p.Steps, value, true)
	if err != nil {
		return nil, runtimeErr("Unable to apply ResultPath '%s' to input %s: %s", p.Source, excerpt(input), err.Error())
	}
	return out, nil
}

func setSteps(node any, steps []asl.Step, value any, present bool) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	if s.IsIndex {
		arr, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: the node is not an array", s)
		}
		i := s.Index
		if i < 0 {
			i += len(arr)
		}
		if i < 0 || i >= len(arr) {
			return nil, fmt.Errorf("%s: index out of range", s)
		}
		child, err := setSteps(arr[i], steps[1:], value, true)
		if err != nil {
			return nil, err
		}
		cp := make([]any, len(arr))
		copy(cp, arr)
		cp[i] = child
		return cp, nil
	}
	obj, isObj := node.(*asl.Object)
	if !isObj && present {
		return nil, fmt.Errorf("%s: the node is a %s, not an object", s, jsonType(node))
	}
	old, ok := obj.Get(s.Name)
	child, err := setSteps(old, steps[1:], value, ok)
	if err != nil {
		return nil, err
	}
	return obj.With(s.Name, child), nil
}

// excerpt renders a value for an error cause, shortened.
func excerpt(v any) string {
	b := mustEncode(v)
	const max = 200
	if len(b) > max {
		return "'" + string(b[:max]) + "...'"
	}
	return "'" + string(b) + "'"
}
