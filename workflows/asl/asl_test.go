package asl_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

const sample = `{
  "Comment": "c",
  "StartAt": "Validate",
  "QueryLanguage": "JSONPath",
  "TimeoutSeconds": 25,
  "States": {
    "Validate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:v", "TimeoutSeconds": 3,
      "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3, "MaxDelaySeconds": 10}],
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "Next": "Fan"},
    "Fan": {"Type": "Parallel", "Next": "Done", "Branches": [
      {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": true}}}]},
    "Items": {"Type": "Map", "ItemProcessor": {"StartAt": "Each", "States": {"Each": {"Type": "Succeed"}}}, "End": true},
    "Done": {"Type": "Succeed"},
    "Failed": {"Type": "Fail", "Error": "Payment.Internal"}
  }
}`

func TestParseBuildsTheTypedModelInDocumentOrder(t *testing.T) {
	d, err := asl.Parse([]byte(sample))
	if err != nil {
		t.Fatal(err)
	}
	if d.StartAt != "Validate" || d.Comment != "c" || d.QueryLanguage != asl.JSONPath || *d.TimeoutSeconds != 25 {
		t.Errorf("top-level fields wrong: %+v", d)
	}
	if want := []string{"Validate", "Fan", "Items", "Done", "Failed"}; !slices.Equal(d.Order, want) {
		t.Errorf("Order = %v, want %v", d.Order, want)
	}
	v := d.States["Validate"]
	if v.Type != asl.TypeTask || *v.TimeoutSeconds != 3 || v.Next != "Fan" || !v.IsLambda() {
		t.Errorf("Validate parsed wrong: %+v", v)
	}
	if got := v.Transitions(); !slices.Equal(got, []string{"Fan", "Failed"}) {
		t.Errorf("Transitions = %v", got)
	}
	r := v.Retry[0]
	if r.Interval() != 2 || r.Attempts() != 3 || r.Backoff() != 3 {
		t.Errorf("retrier = %+v", r)
	}
	if got := []float64{r.Delay(1), r.Delay(2), r.Delay(3)}; !slices.Equal(got, []float64{2, 6, 10}) {
		t.Errorf("delays = %v, want [2 6 10] (capped by MaxDelaySeconds)", got)
	}
	inner := d.States["Fan"].Branches[0].States["Inner"]
	if inner.Path != "States.Fan.Branches[0].States.Inner" || inner.QueryLanguage != asl.JSONata || inner.Parent.Parent.Name != "Fan" {
		t.Errorf("nested state wrong: path %q ql %q", inner.Path, inner.QueryLanguage)
	}
	if each := d.States["Items"].ItemProcessor.States["Each"]; each == nil || each.Path != "States.Items.ItemProcessor.States.Each" {
		t.Errorf("ItemProcessor not parsed: %+v", d.States["Items"].ItemProcessor)
	}
	var names []string
	d.Walk(func(s *asl.State) { names = append(names, s.Name) })
	if want := []string{"Validate", "Fan", "Inner", "Items", "Each", "Done", "Failed"}; !slices.Equal(names, want) {
		t.Errorf("Walk = %v, want %v", names, want)
	}
	if len(d.Definitions()) != 3 {
		t.Errorf("Definitions = %d, want 3", len(d.Definitions()))
	}
	if _, ok := d.Raw["States"].(map[string]any); !ok {
		t.Error("Raw keeps the decoded JSON")
	}
}

func TestParseReportsDuplicateKeysAndToleratesWrongTypes(t *testing.T) {
	d, err := asl.Parse([]byte(`{"StartAt": 5, "States": {"A": {"Type": "Pass", "Next": 1, "Next": 2, "Retry": "x"}, "B": []}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.DuplicateKeys, []string{"States.A.Next"}) {
		t.Errorf("DuplicateKeys = %v", d.DuplicateKeys)
	}
	if d.StartAt != "" || d.States["A"].Next != "" || d.States["B"] == nil {
		t.Error("wrong types must leave typed fields zero and keep the state")
	}
}

func TestParseRejectsWhatIsNotAJSONObject(t *testing.T) {
	for _, in := range []string{``, `[]`, `"x"`, `{"a":`, `{} {}`, strings.Repeat("[", 300) + strings.Repeat("]", 300)} {
		if _, err := asl.Parse([]byte(in)); err == nil {
			t.Errorf("Parse(%.20q) succeeded", in)
		}
	}
}

func TestParsePathAcceptsSpecExamplesAndClassifiesThem(t *testing.T) {
	tests := []struct {
		path      string
		reference bool
		context   bool
		variable  string
	}{
		{"$", true, false, ""},
		{"$.store.book", true, false, ""},
		{`$.store\.book`, true, false, ""},
		{"$.ledgers[0][22][315].foo", true, false, ""},
		{"$['store']['book']", true, false, ""},
		{"$.detail.delivery-partner", true, false, ""},
		{"$$.Execution.Id", true, true, ""},
		{"$$", true, true, ""},
		{"$myVar.field", true, false, "myVar"},
		{"$.Values[-3:]", false, false, ""},
		{"$.a[0,1]", false, false, ""},
		{"$..book", false, false, ""},
		{"$.a[*]", false, false, ""},
		{"$.a[?(@.price < 10)]", false, false, ""},
		{`$.\stor\e.boo\k`, true, false, ""},
		{`$.foo.\.bar`, true, false, ""},
		{`$.foo\@bar.baz\[\[.\?pretty`, true, false, ""},
		{`$.&Ж中.\uD800\uDF46`, true, false, ""},
		{"$['store'][0]['book']", true, false, ""},
		// AWS's paths page writes $.abc.['def ghi'] and the service accepts a
		// dot before a bracket ($.[0]); Jayway reads ".[" as "[".
		{"$.abc.['def ghi']", true, false, ""},
		{"$.[0]", true, false, ""},
		{"$.a.[0].b", true, false, ""},
		{"$$.Execution.Name ", true, true, ""},
		{"$.[*].['bucket', 'key']", false, false, ""},
		{"$.[?(@.OU > 0)]", false, false, ""},
	}
	for _, tt := range tests {
		info, err := asl.ParsePath(tt.path)
		if err != nil {
			t.Errorf("ParsePath(%q): %v", tt.path, err)
			continue
		}
		if info.Reference != tt.reference || info.Context != tt.context || info.Variable != tt.variable {
			t.Errorf("ParsePath(%q) = %+v", tt.path, info)
		}
	}
	for _, bad := range []string{"", "a.b", "$.", "$.a[", "$.a[x]", "$.a]", "$[]", `$.a\`, "$.a b", "$.a.", "$.[", "$..", " $.a", "$.a..", "$['a"} {
		if _, err := asl.ParsePath(bad); err == nil {
			t.Errorf("ParsePath(%q) accepted a bad path", bad)
		}
	}
	if _, err := asl.ParseReferencePath("$.a[*]"); err == nil {
		t.Error("a wildcard is not a reference path")
	}
}

func TestParsePathGivesStepsForReferencePathsAndAQueryForTheOthers(t *testing.T) {
	tests := []struct {
		path, steps, query string
	}{
		{"$.a.b[2]", ".a.b[2]", ""},
		{`$['x y'].detail.delivery-partner`, ".x y.detail.delivery-partner", ""},
		{`$.a\.b`, ".a.b", ""},
		{"$$.Map.Item.Value", ".Map.Item.Value", ""},
		{"$.abc.['def ghi'][-1]", ".abc.def ghi[-1]", ""},
		{"$.items[*].price", "", "$.items[*].price"},
		{"$..price", "", "$..price"},
		{"$.error-info[?(@.a > 1)]", "", "$['error-info'][?(@.a > 1)]"},
		{"$myVar.list[0:2]", "", "$.list[0:2]"},
	}
	for _, tt := range tests {
		p, err := asl.ParsePath(tt.path)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", tt.path, err)
		}
		var steps strings.Builder
		for _, s := range p.Steps {
			steps.WriteString(s.String())
		}
		if steps.String() != tt.steps || p.Query != tt.query {
			t.Errorf("ParsePath(%q): steps %q query %q, want %q and %q", tt.path, steps.String(), p.Query, tt.steps, tt.query)
		}
	}
}

func TestParseIntrinsicValidatesNamesArityAndLiterals(t *testing.T) {
	good := []string{
		"States.Format('Welcome to {} {}\\'s playlist.', $.firstName, $.lastName)",
		"States.Array('Foo', 2020, $.someJson, null)",
		"States.JsonMerge($.a, $.b, false)",
		"States.MathAdd($.v, -1)",
		"States.MathRandom(1, 999)",
		"States.MathRandom(1, 999, $.seed)",
		"States.UUID()",
		"States.Hash($.d, 'SHA-256')",
		"States.ArrayLength(States.StringSplit($.s, ','))",
		"States.Format($.template, $.a)",
		"States.Format('\\{\\} is not a placeholder, {} is', $.a)",
		"States.Array($myVar, $$.Execution.Id, $.a['b,c'])",
		// Accepted by AWS (issue #23, LocalStack's recorded runs).
		"States.JsonToString(States.JsonMerge($.inputDefaults, $$.Execution.Input, false))",
		`States.StringToJson('{"a": "b"}')`,
	}
	for _, s := range good {
		if _, err := asl.ParseIntrinsic(s); err != nil {
			t.Errorf("ParseIntrinsic(%q): %v", s, err)
		}
	}
	bad := map[string]string{
		"States.Format('{} {}', $.a)":    "placeholder",
		"States.UUID(1)":                 "takes 0",
		"States.Hash($.d, 'SHA-2')":      "algorithm",
		"States.JsonToString('x')":       "takes a path",
		"States.ArrayRange(1, 9, 0)":     "must not be zero",
		"States.Nope($.a)":               "unknown",
		"States.MathAdd($.a)":            "takes 2",
		"States.Format('x'":              "missing",
		"States.Array('unterminated)":    "unterminated",
		"States.Array($.a, $.b[)":        "path",
		"States.ArrayLength(States.X())": "unknown",
		"States.Format('\\n')":           "invalid escape",
		"States.Format(1)":               "must be a string",
	}
	for in, want := range bad {
		_, err := asl.ParseIntrinsic(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIntrinsic(%q) = %v, want an error mentioning %q", in, err, want)
		}
	}
}

func TestIntrinsicFormatKeepsEscapedBracesApartFromPlaceholders(t *testing.T) {
	fn, err := asl.ParseIntrinsic(`States.Format('a\{\}b{}c', $.x)`)
	if err != nil {
		t.Fatal(err)
	}
	if a := fn.Args[0]; a.Text != "a{}b{}c" || strings.Join(a.Parts, "|") != "a{}b|c" {
		t.Errorf("text %q parts %q", a.Text, a.Parts)
	}
	if p := fn.Args[1].Path; p == nil || p.Source != "$.x" {
		t.Errorf("path argument %+v", fn.Args[1])
	}
}

func TestParseExpressionFindsVariablesAndStatesMembers(t *testing.T) {
	tests := []struct {
		src          string
		vars, states string
		root         bool
	}{
		{"{% $states.input.a + $x %}", "x", "input", false},
		{"{% $merge([$states.result, {'e': $states.errorOutput.Cause}]) %}", "", "errorOutput,result", false},
		{"{% ($y := 2; $y + $z) %}", "z", "", false},
		{"{% $map($states.input.items, function($i) { $i * $rate }) %}", "rate", "input", false},
		{"{% $states %}", "", "", false},
		{"{% $$.a %}", "", "", true},
		{"{% $count($states.context.Map.Item.Value) > $limit ? 'a' : 'b' %}", "limit", "context", false},
		{"{% $exists($maybe) ? $maybe : 0 %}", "maybe", "", false},
		{"{% $exists($maybe.a) %}", "", "", false},
		// A built-in function named without a call is the function, not a
		// variable (issue #23: AWS runs [($type = "tool_use")]).
		{`{% $states.input.content[($type = "tool_use")] %}`, "", "input", false},
	}
	for _, tt := range tests {
		e, msg := asl.ParseExpression(tt.src)
		if msg != "" || e == nil {
			t.Fatalf("ParseExpression(%q): %s", tt.src, msg)
		}
		if got := strings.Join(e.Vars, ","); got != tt.vars {
			t.Errorf("%s: vars %q, want %q", tt.src, got, tt.vars)
		}
		if got := strings.Join(e.States, ","); got != tt.states && !(tt.src == "{% $states %}" && got == "") {
			t.Errorf("%s: states %q, want %q", tt.src, got, tt.states)
		}
		if e.Root != tt.root {
			t.Errorf("%s: root %v", tt.src, e.Root)
		}
	}
	if e, _ := asl.ParseExpression("{% $exists($maybe.a) %}"); strings.Join(e.Guarded, ",") != "maybe" {
		t.Errorf("a read inside $exists is guarded: %v", e.Guarded)
	}
	for in, want := range map[string]string{
		"{% $states.input.a ":  "not a complete",
		" {% 1 %}":             "whitespace",
		"{%   %}":              "empty",
		"{% $states.input. %}": "does not parse",
		"{% (1 %}":             "does not parse",
	} {
		if _, msg := asl.ParseExpression(in); !strings.Contains(msg, want) {
			t.Errorf("ParseExpression(%q) = %q, want a message mentioning %q", in, msg, want)
		}
	}
	if e, msg := asl.ParseExpression("plain text"); e != nil || msg != "" {
		t.Errorf("a plain string is not an expression: %v %q", e, msg)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte(`{"StartAt":"A","States":{"A":{"Type":"Map","Iterator":{"States":{"B":{}}}}}}`))
	f.Add([]byte(`{"States":{"A":{"Branches":[{"States":{"A":{"Retry":[{"ErrorEquals":[1]}]}}}]}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := asl.Parse(data)
		if err != nil {
			return
		}
		d.Walk(func(s *asl.State) {
			_ = s.Transitions()
			_ = s.IsTerminal()
			for _, r := range s.Retry {
				_ = r.Delay(3)
			}
		})
	})
}

func FuzzCheckIntrinsic(f *testing.F) {
	f.Add("States.Format('{}', $.a)")
	f.Add("States.Array(States.Array(1, 'x', null), $$.Execution.Id)")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = asl.ParseIntrinsic(s)
		_, _ = asl.ParsePath(s)
		_, _ = asl.ParseExpression(s)
	})
}

// FuzzParseExpression checks that parsing and analysing arbitrary JSONata
// never panics.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"$states.input.a + $x", "($y := 2; $map($z, function($i){$i * $y}))", "$exists($v.a) ? $v : {'a': [1, 2]}", "$states.result[0].b ~> $count()"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = asl.ParseExpression("{%" + s + "%}")
	})
}
