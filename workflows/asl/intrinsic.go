package asl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

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
	// Text is a string literal's value (unescaped), a number's digits, or
	// "true", "false" or "null".
	Text string
	// Parts is a string literal cut at its unescaped {} placeholders, so
	// that States.Format can tell them from escaped \{\}: n placeholders
	// give n+1 parts.
	Parts []string
	// Path is set for ArgPath, Func for ArgFunc.
	Path *Path
	Func *Intrinsic
}

// Intrinsic is a parsed intrinsic function call such as
// States.Format('{}', $.name).
type Intrinsic struct {
	Name string
	Args []Arg
}

// Arity is the number of arguments an intrinsic function takes; Max -1
// means no limit.
type Arity struct{ Min, Max int }

// IntrinsicArity gives the argument counts of every States.* intrinsic
// function. The executor implements exactly these.
var IntrinsicArity = map[string]Arity{
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

// maxNesting bounds nested calls so a hostile string cannot exhaust the
// stack.
const maxNesting = 32

// LooksIntrinsic reports whether s has the shape of an intrinsic function
// call (a name followed by "("), so callers can tell a bad call from a
// string that was never meant to be one.
func LooksIntrinsic(s string) bool {
	i := strings.IndexByte(s, '(')
	return i > 0 && nameLen(s) == i
}

// nameLen returns the length of the function name at the start of s.
func nameLen(s string) int {
	i := 0
	for i < len(s) {
		c := s[i]
		if !(c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			break
		}
		i++
	}
	return i
}

// ParseIntrinsic parses an intrinsic function call and checks what can be
// checked without data: known function names, argument counts, the
// States.Format placeholders, the States.Hash algorithm, States.JsonToString
// taking a path or a call, and a non-zero States.ArrayRange step. String
// literals may escape ' { } and \ with a backslash; "{}" is a placeholder
// and a lone unescaped brace is a literal brace, as Step Functions runs it
// (its reference asks for the escape, its recorded runs do without).
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
	for p.i < len(p.s) && strings.IndexByte(" \t\n\r", p.s[p.i]) >= 0 {
		p.i++
	}
}

func (p *intrinsicParser) call(depth int) (*Intrinsic, error) {
	if depth > maxNesting {
		return nil, errors.New("intrinsic functions nested too deeply")
	}
	n := nameLen(p.s[p.i:])
	if n == 0 || p.i+n >= len(p.s) || p.s[p.i+n] != '(' {
		if p.i+n < len(p.s) && n > 0 && p.s[p.i+n] != '(' {
			return nil, fmt.Errorf("invalid character %q in a function name", p.s[p.i+n])
		}
		return nil, errors.New(`expected a function name followed by "("`)
	}
	fn := &Intrinsic{Name: p.s[p.i : p.i+n]}
	p.i += n + 1
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
		return fn, checkCall(fn)
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
			return fn, checkCall(fn)
		default:
			return nil, fmt.Errorf("%s: unexpected %q", fn.Name, p.s[p.i])
		}
	}
}

func (p *intrinsicParser) arg(depth int) (Arg, error) {
	if p.i >= len(p.s) {
		return Arg{}, errors.New("missing argument")
	}
	rest := p.s[p.i:]
	c := rest[0]
	switch {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		n, err := balancedEnd(rest, func(c byte, depth int) bool { return depth == 0 && (c == ',' || c == ' ') })
		if err != nil {
			return Arg{}, err
		}
		src := rest[:n]
		path, err := ParsePath(src)
		if err != nil {
			return Arg{}, fmt.Errorf("path %q: %w", src, err)
		}
		p.i += n
		return Arg{Kind: ArgPath, Text: src, Path: path}, nil
	case c == '-' || c >= '0' && c <= '9':
		n := 1
		for n < len(rest) && strings.IndexByte("0123456789.eE+-", rest[n]) >= 0 {
			n++
		}
		t := rest[:n]
		if _, err := strconv.ParseFloat(t, 64); err != nil {
			return Arg{}, fmt.Errorf("bad number %q", t)
		}
		p.i += n
		return Arg{Kind: ArgNumber, Text: t}, nil
	}
	for _, lit := range []struct {
		word string
		kind ArgKind
	}{{"null", ArgNull}, {"true", ArgBool}, {"false", ArgBool}} {
		if after, ok := strings.CutPrefix(rest, lit.word); ok && (after == "" || strings.IndexByte(",) \t\n\r", after[0]) >= 0) {
			p.i += len(lit.word)
			return Arg{Kind: lit.kind, Text: lit.word}, nil
		}
	}
	fn, err := p.call(depth + 1)
	if err != nil {
		return Arg{}, err
	}
	return Arg{Kind: ArgFunc, Func: fn}, nil
}

// stringLit reads '...' with the escapes \' \{ \} \\.
func (p *intrinsicParser) stringLit() (Arg, error) {
	p.i++ // opening quote
	var cur, all strings.Builder
	var parts []string
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return Arg{}, errors.New("open escape at the end of a string")
			}
			n := p.s[p.i+1]
			if strings.IndexByte(`'{}\`, n) < 0 {
				return Arg{}, fmt.Errorf(`invalid escape \%c in a string (only \', \{, \} and \\)`, n)
			}
			cur.WriteByte(n)
			all.WriteByte(n)
			p.i += 2
		case '\'':
			p.i++
			return Arg{Kind: ArgString, Text: all.String(), Parts: append(parts, cur.String())}, nil
		case '{':
			if n := substitutionLen(p.s[p.i:]); n > 0 && p.i > 0 && p.s[p.i-1] == '$' {
				// "${Name}" is a DefinitionSubstitutions placeholder of
				// a definition file not yet deployed (SAM, CDK); it is
				// replaced before Step Functions sees the definition.
				cur.WriteString(p.s[p.i : p.i+n])
				all.WriteString(p.s[p.i : p.i+n])
				p.i += n
				continue
			}
			if p.i+1 < len(p.s) && p.s[p.i+1] == '}' {
				parts = append(parts, cur.String())
				cur.Reset()
				all.WriteString("{}")
				p.i += 2
				continue
			}
			// A lone brace is a brace: AWS accepts and evaluates
			// States.StringToJson('{"a": "b"}') (LocalStack's recorded
			// test_json_merge_escaped_argument), although its reference
			// says { and } must be escaped. Only "{}" is a placeholder.
			cur.WriteByte(c)
			all.WriteByte(c)
			p.i++
		case '}':
			cur.WriteByte(c)
			all.WriteByte(c)
			p.i++
		default:
			cur.WriteByte(c)
			all.WriteByte(c)
			p.i++
		}
	}
	return Arg{}, errors.New("unterminated string")
}

// substitutionLen is the length of "{Name}" at the start of s when Name is
// a DefinitionSubstitutions key (letters, digits, _ - . :), else 0.
func substitutionLen(s string) int {
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '}':
			if i == 1 {
				return 0
			}
			return i + 1
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '.', c == ':':
		default:
			return 0
		}
	}
	return 0
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
		switch a := fn.Args[0]; a.Kind {
		case ArgString:
			if holes := len(a.Parts) - 1; holes != n-1 {
				return fmt.Errorf("States.Format template has %d {} placeholder(s) but %d value argument(s)", holes, n-1)
			}
		case ArgPath, ArgFunc:
		default:
			return errors.New("States.Format's first argument must be a string")
		}
	case "States.JsonToString":
		// A path or a nested call (AWS runs
		// States.JsonToString(States.JsonMerge(...)), issue #23).
		if k := fn.Args[0].Kind; k != ArgPath && k != ArgFunc {
			return errors.New("States.JsonToString takes a path or an intrinsic function call")
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
		if a := fn.Args[2]; a.Kind == ArgNumber {
			if f, _ := strconv.ParseFloat(a.Text, 64); f == 0 {
				return errors.New("States.ArrayRange step must not be zero")
			}
		}
	}
	return nil
}

// Paths calls fn for every path argument of the call, nested calls
// included.
func (c *Intrinsic) Paths(fn func(*Path)) {
	for _, a := range c.Args {
		switch a.Kind {
		case ArgPath:
			fn(a.Path)
		case ArgFunc:
			a.Func.Paths(fn)
		}
	}
}
