package aslrun

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/theory/jsonpath"
)

// path is a compiled ASL Path: either a simple definite path ($, $.a.b,
// $['a'][0]) walked directly, or any other JSONPath query evaluated by
// github.com/theory/jsonpath (RFC 9535). A path that starts with $$
// selects from the context object.
type path struct {
	src     string
	context bool
	steps   []step         // definite paths
	query   *jsonpath.Path // other queries; nil for definite paths
	single  bool           // query is singular (selects at most one node)
}

// step is one selector of a definite path: an object member or an array
// index.
type step struct {
	name    string
	index   int
	isIndex bool
}

func (s step) String() string {
	if s.isIndex {
		return "[" + strconv.Itoa(s.index) + "]"
	}
	return "." + s.name
}

// parsePath compiles a Path. reference restricts it to a Reference Path
// (a definite path that identifies a single node), as ResultPath requires.
func parsePath(src string, reference bool) (*path, error) {
	p := &path{src: src}
	rest := src
	switch {
	case strings.HasPrefix(src, "$$"):
		p.context = true
		rest = src[2:]
	case strings.HasPrefix(src, "$"):
		rest = src[1:]
	default:
		return nil, fmt.Errorf("path %q must start with $", src)
	}
	if steps, ok := parseSteps(rest); ok {
		p.steps = steps
		return p, nil
	}
	if reference {
		return nil, fmt.Errorf("%q is not a reference path (only .name, ['name'] and [index] selectors are allowed)", src)
	}
	q, err := jsonpath.Parse("$" + rest)
	if err != nil {
		return nil, fmt.Errorf("invalid JSONPath %q: %v", src, err)
	}
	p.query = q
	p.single = q.Query().Singular() != nil
	return p, nil
}

// parseSteps parses the selectors after $ of a definite path. Member names
// after a dot may hold any character but '.', '[', ']', '*', space and
// quotes, which is how Step Functions reads $.error-info.
func parseSteps(s string) ([]step, bool) {
	var steps []step
	for len(s) > 0 {
		switch s[0] {
		case '.':
			s = s[1:]
			i := 0
			for i < len(s) && !strings.ContainsRune(".[]*'\" \t@?()", rune(s[i])) {
				i++
			}
			if i == 0 {
				return nil, false
			}
			steps = append(steps, step{name: s[:i]})
			s = s[i:]
		case '[':
			if len(s) < 3 {
				return nil, false
			}
			if q := s[1]; q == '\'' || q == '"' {
				name, n, ok := parseQuoted(s[1:], q)
				if !ok || n+1 >= len(s) || s[n+1] != ']' {
					return nil, false
				}
				steps = append(steps, step{name: name})
				s = s[n+2:]
				continue
			}
			end := strings.IndexByte(s, ']')
			if end < 2 {
				return nil, false
			}
			digits := s[1:end]
			for _, c := range digits {
				if c < '0' || c > '9' {
					return nil, false
				}
			}
			if len(digits) > 1 && digits[0] == '0' {
				return nil, false
			}
			idx, err := strconv.Atoi(digits)
			if err != nil {
				return nil, false
			}
			steps = append(steps, step{index: idx, isIndex: true})
			s = s[end+1:]
		default:
			return nil, false
		}
	}
	return steps, true
}

// parseQuoted reads a quoted member name starting at s[0] == quote, with
// backslash escapes for the quote and backslash. It returns the name and
// the number of bytes consumed including both quotes.
func parseQuoted(s string, quote byte) (string, int, bool) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) {
				return "", 0, false
			}
			i++
			b.WriteByte(s[i])
		case quote:
			return b.String(), i + 1, true
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, false
}

// String returns the path as written.
func (p *path) String() string { return p.src }

// isRoot reports whether the path is $ itself.
func (p *path) isRoot() bool { return !p.context && p.query == nil && len(p.steps) == 0 }

// eval selects the path's value from input (or from the context object for
// $$ paths). A definite path that matches nothing is a States.Runtime
// error; an indefinite one returns the (possibly empty) array of matches.
func (p *path) eval(input, ctxObj any) (any, *stateError) {
	root := input
	if p.context {
		root = ctxObj
	}
	if p.query == nil {
		v, ok := walk(root, p.steps)
		if !ok {
			return nil, runtimeErr("Invalid path '%s': the path matches nothing in %s", p.src, excerpt(root))
		}
		return v, nil
	}
	nodes := p.query.Select(root)
	if p.single {
		if len(nodes) == 0 {
			return nil, runtimeErr("Invalid path '%s': the path matches nothing in %s", p.src, excerpt(root))
		}
		return nodes[0], nil
	}
	out := make([]any, len(nodes))
	copy(out, nodes)
	return out, nil
}

// exists reports whether a definite path selects a node (for IsPresent).
func (p *path) exists(input, ctxObj any) bool {
	_, err := p.eval(input, ctxObj)
	return err == nil
}

func walk(v any, steps []step) (any, bool) {
	for _, s := range steps {
		if s.isIndex {
			arr, ok := v.([]any)
			if !ok || s.index >= len(arr) {
				return nil, false
			}
			v = arr[s.index]
			continue
		}
		obj, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		v, ok = obj[s.name]
		if !ok {
			return nil, false
		}
	}
	return v, true
}

// setPath returns a copy of input with the node at the reference path
// replaced by value, creating missing object members on the way, as
// ResultPath does. Containers on the way are copied, never mutated.
func setPath(input any, p *path, value any) (any, *stateError) {
	out, err := setSteps(input, p.steps, value, true)
	if err != nil {
		return nil, runtimeErr("Unable to apply ResultPath '%s' to input %s: %s", p.src, excerpt(input), err.Error())
	}
	return out, nil
}

func setSteps(node any, steps []step, value any, present bool) (any, error) {
	if len(steps) == 0 {
		return value, nil
	}
	s := steps[0]
	if s.isIndex {
		arr, ok := node.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: the node is not an array", s)
		}
		if s.index >= len(arr) {
			return nil, fmt.Errorf("%s: index out of range", s)
		}
		child, err := setSteps(arr[s.index], steps[1:], value, true)
		if err != nil {
			return nil, err
		}
		cp := make([]any, len(arr))
		copy(cp, arr)
		cp[s.index] = child
		return cp, nil
	}
	var obj map[string]any
	switch n := node.(type) {
	case map[string]any:
		obj = n
	default:
		if present {
			return nil, fmt.Errorf("%s: the node is a %s, not an object", s, jsonType(node))
		}
	}
	old, ok := obj[s.name]
	child, err := setSteps(old, steps[1:], value, ok)
	if err != nil {
		return nil, err
	}
	cp := make(map[string]any, len(obj)+1)
	for k, v := range obj {
		cp[k] = v
	}
	cp[s.name] = child
	return cp, nil
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
