package aslrun

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

var fuzzInput = mustDecode(`{"a":{"b":[1,"two",{"c":null}],"d e":true},"s":"x,y","n":3,"arr":[3,1,2],"o":{"k":"v"}}`)

func mustDecode(s string) any {
	v, err := decodeJSON([]byte(s))
	if err != nil {
		panic(err)
	}
	return v
}

// FuzzIntrinsic checks that the intrinsic function parser never panics
// and that whatever it accepts evaluates to a value or a States.Runtime
// error.
func FuzzIntrinsic(f *testing.F) {
	for _, s := range []string{
		`States.Format('Hello {}', $.a.b[1])`,
		`States.Format('\{\} \'x\' \\', $.n)`,
		`States.Array(1, -2.5e3, true, false, null, 'x', $.a['d e'], States.UUID())`,
		`States.ArrayPartition(States.ArrayRange(1, 20, 3), 4)`,
		`States.StringSplit($.s, ',')`,
		`States.JsonMerge($.o, $.o, false)`,
		`States.Hash($.s, 'SHA-256')`,
		`States.MathRandom(1, 10, 3)`,
		`States.Format('{}', $$.Execution.Name)`,
		`States.ArrayGetItem($.arr[?@ > 1], 0)`,
		`States.Base64Decode(States.Base64Encode('x'))`,
	} {
		f.Add(s)
	}
	ec := &evalCtx{ctxObj: mustDecode(`{"Execution":{"Name":"n"}}`).(*asl.Object), vars: &varScope{},
		env: &env{rand: func() float64 { return 0.5 }, uuid: func() string { return "u" }}}
	f.Fuzz(func(t *testing.T, src string) {
		fn, err := asl.ParseIntrinsic(src)
		if err != nil {
			return
		}
		c, err := compileIntrinsic(fn, "fuzz")
		if err != nil {
			return // a query RFC 9535 cannot express
		}
		v, serr := c.eval(fuzzInput, ec)
		if serr != nil {
			if serr.name != ErrRuntime {
				t.Fatalf("%s: error %s, want States.Runtime", src, serr.name)
			}
			return
		}
		if _, err := encodeJSON(v); err != nil {
			t.Fatalf("%s: result %#v does not encode: %v", src, v, err)
		}
	})
}

// FuzzPath checks the path parser and, for reference paths, that writing
// a value with setPath and reading it back gives the value.
func FuzzPath(f *testing.F) {
	for _, s := range []string{"$", "$.a.b[2].c", "$['a']['d e']", "$.a.b[*]", "$..c", "$.arr[?@ > 1]", "$$.Execution.Id", "$.new.deep", "$.a.b[7]", `$["x\"y"]`} {
		f.Add(s)
	}
	ec := &evalCtx{ctxObj: fuzzInput.(*asl.Object), vars: &varScope{vals: map[string]any{"v": fuzzInput}}}
	f.Fuzz(func(t *testing.T, src string) {
		parsed, err := asl.ParsePath(src)
		if err != nil {
			return
		}
		p, err := compilePath(parsed, "fuzz")
		if err != nil {
			return
		}
		if v, serr := p.eval(fuzzInput, ec); serr == nil {
			if _, err := encodeJSON(v); err != nil {
				t.Fatalf("%s selected %#v, which does not encode", src, v)
			}
		}
		if !p.Reference || p.Context || p.Variable != "" {
			return
		}
		out, serr := setPath(fuzzInput, p, "marker")
		if serr != nil {
			return
		}
		got, ok := walk(out, p.Steps)
		if !ok || got != "marker" {
			t.Fatalf("%s: read back %#v after writing it", src, got)
		}
		if !jsonEqual(fuzzInput, mustDecode(`{"a":{"b":[1,"two",{"c":null}],"d e":true},"s":"x,y","n":3,"arr":[3,1,2],"o":{"k":"v"}}`)) {
			t.Fatalf("%s: setPath modified its input", src)
		}
	})
}

// FuzzStringMatches compares the StringMatches matcher with a regular
// expression built from the same pattern.
func FuzzStringMatches(f *testing.F) {
	f.Add("pay*", "payment")
	f.Add("*a\\*b*", "xxa*bxx")
	f.Add("a\\\\b", "a\\b")
	f.Add("**", "")
	f.Add("*ab*ab", "abab")
	f.Fuzz(func(t *testing.T, pat, s string) {
		if !utf8.ValidString(pat) || !utf8.ValidString(s) {
			return // JSON strings are UTF-8
		}
		p, err := asl.ParsePattern(pat)
		if err != nil {
			return
		}
		var re strings.Builder
		re.WriteString(`^`)
		for i, part := range strings.Split(strings.NewReplacer(`\\`, "\x00", `\*`, "\x01").Replace(pat), "*") {
			if i > 0 {
				re.WriteString(`(?s:.*)`)
			}
			re.WriteString(regexp.QuoteMeta(strings.NewReplacer("\x00", `\`, "\x01", "*").Replace(part)))
		}
		re.WriteString(`$`)
		want := regexp.MustCompile(re.String()).MatchString(s)
		if got := p.Match(s); got != want {
			t.Fatalf("pattern %q on %q: got %v, want %v", pat, s, got, want)
		}
	})
}

// FuzzDefinition checks that New never panics on arbitrary definitions.
func FuzzDefinition(f *testing.F) {
	f.Add(string(paymentsDefinition(f)))
	f.Add(oneState(`{"Type":"Choice","Choices":[{"Not":{"Variable":"$.a","StringMatches":"x*"},"Next":"S"}],"Default":"S"}`))
	f.Add(oneState(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`))
	f.Fuzz(func(t *testing.T, def string) {
		_, _ = New([]byte(def), Options{Invoker: &scriptedInvoker{}})
	})
}

// FuzzJSONata checks that evaluating any expression that parses gives a
// value or a States.QueryEvaluationError, never a panic.
func FuzzJSONata(f *testing.F) {
	for _, s := range []string{"$states.input.a.b[1]", "$partition($states.input.arr, 2)", "$sum($states.input.arr) / 0", "$states.context.Execution.Name & $x", "$hash($string($states.input), 'MD5')"} {
		f.Add(s)
	}
	ec := &evalCtx{ctxObj: mustDecode(`{"Execution":{"Name":"n"}}`).(*asl.Object), input: fuzzInput,
		vars: &varScope{vals: map[string]any{"x": "v"}},
		env:  &env{rand: func() float64 { return 0.5 }, uuid: func() string { return "u" }, now: newFakeClock().Now}}
	f.Fuzz(func(t *testing.T, src string) {
		if strings.Contains(src, "..") {
			return // a range like [1..1e9] is bounded by memory only, in JSONata too
		}
		e, msg := asl.ParseExpression("{%" + src + "%}")
		if msg != "" || e == nil {
			return
		}
		_, serr := (&tJSONata{field: "fuzz", expr: e}).eval(nil, ec)
		if serr != nil && serr.name != ErrQueryEvaluation {
			t.Fatalf("%s: error %s", src, serr.name)
		}
	})
}

// $formatInteger and $parseInteger read workflow data and pictures: no
// input panics, and a decimal picture's output parses back.
func FuzzIntegerPictures(f *testing.F) {
	for _, s := range []struct {
		n       float64
		picture string
	}{{12, "w"}, {1999, "I"}, {28, "A"}, {1234567, "#,##0"}, {11, "0;o"}, {-3, "000"}, {5, "w;o"}, {1e15, "Ww"}} {
		f.Add(s.n, s.picture)
	}
	f.Fuzz(func(t *testing.T, n float64, picture string) {
		out, err := sfFormatInteger(n, picture)
		if _, perr := sfParseInteger(out, picture); perr != nil && err == nil && picture == "0" {
			t.Errorf("$parseInteger(%q, '0') failed on $formatInteger's output: %v", out, perr)
		}
		sfParseInteger(picture, picture)
	})
}
