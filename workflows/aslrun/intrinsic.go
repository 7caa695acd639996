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
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// An intrinsic function call, compiled: States.Format('{} items',
// States.ArrayLength($.items)).
type iexpr interface {
	eval(in any, c *evalCtx) (any, *stateError)
}

// iLiteral is a string, number, boolean or null argument. For string
// literals, parts holds the text around each unescaped {} so that
// States.Format can tell a placeholder from an escaped \{\}.
type iLiteral struct {
	v     any
	parts []string
}

func (l *iLiteral) eval(any, *evalCtx) (any, *stateError) { return l.v, nil }

// iPath is a path argument: $.x or $$.Execution.Id.
type iPath struct{ p *path }

func (a *iPath) eval(in any, c *evalCtx) (any, *stateError) { return a.p.eval(in, c) }

// iCall is a nested intrinsic function call.
type iCall struct {
	name string
	fn   *intrinsic
	args []iexpr
}

func (c *iCall) eval(in any, ec *evalCtx) (any, *stateError) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(in, ec)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	out, err := c.fn.call(c, vals, ec.env)
	if err != nil {
		return nil, runtimeErr("The intrinsic function %s failed: %s", c.name, err.Error())
	}
	return out, nil
}

// intrinsic is the implementation of one States.* function.
type intrinsic struct {
	call func(c *iCall, args []any, e *env) (any, error)
}

var intrinsics map[string]*intrinsic

func init() {
	intrinsics = map[string]*intrinsic{
		"States.Format":         {fnFormat},
		"States.StringToJson":   {fnStringToJSON},
		"States.JsonToString":   {fnJSONToString},
		"States.Array":          {fnArray},
		"States.ArrayPartition": {fnArrayPartition},
		"States.ArrayContains":  {fnArrayContains},
		"States.ArrayRange":     {fnArrayRange},
		"States.ArrayGetItem":   {fnArrayGetItem},
		"States.ArrayLength":    {fnArrayLength},
		"States.ArrayUnique":    {fnArrayUnique},
		"States.Base64Encode":   {fnBase64Encode},
		"States.Base64Decode":   {fnBase64Decode},
		"States.Hash":           {fnHash},
		"States.JsonMerge":      {fnJSONMerge},
		"States.MathRandom":     {fnMathRandom},
		"States.MathAdd":        {fnMathAdd},
		"States.StringSplit":    {fnStringSplit},
		"States.UUID":           {fnUUID},
	}
}

// compileIntrinsic compiles a parsed intrinsic function call. The asl
// parser has checked names and argument counts; every name it knows has an
// implementation here.
func compileIntrinsic(fn *asl.Intrinsic, where string) (*iCall, error) {
	impl, ok := intrinsics[fn.Name]
	if !ok {
		return nil, &DefinitionError{Path: where, Msg: fmt.Sprintf("unknown intrinsic function %s", fn.Name)}
	}
	c := &iCall{name: fn.Name, fn: impl}
	for _, a := range fn.Args {
		var arg iexpr
		switch a.Kind {
		case asl.ArgString:
			arg = &iLiteral{v: a.Text, parts: a.Parts}
		case asl.ArgNumber:
			arg = &iLiteral{v: json.Number(a.Text)}
		case asl.ArgBool:
			arg = &iLiteral{v: a.Text == "true"}
		case asl.ArgNull:
			arg = &iLiteral{v: nil}
		case asl.ArgPath:
			p, err := compilePath(a.Path, where)
			if err != nil {
				return nil, err
			}
			arg = &iPath{p: p}
		case asl.ArgFunc:
			sub, err := compileIntrinsic(a.Func, where)
			if err != nil {
				return nil, err
			}
			arg = sub
		}
		c.args = append(c.args, arg)
	}
	return c, nil
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

// argRounded reads a number argument rounded to the nearest integer the
// way Java's Math.round does (halves go up: 1.5 is 2, -1.5 is -1), which
// is what Step Functions does with non-integer arguments to States.MathAdd
// and States.MathRandom.
func argRounded(args []any, i int, fn string) (int64, error) {
	f, ok := toFloat(args[i])
	if !ok || math.IsNaN(f) || math.Abs(f) > 1<<53 {
		return 0, fmt.Errorf("argument %d of %s must be a number, got %s", i+1, fn, excerpt(args[i]))
	}
	return int64(math.Floor(f + 0.5)), nil
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
		b.WriteString(formatted(v))
		b.WriteString(parts[i+1])
	}
	return b.String(), nil
}

// formatted renders a States.Format value as Step Functions does: strings
// as they are, numbers, booleans and null as JSON, and objects and arrays
// the way Java prints maps and lists: {a=1, b=[x, y]}.
func formatted(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case *asl.Object:
		members := make([]string, x.Len())
		for i := range members {
			k, m := x.Member(i)
			members[i] = k + "=" + formatted(m)
		}
		return "{" + strings.Join(members, ", ") + "}"
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			items[i] = formatted(e)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	return string(mustEncode(v))
}

func fnStringToJSON(c *iCall, args []any, _ *env) (any, error) {
	s, err := argString(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(s) == "" {
		return nil, nil // Step Functions answers null for an empty or blank string
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
	a, ok1 := args[0].(*asl.Object)
	b, ok2 := args[1].(*asl.Object)
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
	out := asl.NewSmallObject(a.Len() + b.Len())
	for i := range a.Len() {
		out.Set(a.Member(i))
	}
	for i := range b.Len() {
		out.Set(b.Member(i))
	}
	return out, nil
}

func fnMathRandom(c *iCall, args []any, e *env) (any, error) {
	start, err := argRounded(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	end, err := argRounded(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	if end <= start {
		return nil, fmt.Errorf("the end (%d) must be greater than the start (%d)", end, start)
	}
	var r func() float64
	if len(args) == 3 {
		seed, err := argRounded(args, 2, c.name)
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
	a, err := argRounded(args, 0, c.name)
	if err != nil {
		return nil, err
	}
	b, err := argRounded(args, 1, c.name)
	if err != nil {
		return nil, err
	}
	if a > math.MaxInt32 || a < math.MinInt32 || b > math.MaxInt32 || b < math.MinInt32 {
		return nil, fmt.Errorf("the values must be between %d and %d", math.MinInt32, math.MaxInt32)
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
