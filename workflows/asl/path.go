package asl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Path is a parsed States Language path: "$" (the state's data), "$$" (the
// Context Object) or "$name" (a workflow variable), followed by dot and
// bracket selectors in the Jayway JSONPath syntax the specification names.
//
// This is the only JSONPath parser of the project: the linter checks paths
// with it and the executor walks Steps or evaluates Query.
type Path struct {
	// Source is the path as written.
	Source string
	// Context is true for "$$..." paths into the Context Object.
	Context bool
	// Variable is the variable name of a "$name..." path ("" for "$" and
	// "$$").
	Variable string
	// Reference is true when the path is a Reference Path: only .name,
	// ['name'] and [index] selectors, so it identifies a single node.
	// Steps then lists those selectors.
	Reference bool
	Steps     []Step
	// Query is the path in RFC 9535 form, rooted at "$" whatever the root
	// ($$, $name), for the paths that are not Reference Paths ("" for
	// those). Jayway features RFC 9535 lacks, such as script expressions
	// [(...)], stay as written.
	Query string
}

// Step is one selector of a Reference Path: an object member or an array
// index (negative indexes count from the end, as in Jayway).
type Step struct {
	Name    string
	Index   int
	IsIndex bool
}

// String renders the step as a path selector.
func (s Step) String() string {
	if s.IsIndex {
		return "[" + strconv.Itoa(s.Index) + "]"
	}
	return "." + s.Name
}

// ParsePath parses a Path. As in Jayway, which Step Functions uses,
// trailing whitespace is ignored.
func ParsePath(p string) (*Path, error) {
	out := &Path{Source: p}
	p = strings.TrimRightFunc(p, unicode.IsSpace)
	if !strings.HasPrefix(p, "$") {
		return nil, errors.New(`a path must begin with "$"`)
	}
	rest := p[1:]
	if strings.HasPrefix(rest, "$") {
		out.Context = true
		rest = rest[1:]
	} else if r, size := utf8.DecodeRuneInString(rest); size > 0 && isIDStart(r) {
		n := identLen(rest)
		out.Variable = rest[:n]
		rest = rest[n:]
	}
	out.Reference = true
	var q strings.Builder
	q.WriteString("$")
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			out.Reference = false
			rest = rest[2:]
			q.WriteString("..")
			if strings.HasPrefix(rest, "[") {
				continue
			}
			n, name, err := readName(rest)
			if err != nil {
				return nil, err
			}
			writeMember(&q, name, rest[:n] == "*", true)
			rest = rest[n:]
		case rest[0] == '.' && strings.HasPrefix(rest[1:], "["):
			// "$.[0]" and "$.a.['b']": AWS's own docs write a dot before
			// a bracket, and the service accepts it.
			rest = rest[1:]
		case rest[0] == '.':
			rest = rest[1:]
			n, name, err := readName(rest)
			if err != nil {
				return nil, err
			}
			wildcard := rest[:n] == "*"
			if wildcard {
				out.Reference = false
			} else {
				out.Steps = append(out.Steps, Step{Name: name})
			}
			writeMember(&q, name, wildcard, false)
			rest = rest[n:]
		case rest[0] == '[':
			n, step, single, err := readBracket(rest)
			if err != nil {
				return nil, err
			}
			if single {
				out.Steps = append(out.Steps, step)
			} else {
				out.Reference = false
			}
			q.WriteString(rest[:n])
			rest = rest[n:]
		default:
			return nil, fmt.Errorf("unexpected %q after %q", rest[:1], p[:len(p)-len(rest)])
		}
	}
	if out.Reference {
		return out, nil
	}
	out.Steps = nil
	out.Query = q.String()
	return out, nil
}

// ParseReferencePath parses a Path that must select a single node.
func ParseReferencePath(p string) (*Path, error) {
	out, err := ParsePath(p)
	if err != nil {
		return nil, err
	}
	if !out.Reference {
		return nil, errors.New(`a reference path must select a single node (no "..", "*", "?", ",", ":" or "@")`)
	}
	return out, nil
}

// IsRoot reports whether the path is "$" itself.
func (p *Path) IsRoot() bool {
	return !p.Context && p.Variable == "" && p.Reference && len(p.Steps) == 0
}

func isIDStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIDContinue(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// identLen returns the byte length of the identifier at the start of s.
func identLen(s string) int {
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isIDContinue(r) {
			break
		}
		i += size
	}
	return i
}

// readName reads a dot-segment name: everything up to an unescaped "." or
// "[", with backslash escapes. It returns the consumed length and the name
// with its escapes removed.
func readName(s string) (int, string, error) {
	var b strings.Builder
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) {
				return 0, "", errors.New("path ends with an open escape")
			}
			b.WriteByte(s[i+1])
			i += 2
			continue
		}
		if c == '.' || c == '[' {
			break
		}
		if c == ']' || c == '(' || c == ')' || c == ' ' || c == '\'' || c == '"' {
			return 0, "", fmt.Errorf("unexpected %q in a path segment", c)
		}
		b.WriteByte(c)
		i++
	}
	if i == 0 {
		return 0, "", errors.New("empty path segment")
	}
	return i, b.String(), nil
}

// writeMember writes a member selector in RFC 9535 form: the dot shorthand
// for plain identifiers, a quoted bracket otherwise.
func writeMember(q *strings.Builder, name string, wildcard, descendant bool) {
	switch {
	case wildcard:
		q.WriteString("*")
	case name != "" && identLen(name) == len(name) && !unicode.IsDigit(rune(name[0])):
		if !descendant {
			q.WriteString(".")
		}
		q.WriteString(name)
	default:
		q.WriteString("['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(name) + "']")
	}
}

// SkipQuoted returns the index just past the quoted string that starts at
// s[i] (a ' or "), honouring backslash escapes, or -1 when it is not
// closed. Path brackets and intrinsic function arguments share it.
func SkipQuoted(s string, i int) int {
	q := s[i]
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case q:
			return j + 1
		}
	}
	return -1
}

// balancedEnd returns the index of the first byte of s at which stop
// reports true outside quotes and outside (), [] nesting, or len(s).
// A closing bracket without its opening one ends the scan too.
func balancedEnd(s string, stop func(c byte, depth int) bool) (int, error) {
	depth := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if stop(c, depth) {
			return i, nil
		}
		switch c {
		case '\'', '"':
			j := SkipQuoted(s, i)
			if j < 0 {
				return 0, errors.New("unterminated quoted string")
			}
			i = j - 1
		case '[', '(':
			depth++
		case ']', ')':
			if depth == 0 {
				return i, nil
			}
			depth--
		}
	}
	return len(s), nil
}

// readBracket parses a "[...]" segment at the start of s. It returns its
// length, the selector when it selects a single node, and whether it does.
func readBracket(s string) (int, Step, bool, error) {
	end, err := balancedEnd(s[1:], func(c byte, depth int) bool { return c == ']' && depth == 0 })
	if err != nil {
		return 0, Step{}, false, err
	}
	end++ // index of the closing "]" in s
	if end >= len(s) || s[end] != ']' {
		return 0, Step{}, false, errors.New(`unterminated "[" in a path`)
	}
	inner := strings.TrimSpace(s[1:end])
	n := end + 1
	switch {
	case inner == "":
		return 0, Step{}, false, errors.New(`empty "[]" in a path`)
	case inner == "*":
		return n, Step{}, false, nil
	case strings.HasPrefix(inner, "?("):
		if !strings.HasSuffix(inner, ")") {
			return 0, Step{}, false, errors.New("a filter must be written ?(...)")
		}
		return n, Step{}, false, nil
	case strings.HasPrefix(inner, "?"):
		return n, Step{}, false, nil // RFC 9535 filter without parentheses
	case strings.HasPrefix(inner, "("):
		return n, Step{}, false, nil
	case inner[0] == '\'' || inner[0] == '"':
		names, err := splitQuoted(inner)
		if err != nil {
			return 0, Step{}, false, err
		}
		if len(names) == 1 {
			return n, Step{Name: names[0]}, true, nil
		}
		return n, Step{}, false, nil
	}
	if strings.Contains(inner, ":") {
		for _, p := range strings.Split(inner, ":") {
			if p = strings.TrimSpace(p); p != "" {
				if _, err := strconv.Atoi(p); err != nil {
					return 0, Step{}, false, fmt.Errorf("slice bound %q is not an integer", p)
				}
			}
		}
		return n, Step{}, false, nil
	}
	idx := strings.Split(inner, ",")
	var first int
	for i, p := range idx {
		v, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return 0, Step{}, false, fmt.Errorf("index %q is not an integer", strings.TrimSpace(p))
		}
		if i == 0 {
			first = v
		}
	}
	if len(idx) == 1 {
		return n, Step{Index: first, IsIndex: true}, true, nil
	}
	return n, Step{}, false, nil
}

// splitQuoted returns the comma-separated quoted names of a bracket
// segment, unescaped.
func splitQuoted(s string) ([]string, error) {
	var out []string
	for s != "" {
		q := s[0]
		if q != '\'' && q != '"' {
			return nil, fmt.Errorf("expected a quoted name, found %q", s)
		}
		end := SkipQuoted(s, 0)
		if end < 0 {
			return nil, errors.New("unterminated quoted name")
		}
		out = append(out, unescape(s[1:end-1], q))
		s = strings.TrimSpace(s[end:])
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, fmt.Errorf("unexpected %q after a quoted name", s[:1])
		}
		s = strings.TrimSpace(s[1:])
	}
	return out, nil
}

// unescape removes the backslash before the name's own quote q and before
// a backslash; any other backslash is part of the name. AWS reads
// $['Test\""Name"'] as the key Test\""Name" (LocalStack's recorded
// test_escape_sequence_parsing).
func unescape(s string, q byte) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (s[i+1] == q || s[i+1] == '\\') {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
