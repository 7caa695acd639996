package asl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// PathInfo describes a syntactically valid JSONPath as the States Language
// uses it.
type PathInfo struct {
	// Context is true for "$$..." paths into the Context Object.
	Context bool
	// Variable is the variable name of a "$name..." path ("" for "$" and
	// "$$").
	Variable string
	// Reference is true when the path can select only one node: no "..",
	// "*", "?", ",", ":" or "@". Reference Paths must be of this kind.
	Reference bool
}

// CheckPath checks the syntax of a Path: "$", "$$" (Context Object) or
// "$name" (a variable), followed by dot and bracket segments in the Jayway
// syntax the States Language names. As in Jayway, trailing whitespace is
// ignored and a "." may precede a bracket ("$.[0]", "$.abc.['def ghi']",
// the form AWS's JSONPath documentation uses).
func CheckPath(p string) (PathInfo, error) {
	var info PathInfo
	p = strings.TrimRightFunc(p, unicode.IsSpace)
	if !strings.HasPrefix(p, "$") {
		return info, errors.New(`a path must begin with "$"`)
	}
	rest := p[1:]
	if strings.HasPrefix(rest, "$") {
		info.Context = true
		rest = rest[1:]
	} else if r, size := utf8.DecodeRuneInString(rest); size > 0 && isIDStart(r) {
		i := size
		for i < len(rest) {
			r, size := utf8.DecodeRuneInString(rest[i:])
			if !isIDContinue(r) {
				break
			}
			i += size
		}
		info.Variable = rest[:i]
		rest = rest[i:]
	}
	info.Reference = true
	for rest != "" {
		switch {
		case strings.HasPrefix(rest, ".."):
			info.Reference = false
			rest = rest[2:]
			if strings.HasPrefix(rest, "[") {
				continue
			}
			n, err := readName(rest)
			if err != nil {
				return info, err
			}
			if rest[:n] == "*" {
				info.Reference = false
			}
			rest = rest[n:]
		case rest[0] == '.':
			rest = rest[1:]
			if strings.HasPrefix(rest, "[") {
				continue
			}
			n, err := readName(rest)
			if err != nil {
				return info, err
			}
			if rest[:n] == "*" {
				info.Reference = false
			}
			rest = rest[n:]
		case rest[0] == '[':
			end, ref, err := readBracket(rest)
			if err != nil {
				return info, err
			}
			if !ref {
				info.Reference = false
			}
			rest = rest[end:]
		default:
			return info, fmt.Errorf("unexpected %q after %q", rest[:1], p[:len(p)-len(rest)])
		}
	}
	return info, nil
}

// CheckReferencePath checks that p is a Path that selects a single node.
func CheckReferencePath(p string) (PathInfo, error) {
	info, err := CheckPath(p)
	if err != nil {
		return info, err
	}
	if !info.Reference {
		return info, errors.New(`a reference path must select a single node (no "..", "*", "?", ",", ":" or "@")`)
	}
	return info, nil
}

func isIDStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }

func isIDContinue(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// readName returns the length of a dot-segment name: everything up to an
// unescaped "." or "[", with backslash escapes.
func readName(s string) (int, error) {
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '\\' {
			if i+1 >= len(s) {
				return 0, errors.New("path ends with an open escape")
			}
			i += 2
			continue
		}
		if c == '.' || c == '[' {
			break
		}
		if c == ']' || c == '(' || c == ')' || c == ' ' || c == '\'' || c == '"' {
			return 0, fmt.Errorf("unexpected %q in a path segment", c)
		}
		i++
	}
	if i == 0 {
		return 0, errors.New("empty path segment")
	}
	return i, nil
}

// readBracket parses a "[...]" segment at the start of s and returns its
// length and whether it selects a single node.
func readBracket(s string) (int, bool, error) {
	depth := 0
	var quote byte
	end := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '[', '(':
			depth++
		case ']', ')':
			depth--
			if depth == 0 {
				if c != ']' {
					return 0, false, errors.New(`unbalanced "(" in a bracket segment`)
				}
				end = i
			} else if depth < 0 {
				return 0, false, errors.New("unbalanced brackets")
			}
		}
		if end >= 0 {
			break
		}
	}
	if end < 0 {
		return 0, false, errors.New(`unterminated "[" in a path`)
	}
	inner := strings.TrimSpace(s[1:end])
	switch {
	case inner == "":
		return 0, false, errors.New(`empty "[]" in a path`)
	case inner == "*":
		return end + 1, false, nil
	case strings.HasPrefix(inner, "?("):
		if !strings.HasSuffix(inner, ")") {
			return 0, false, errors.New("a filter must be written ?(...)")
		}
		return end + 1, false, nil
	case strings.HasPrefix(inner, "("):
		return end + 1, false, nil
	case inner[0] == '\'' || inner[0] == '"':
		parts, err := splitQuoted(inner)
		if err != nil {
			return 0, false, err
		}
		return end + 1, parts == 1, nil
	}
	if strings.Contains(inner, ":") {
		for _, p := range strings.Split(inner, ":") {
			if p = strings.TrimSpace(p); p != "" {
				if _, err := strconv.Atoi(p); err != nil {
					return 0, false, fmt.Errorf("slice bound %q is not an integer", p)
				}
			}
		}
		return end + 1, false, nil
	}
	idx := strings.Split(inner, ",")
	for _, p := range idx {
		if _, err := strconv.Atoi(strings.TrimSpace(p)); err != nil {
			return 0, false, fmt.Errorf("index %q is not an integer", strings.TrimSpace(p))
		}
	}
	return end + 1, len(idx) == 1, nil
}

// splitQuoted counts the comma-separated quoted names of a bracket segment.
func splitQuoted(s string) (int, error) {
	n := 0
	for s != "" {
		q := s[0]
		if q != '\'' && q != '"' {
			return 0, fmt.Errorf("expected a quoted name, found %q", s)
		}
		i := 1
		for ; i < len(s) && s[i] != q; i++ {
			if s[i] == '\\' {
				i++
			}
		}
		if i >= len(s) {
			return 0, errors.New("unterminated quoted name")
		}
		n++
		s = strings.TrimSpace(s[i+1:])
		if s == "" {
			break
		}
		if s[0] != ',' {
			return 0, fmt.Errorf("unexpected %q after a quoted name", s[:1])
		}
		s = strings.TrimSpace(s[1:])
	}
	return n, nil
}

// ArgKind is the kind of an intrinsic function argument.
type ArgKind int

// Argument kinds.
const (
	ArgString ArgKind = iota
	ArgNumber
	ArgBool
	ArgNull
	ArgPath
	ArgFunc
)

// Arg is one argument of an intrinsic function call.
type Arg struct {
	Kind ArgKind
	// Text is the literal's value (unescaped for strings) or the path.
	Text string
	Func *Intrinsic
}

// Intrinsic is a parsed intrinsic function call such as
// States.Format('{}', $.name).
type Intrinsic struct {
	Name string
	Args []Arg
}

// LooksIntrinsic reports whether s has the shape of an intrinsic function
// call (a name followed by "("), so callers can tell a bad call from a
// string that was never meant to be one.
func LooksIntrinsic(s string) bool {
	i := strings.IndexByte(s, '(')
	if i <= 0 {
		return false
	}
	for _, c := range s[:i] {
		if !(c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// ParseIntrinsic parses an intrinsic function call. It checks syntax only;
// see IntrinsicArity for the argument counts.
func ParseIntrinsic(s string) (*Intrinsic, error) {
	p := &intrinsicParser{s: s}
	fn, err := p.call(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("unexpected %q after the function call", p.s[p.i:])
	}
	return fn, nil
}

type intrinsicParser struct {
	s string
	i int
}

func (p *intrinsicParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *intrinsicParser) call(depth int) (*Intrinsic, error) {
	if depth > 32 {
		return nil, errors.New("intrinsic functions nested too deeply")
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != '(' {
		c := p.s[p.i]
		if !(c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return nil, fmt.Errorf("invalid character %q in a function name", c)
		}
		p.i++
	}
	if p.i >= len(p.s) || p.i == start {
		return nil, errors.New(`expected a function name followed by "("`)
	}
	fn := &Intrinsic{Name: p.s[start:p.i]}
	p.i++ // (
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return fn, nil
	}
	for {
		p.space()
		a, err := p.arg(depth)
		if err != nil {
			return nil, fmt.Errorf("%s argument %d: %w", fn.Name, len(fn.Args)+1, err)
		}
		fn.Args = append(fn.Args, a)
		p.space()
		if p.i >= len(p.s) {
			return nil, fmt.Errorf(`%s: missing ")"`, fn.Name)
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ')':
			p.i++
			return fn, nil
		default:
			return nil, fmt.Errorf("%s: unexpected %q", fn.Name, p.s[p.i])
		}
	}
}

func (p *intrinsicParser) arg(depth int) (Arg, error) {
	if p.i >= len(p.s) {
		return Arg{}, errors.New("missing argument")
	}
	c := p.s[p.i]
	switch {
	case c == '\'':
		var b strings.Builder
		p.i++
		for p.i < len(p.s) {
			c := p.s[p.i]
			if c == '\\' {
				if p.i+1 >= len(p.s) {
					return Arg{}, errors.New("open escape at the end of a string")
				}
				b.WriteByte(p.s[p.i+1])
				p.i += 2
				continue
			}
			if c == '\'' {
				p.i++
				return Arg{Kind: ArgString, Text: b.String()}, nil
			}
			b.WriteByte(c)
			p.i++
		}
		return Arg{}, errors.New("unterminated string")
	case c == '$':
		start := p.i
		depthB := 0
		var quote byte
		for p.i < len(p.s) {
			c := p.s[p.i]
			if quote != 0 {
				if c == '\\' {
					p.i++
				} else if c == quote {
					quote = 0
				}
				p.i++
				continue
			}
			if c == '\'' || c == '"' {
				quote = c
			} else if c == '[' || c == '(' {
				depthB++
			} else if c == ']' || c == ')' {
				if depthB == 0 {
					break
				}
				depthB--
			} else if (c == ',' || c == ' ') && depthB == 0 {
				break
			}
			p.i++
		}
		if p.i > len(p.s) { // an escape at the very end
			p.i = len(p.s)
		}
		path := p.s[start:p.i]
		if _, err := CheckPath(path); err != nil {
			return Arg{}, fmt.Errorf("path %q: %w", path, err)
		}
		return Arg{Kind: ArgPath, Text: path}, nil
	case c == '-' || c >= '0' && c <= '9':
		start := p.i
		p.i++
		for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
			p.i++
		}
		t := p.s[start:p.i]
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return Arg{}, fmt.Errorf("bad number %q", t)
		}
		return Arg{Kind: ArgNumber, Text: t}, nil
	}
	for _, lit := range []struct {
		word string
		kind ArgKind
	}{{"null", ArgNull}, {"true", ArgBool}, {"false", ArgBool}} {
		if strings.HasPrefix(p.s[p.i:], lit.word) {
			rest := p.s[p.i+len(lit.word):]
			if rest == "" || strings.IndexByte(",) \t\n", rest[0]) >= 0 {
				p.i += len(lit.word)
				return Arg{Kind: lit.kind, Text: lit.word}, nil
			}
		}
	}
	fn, err := p.call(depth + 1)
	if err != nil {
		return Arg{}, err
	}
	return Arg{Kind: ArgFunc, Func: fn}, nil
}

// IntrinsicArity gives the minimum and maximum argument counts of each
// States.* intrinsic function; Max -1 means no limit.
var IntrinsicArity = map[string]struct{ Min, Max int }{
	"States.Format":         {1, -1},
	"States.StringToJson":   {1, 1},
	"States.JsonToString":   {1, 1},
	"States.Array":          {0, -1},
	"States.ArrayPartition": {2, 2},
	"States.ArrayContains":  {2, 2},
	"States.ArrayRange":     {3, 3},
	"States.ArrayGetItem":   {2, 2},
	"States.ArrayLength":    {1, 1},
	"States.ArrayUnique":    {1, 1},
	"States.Base64Encode":   {1, 1},
	"States.Base64Decode":   {1, 1},
	"States.Hash":           {2, 2},
	"States.JsonMerge":      {3, 3},
	"States.MathRandom":     {2, 3},
	"States.MathAdd":        {2, 2},
	"States.StringSplit":    {2, 2},
	"States.UUID":           {0, 0},
}

// HashAlgorithms are the algorithms States.Hash accepts.
var HashAlgorithms = []string{"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"}

// CheckIntrinsic parses s and checks function names, argument counts and
// the constraints that can be seen without data (States.Format placeholders,
// States.Hash algorithm, States.JsonToString taking a path, States.ArrayRange
// step).
func CheckIntrinsic(s string) error {
	fn, err := ParseIntrinsic(s)
	if err != nil {
		return err
	}
	return checkCall(fn)
}

func checkCall(fn *Intrinsic) error {
	ar, ok := IntrinsicArity[fn.Name]
	if !ok {
		return fmt.Errorf("unknown intrinsic function %s", fn.Name)
	}
	n := len(fn.Args)
	if n < ar.Min || ar.Max >= 0 && n > ar.Max {
		want := strconv.Itoa(ar.Min)
		switch {
		case ar.Max < 0:
			want = "at least " + want
		case ar.Max != ar.Min:
			want = fmt.Sprintf("%d to %d", ar.Min, ar.Max)
		}
		return fmt.Errorf("%s takes %s argument(s), got %d", fn.Name, want, n)
	}
	switch fn.Name {
	case "States.Format":
		if a := fn.Args[0]; a.Kind == ArgString {
			if holes := countHoles(a.Text); holes != n-1 {
				return fmt.Errorf("States.Format template has %d {} placeholder(s) but %d value argument(s)", holes, n-1)
			}
		}
	case "States.JsonToString":
		if fn.Args[0].Kind != ArgPath {
			return errors.New("States.JsonToString takes a path")
		}
	case "States.Hash":
		if a := fn.Args[1]; a.Kind == ArgString {
			ok := false
			for _, h := range HashAlgorithms {
				ok = ok || a.Text == h
			}
			if !ok {
				return fmt.Errorf("States.Hash algorithm %q is not one of %s", a.Text, strings.Join(HashAlgorithms, ", "))
			}
		}
	case "States.ArrayRange":
		if a := fn.Args[2]; a.Kind == ArgNumber && a.Text == "0" {
			return errors.New("States.ArrayRange step must not be zero")
		}
	}
	for _, a := range fn.Args {
		if a.Kind == ArgFunc {
			if err := checkCall(a.Func); err != nil {
				return err
			}
		}
	}
	return nil
}

// countHoles counts the "{}" placeholders of a States.Format template. The
// parser has already removed escapes, so an escaped brace pair cannot be told
// apart here; that rare case is accepted as a placeholder.
func countHoles(t string) int { return strings.Count(t, "{}") }
