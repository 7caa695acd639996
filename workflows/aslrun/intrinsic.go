package aslrun

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// An intrinsic function call, compiled: States.Format('{} items',
// States.ArrayLength($.items)).
type iexpr interface {
	eval(in, ctxObj any, e *env) (any, *stateError)
}

// iLiteral is a string, number, boolean or null argument. For string
// literals, parts holds the text around each unescaped {} so that
// States.Format can tell a placeholder from an escaped \{\}.
type iLiteral struct {
	v     any
	parts []string
}

func (l *iLiteral) eval(any, any, *env) (any, *stateError) { return l.v, nil }

// iPath is a path argument: $.x or $$.Execution.Id.
type iPath struct{ p *path }

func (a *iPath) eval(in, ctxObj any, _ *env) (any, *stateError) { return a.p.eval(in, ctxObj) }

// iCall is a nested intrinsic function call.
type iCall struct {
	name string
	fn   *intrinsic
	args []iexpr
}

func (c *iCall) eval(in, ctxObj any, e *env) (any, *stateError) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(in, ctxObj, e)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	out, err := c.fn.call(c, vals, e)
	if err != nil {
		return nil, runtimeErr("The intrinsic function %s failed: %s", c.name, err.Error())
	}
	return out, nil
}

// intrinsic describes one States.* function.
type intrinsic struct {
	minArgs, maxArgs int // maxArgs < 0: variadic
	call             func(c *iCall, args []any, e *env) (any, error)
}

var intrinsics map[string]*intrinsic

func init() {
	intrinsics = map[string]*intrinsic{
		"States.Format":         {1, -1, fnFormat},
		"States.StringToJson":   {1, 1, fnStringToJSON},
		"States.JsonToString":   {1, 1, fnJSONToString},
		"States.Array":          {0, -1, fnArray},
		"States.ArrayPartition": {2, 2, fnArrayPartition},
		"States.ArrayContains":  {2, 2, fnArrayContains},
		"States.ArrayRange":     {3, 3, fnArrayRange},
		"States.ArrayGetItem":   {2, 2, fnArrayGetItem},
		"States.ArrayLength":    {1, 1, fnArrayLength},
		"States.ArrayUnique":    {1, 1, fnArrayUnique},
		"States.Base64Encode":   {1, 1, fnBase64Encode},
		"States.Base64Decode":   {1, 1, fnBase64Decode},
		"States.Hash":           {2, 2, fnHash},
		"States.JsonMerge":      {3, 3, fnJSONMerge},
		"States.MathRandom":     {2, 3, fnMathRandom},
		"States.MathAdd":        {2, 2, fnMathAdd},
		"States.StringSplit":    {2, 2, fnStringSplit},
		"States.UUID":           {0, 0, fnUUID},
	}
}

// parseIntrinsic compiles an intrinsic function call such as
// "States.Format('x{}', $.y)". Unknown functions and wrong argument
// counts are definition errors, as in Step Functions' validator.
func parseIntrinsic(src string) (*iCall, error) {
	p := &iparser{s: src}
	c, err := p.call()
	if err != nil {
		return nil, fmt.Errorf("invalid intrinsic function %q: %v", src, err)
	}
	p.skipSpace()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("invalid intrinsic function %q: unexpected %q after the call", src, p.s[p.i:])
	}
	return c, nil
}

type iparser struct {
	s     string
	i     int
	depth int
}

func (p *iparser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *iparser) call() (*iCall, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > 32 {
		return nil, fmt.Errorf("calls nested too deeply")
	}
	open := strings.IndexByte(p.s[p.i:], '(')
	if open < 0 {
		return nil, fmt.Errorf("missing '('")
	}
	name := p.s[p.i : p.i+open]
	fn, ok := intrinsics[name]
	if !ok {
		return nil, fmt.Errorf("unknown function %q", name)
	}
	p.i += open + 1
	c := &iCall{name: name, fn: fn}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == ')' {
		p.i++
	} else {
		for {
			a, err := p.arg()
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.skipSpace()
			if p.i >= len(p.s) {
				return nil, fmt.Errorf("missing ')'")
			}
			if p.s[p.i] == ')' {
				p.i++
				break
			}
			if p.s[p.i] != ',' {
				return nil, fmt.Errorf("expected ',' or ')' at offset %d", p.i)
			}
			p.i++
		}
	}
	if len(c.args) < fn.minArgs || (fn.maxArgs >= 0 && len(c.args) > fn.maxArgs) {
		want := fmt.Sprintf("%d", fn.minArgs)
		switch {
		case fn.maxArgs < 0:
			want = fmt.Sprintf("at least %d", fn.minArgs)
		case fn.maxArgs != fn.minArgs:
			want = fmt.Sprintf("%d to %d", fn.minArgs, fn.maxArgs)
		}
		return nil, fmt.Errorf("%s takes %s arguments, got %d", name, want, len(c.args))
	}
	if name == "States.Format" {
		if lit, ok := c.args[0].(*iLiteral); ok {
			if _, isStr := lit.v.(string); !isStr {
				return nil, fmt.Errorf("States.Format's first argument must be a string")
			}
			if len(lit.parts)-1 != len(c.args)-1 {
				return nil, fmt.Errorf("States.Format has %d {} placeholders and %d values", len(lit.parts)-1, len(c.args)-1)
			}
		}
	}
	return c, nil
}

func (p *iparser) arg() (iexpr, error) {
	p.skipSpace()
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("missing argument")
	}
	rest := p.s[p.i:]
	switch c := rest[0]; {
	case c == '\'':
		return p.stringLit()
	case c == '$':
		return p.pathArg()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(rest, "States."):
		return p.call()
	}
	for _, kw := range []struct {
		word string
		v    any
	}{{"true", true}, {"false", false}, {"null", nil}} {
		if strings.HasPrefix(rest, kw.word) {
			p.i += len(kw.word)
			return &iLiteral{v: kw.v}, nil
		}
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", rest, p.i)
}

// stringLit reads '...' with the escapes \' \{ \} \\. An unescaped {}
// is a placeholder (for States.Format); any other unescaped brace or
// backslash is an error.
func (p *iparser) stringLit() (iexpr, error) {
	p.i++ // opening quote
	var cur strings.Builder
	var parts []string
	var all strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch c {
		case '\\':
			if p.i+1 >= len(p.s) {
				return nil, fmt.Errorf("open escape at the end of the string")
			}
			n := p.s[p.i+1]
			if n != '\'' && n != '{' && n != '}' && n != '\\' {
				return nil, fmt.Errorf("invalid escape \\%c", n)
			}
			cur.WriteByte(n)
			all.WriteByte(n)
			p.i += 2
		case '\'':
			p.i++
			parts = append(parts, cur.String())
			return &iLiteral{v: all.String(), parts: parts}, nil
		case '{':
			if p.i+1 < len(p.s) && p.s[p.i+1] == '}' {
				parts = append(parts, cur.String())
				cur.Reset()
				all.WriteString("{}")
				p.i += 2
				continue
			}
			return nil, fmt.Errorf("unescaped '{' in a string literal")
		case '}':
			return nil, fmt.Errorf("unescaped '}' in a string literal")
		default:
			cur.WriteByte(c)
			all.WriteByte(c)
			p.i++
		}
	}
	return nil, fmt.Errorf("unterminated string literal")
}

func (p *iparser) number() (iexpr, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	for p.i < len(p.s) && strings.IndexByte("0123456789.eE+-", p.s[p.i]) >= 0 {
		p.i++
	}
	lit := p.s[start:p.i]
	var n json.Number
	if err := json.Unmarshal([]byte(lit), &n); err != nil {
		return nil, fmt.Errorf("invalid number %q", lit)
	}
	return &iLiteral{v: n}, nil
}

// pathArg reads a path up to the next ',' or ')' outside brackets and
// quotes.
func (p *iparser) pathArg() (iexpr, error) {
	start := p.i
	depth := 0
	var quote byte
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case quote != 0:
			if c == '\\' {
				p.i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '[' || c == '(':
			depth++
		case c == ']' || c == ')':
			if depth == 0 {
				goto done
			}
			depth--
		case c == ',' && depth == 0:
			goto done
		}
		p.i++
	}
done:
	src := strings.TrimSpace(p.s[start:p.i])
	pp, err := parsePath(src, false)
	if err != nil {
		return nil, err
	}
	return &iPath{p: pp}, nil
}

// Argument helpers.

func argString(args []any, i int, fn string) (string, error) {
	s, ok := args[i].(string)
	if !ok {
		return "", fmt.Errorf("argument %d of %s must be a string, got %s", i+1, fn, jsonType(args[i]))
	}
	return s, nil
}

func argArray(args []any, i int, fn string) ([]any, error) {
	a, ok := args[i].([]any)
	if !ok {
		return nil, fmt.Errorf("argument %d of %s must be an array, got %s", i+1, fn, jsonType(args[i]))
	}
	return a, nil
}

func argInt(args []any, i int, fn string) (int64, error) {
	n, ok := toInt(args[i])
	if !ok {
		return 0, fmt.Errorf("argument %d of %s must be an integer, got %s", i+1, fn, excerpt(args[i]))
	}
	return n, nil
}

const maxIntrinsicString = 10000

func fnFormat(c *iCall, args []any, _ *env) (any, error) {
	var parts []string
	if lit, ok := c.args[0].(*iLiteral); ok {
		parts = lit.parts
	} else {
		tmpl, err := argString(args, 0, c.name)
		if err != nil {
			return nil, err
		}
		parts = strings.Split(tmpl, "{}")
	}
	vals := args[1:]
	if len(parts)-1 != len(vals) {
		return nil, fmt.Errorf("the template has %d {} placeholders and %d values", len(parts)-1, len(vals))
	}
	var b strings.Builder
	b.WriteString(parts[0])
	for i, v := range vals {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case nil, bool, json.Number:
			b.Write(mustEncode(x))
		default:
			if _, ok := toFloat(x); ok {
				b.Write(mustEncode(x))
				break
			}
			return nil, fmt.Errorf("value %d is a %s; only strings, numbers, booleans and null can be formatted", i+1, jsonType(v))
		}
		b.WriteString(parts[i+1])
	}
	return b.String(), nil
}

func fnStringToJSON(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("the string is not JSON: %v", err)
	}
	return v, nil
}

func fnJSONToString(_ *iCall, args []any, _ *env) (any, error) {
	b, err := encodeJSON(args[0])
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func fnArray(_ *iCall, args []any, _ *env) (any, error) {
	out := make([]any, len(args))
	copy(out, args)
	return out, nil
}

func fnArrayPartition(c *iCall, args []any, _ *env) (any, error) {
	arr, err := argArray(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	size, err := argInt(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, fmt.Errorf("the chunk size must be a positive integer, got %d", size)
	}
	out := []any{}
	for i := 0; i < len(arr); i += int(size) {
		end := min(i+int(size), len(arr))
		chunk := make([]any, end-i)
		copy(chunk, arr[i:end])
		out = append(out, chunk)
	}
	return out, nil
}

func fnArrayContains(c *iCall, args []any, _ *env) (any, error) {
	arr, err := argArray(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	for _, v := range arr {
		if jsonEqual(v, args[1]) {
			return true, nil
		}
	}
	return false, nil
}

func fnArrayRange(c *iCall, args []any, _ *env) (any, error) {
	var n [3]int64
	for i := range n {
		v, err := argInt(args, i, c.name)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, end, stepBy := n[0], n[1], n[2]
	if stepBy == 0 {
		return nil, fmt.Errorf("the step must not be 0")
	}
	out := []any{}
	for v := start; (stepBy > 0 && v <= end) || (stepBy < 0 && v >= end); v += stepBy {
		if len(out) == 1000 {
			return nil, fmt.Errorf("the range has more than 1000 items")
		}
		out = append(out, num(v))
	}
	return out, nil
}

func fnArrayGetItem(c *iCall, args []any, _ *env) (any, error) {
	arr, err := argArray(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	idx, err := argInt(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	if idx < 0 || idx >= int64(len(arr)) {
		return nil, fmt.Errorf("index %d is out of range for an array of %d items", idx, len(arr))
	}
	return arr[idx], nil
}

func fnArrayLength(c *iCall, args []any, _ *env) (any, error) {
	arr, err := argArray(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	return num(int64(len(arr))), nil
}

func fnArrayUnique(c *iCall, args []any, _ *env) (any, error) {
	arr, err := argArray(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	out := []any{}
next:
	for _, v := range arr {
		for _, seen := range out {
			if jsonEqual(seen, v) {
				continue next
			}
		}
		out = append(out, v)
	}
	return out, nil
}

func fnBase64Encode(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxIntrinsicString {
		return nil, fmt.Errorf("the string is longer than %d characters", maxIntrinsicString)
	}
	return base64.StdEncoding.EncodeToString([]byte(s)), nil
}

func fnBase64Decode(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxIntrinsicString {
		return nil, fmt.Errorf("the string is longer than %d characters", maxIntrinsicString)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("the string is not base64: %v", err)
	}
	return string(b), nil
}

func fnHash(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(s) > maxIntrinsicString {
		return nil, fmt.Errorf("the string is longer than %d characters", maxIntrinsicString)
	}
	alg, err := argString(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("unsupported algorithm %q (use MD5, SHA-1, SHA-256, SHA-384 or SHA-512)", alg)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fnJSONMerge(c *iCall, args []any, _ *env) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("both values to merge must be objects, got %s and %s", jsonType(args[0]), jsonType(args[1]))
	}
	deep, ok := args[2].(bool)
	if !ok {
		return nil, fmt.Errorf("the third argument must be a boolean")
	}
	if deep {
		return nil, fmt.Errorf("deep merge is not supported; set the third argument to false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}

func fnMathRandom(c *iCall, args []any, e *env) (any, error) {
	start, err := argInt(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	end, err := argInt(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("the end (%d) must be greater than the start (%d)", end, start)
	}
	var r func() float64
	if len(args) == 3 {
		seed, err := argInt(args, 2, c.name)
		if err != nil {
			return nil, err
		}
		r = rand.New(rand.NewPCG(uint64(seed), 0)).Float64
	} else {
		r = e.rand
	}
	return num(start + int64(r()*float64(end-start))), nil
}

func fnMathAdd(c *iCall, args []any, _ *env) (any, error) {
	a, err := argInt(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	b, err := argInt(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	const limit = 2147483647
	if a > limit || a < -limit || b > limit || b < -limit {
		return nil, fmt.Errorf("the values must be between -%d and %d", limit, limit)
	}
	return num(a + b), nil
}

func fnStringSplit(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	delims, err := argString(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delims, r) }) {
		out = append(out, f)
	}
	return out, nil
}

func fnUUID(_ *iCall, _ []any, e *env) (any, error) {
	return e.uuid(), nil
}
