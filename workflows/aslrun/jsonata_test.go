package aslrun

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// echo is an invoker that answers with its input, wrapped as
// {"in": input}, so tests can tell the result from the input.
var echo = InvokerFunc(func(_ context.Context, _ string, in json.RawMessage) (json.RawMessage, error) {
	return json.RawMessage(`{"in":` + string(in) + `}`), nil
})

// jsonataMachine wraps states in a JSONata machine starting at the first.
func jsonataMachine(start, states string) string {
	return `{"QueryLanguage":"JSONata","StartAt":"` + start + `","States":{` + states + `}}`
}

// AWS, Transforming data with JSONata: "After selecting JSONata, your
// workflow fields will be reduced from five JSONPath fields (InputPath,
// Parameters, ResultSelector, ResultPath, and OutputPath) to only two
// fields: Arguments and Output", and "$states = { input: Original input to
// the state, result: API or sub-workflow's result (if successful),
// errorOutput: Error Output (only available in a Catch), context: Context
// object }".
func TestJSONataStates(t *testing.T) {
	tests := []struct {
		name, def, input, want string
		invoker                Invoker
	}{
		{
			name:  "a Pass state's Output reads $states.input",
			def:   jsonataMachine("P", `"P":{"Type":"Pass","Output":{"sum":"{% $states.input.a + $states.input.b %}","fixed":[1,"{% 'x' & 'y' %}"]},"End":true}`),
			input: `{"a":1,"b":2}`, want: `{"sum":3,"fixed":[1,"xy"]}`,
		},
		{
			name:  "without Output a Pass state passes its input on",
			def:   jsonataMachine("P", `"P":{"Type":"Pass","End":true}`),
			input: `{"a":1}`, want: `{"a":1}`,
		},
		{
			name:  "a Task's Arguments are its effective input and its Output reads $states.result",
			def:   jsonataMachine("T", `"T":{"Type":"Task","Resource":"r","Arguments":{"id":"{% $states.input.id %}"},"Output":{"got":"{% $states.result.in.id %}","from":"{% $states.input.id %}"},"End":true}`),
			input: `{"id":"p-1"}`, want: `{"got":"p-1","from":"p-1"}`,
			invoker: echo,
		},
		{
			name:  "without Output a Task's output is its result",
			def:   jsonataMachine("T", `"T":{"Type":"Task","Resource":"r","End":true}`),
			input: `{"id":1}`, want: `{"in":{"id":1}}`,
			invoker: echo,
		},
		{
			name:  "$states.context is the context object",
			def:   jsonataMachine("P", `"P":{"Type":"Pass","Output":"{% $states.context.State.Name & '/' & $states.context.Execution.Name %}","End":true}`),
			input: `{}`, want: `"P/test-exec"`,
		},
		{
			name:  "a state opts into JSONata inside a JSONPath machine",
			def:   `{"StartAt":"A","States":{"A":{"Type":"Pass","Parameters":{"v.$":"$.v"},"Next":"B"},"B":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.v * 2 %}","End":true}}}`,
			input: `{"v":21}`, want: `42`,
		},
		{
			name:  "a Choice rule's Condition picks the branch",
			def:   jsonataMachine("C", `"C":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.n > 10 %}","Next":"Big"},{"Condition":true,"Next":"Small"}]},"Big":{"Type":"Pass","Output":"big","End":true},"Small":{"Type":"Pass","Output":"small","End":true}`),
			input: `{"n":3}`, want: `"small"`,
		},
		{
			name:  "Wait takes its Seconds from an expression",
			def:   jsonataMachine("W", `"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Output":"waited","End":true}`),
			input: `{"s":2}`, want: `"waited"`,
		},
		{
			name:  "Map iterates over Items and shapes each with ItemSelector",
			def:   jsonataMachine("M", `"M":{"Type":"Map","Items":"{% $states.input.xs %}","MaxConcurrency":"{% 1 %}","ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","i":"{% $states.context.Map.Item.Index %}","k":"{% $states.input.k %}"},"ItemProcessor":{"StartAt":"D","States":{"D":{"Type":"Pass","Output":"{% $states.input.v * 10 + $states.input.i + $states.input.k %}","End":true}}},"Output":"{% $sum($states.result) %}","End":true}`),
			input: `{"xs":[1,2,3],"k":100}`, want: `363`,
		},
		{
			name:  "Parallel gives its branches the Arguments and its Output reads their results",
			def:   jsonataMachine("P", `"P":{"Type":"Parallel","Arguments":{"x":"{% $states.input.x %}"},"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Output":"{% $states.input.x + 1 %}","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","Output":"{% $states.input.x + 2 %}","End":true}}}],"Output":"{% $states.result %}","End":true}`),
			input: `{"x":1}`, want: `[2,3]`,
		},
		{
			name:  "a Succeed state's Output shapes the execution output",
			def:   jsonataMachine("S", `"S":{"Type":"Succeed","Output":{"ok":"{% $states.input.ok %}"}}`),
			input: `{"ok":true}`, want: `{"ok":true}`,
		},
		{
			name:  "the functions Step Functions adds are available",
			def:   jsonataMachine("P", `"P":{"Type":"Pass","Output":{"p":"{% $partition([1,2,3,4,5],2) %}","r":"{% $range(0,10,5) %}","h":"{% $hash('abc','SHA-256') %}","u":"{% $uuid() %}","j":"{% $parse('{\"a\":[1]}') %}","same":"{% $random(7) = $random(7) %}"},"End":true}`),
			input: `{}`, want: `{"p":[[1,2],[3,4],[5]],"r":[0,5,10],"h":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad","u":"00000000-0000-4000-8000-000000000001","j":{"a":[1]},"same":true}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, tt.def, Options{Invoker: tt.invoker, NewUUID: func() string { return "00000000-0000-4000-8000-000000000001" }})
			exec := mustRun(t, m, tt.input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if !jsonEq(t, exec.Output, tt.want) {
				t.Errorf("output %s, want %s", exec.Output, tt.want)
			}
		})
	}
}

func TestJSONataTimeoutSecondsAndFailFieldsAreExpressions(t *testing.T) {
	clock := newFakeClock()
	def := jsonataMachine("T", `"T":{"Type":"Task","Resource":"r","TimeoutSeconds":"{% $states.input.t %}","End":true,
	  "Catch":[{"ErrorEquals":["States.Timeout"],"Next":"F"}]},
	  "F":{"Type":"Fail","Error":"{% 'Timed.' & $states.input.Error %}","Cause":"{% 'cause:' & $states.input.Cause %}"}`)
	exec := mustRun(t, mustNew(t, def, Options{Invoker: hang(clock, 3*time.Second), Clock: clock}), `{"t":2}`)
	// A task time-out has an empty cause, as AWS records it.
	if exec.Status != Failed || exec.Error != "Timed.States.Timeout" || exec.Cause != "cause:" {
		t.Errorf("got %s %q %q, want FAILED Timed.States.Timeout \"cause:\"", exec.Status, exec.Error, exec.Cause)
	}
}

// AWS, Passing data between states with variables: "All expressions in
// Assign and Output are evaluated in parallel using variable values as
// they were on state entry. New values only take effect in the next
// state", with the example of swapping $x and $y in one Assign.
func TestAssignTakesEffectAfterTheState(t *testing.T) {
	def := jsonataMachine("Init", `
	  "Init":{"Type":"Pass","Assign":{"x":3,"y":6},"Next":"Swap"},
	  "Swap":{"Type":"Pass","Assign":{"x":"{% $y %}","y":"{% $x %}"},"Output":{"outX":"{% $x %}"},"Next":"Read"},
	  "Read":{"Type":"Pass","Output":{"x":"{% $x %}","y":"{% $y %}","before":"{% $states.input.outX %}"},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{}), `{}`)
	if !jsonEq(t, exec.Output, `{"x":6,"y":3,"before":3}`) {
		t.Errorf("output %s, want the swapped values, and Output reading the values on entry", exec.Output)
	}
}

// AWS, variable scope: "Inner scopes can READ variables from outer
// scopes", "Variables in different Parallel branches or Map iterations are
// isolated from each other" and "When a Parallel branch or Map iteration
// completes, its variables go out of scope"; "A Catch block in a Parallel
// or Map state can assign values to variables in the outer scope".
func TestVariableScopes(t *testing.T) {
	def := jsonataMachine("Init", `
	  "Init":{"Type":"Pass","Assign":{"rate":10},"Next":"Fan"},
	  "Fan":{"Type":"Parallel","Branches":[
	      {"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"mine":"a"},"Next":"A2"},"A2":{"Type":"Pass","Output":"{% $mine & $string($rate) %}","End":true}}},
	      {"StartAt":"B","States":{"B":{"Type":"Pass","Output":"{% $exists($mine) %}","End":true}}}],
	    "Assign":{"results":"{% $states.result %}"},"Next":"Each"},
	  "Each":{"Type":"Map","Items":[1,2],"ItemProcessor":{"StartAt":"I","States":{
	      "I":{"Type":"Pass","Assign":{"item":"{% $states.input %}"},"Next":"I2"},
	      "I2":{"Type":"Pass","Output":"{% $item * $rate %}","End":true}}},
	    "Assign":{"scaled":"{% $states.result %}"},"Next":"Done"},
	  "Done":{"Type":"Pass","Output":{"results":"{% $results %}","scaled":"{% $scaled %}","leaked":"{% $exists($mine) or $exists($item) %}"},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{}), `{}`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `{"results":["a10",false],"scaled":[10,20],"leaked":false}`) {
		t.Errorf("got %s %s %s", exec.Status, exec.Cause, exec.Output)
	}
}

func TestCatchOutputAndAssignReadTheErrorOutput(t *testing.T) {
	def := jsonataMachine("T", `
	  "T":{"Type":"Task","Resource":"r","Next":"Ok",
	    "Catch":[{"ErrorEquals":["States.ALL"],"Output":{"why":"{% $states.errorOutput.Cause %}","orig":"{% $states.input.k %}"},"Assign":{"failedWith":"{% $states.errorOutput.Error %}"},"Next":"Handle"}]},
	  "Ok":{"Type":"Succeed"},
	  "Handle":{"Type":"Pass","Output":{"in":"{% $states.input %}","var":"{% $failedWith %}"},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{Invoker: alwaysFail("Custom.Boom")}), `{"k":"v"}`)
	if !jsonEq(t, exec.Output, `{"in":{"why":"boom","orig":"v"},"var":"Custom.Boom"}`) {
		t.Errorf("output %s", exec.Output)
	}
}

func TestChoiceRuleAssignReplacesTheStateAssign(t *testing.T) {
	def := jsonataMachine("C", `
	  "C":{"Type":"Choice","Assign":{"tier":"standard"},"Default":"D",
	    "Choices":[{"Condition":"{% $states.input.v > 100 %}","Assign":{"tier":"premium"},"Next":"D"}]},
	  "D":{"Type":"Pass","Output":"{% $tier %}","End":true}`)
	for in, want := range map[string]string{`{"v":500}`: `"premium"`, `{"v":5}`: `"standard"`} {
		if exec := mustRun(t, mustNew(t, def, Options{}), in); !jsonEq(t, exec.Output, want) {
			t.Errorf("input %s: output %s, want %s", in, exec.Output, want)
		}
	}
}

// Assign works in JSONPath states too: "key.$" paths read the state's
// result, and "$name" paths read a variable.
func TestAssignInJSONPathStates(t *testing.T) {
	def := `{"StartAt":"T","States":{
	  "T":{"Type":"Task","Resource":"r","Assign":{"id.$":"$.in.id","n":1},"ResultPath":null,"Next":"P"},
	  "P":{"Type":"Pass","Parameters":{"id.$":"$id","n.$":"States.MathAdd($n, 1)","same.$":"$.id"},"End":true}}}`
	exec := mustRun(t, mustNew(t, def, Options{Invoker: echo}), `{"id":"x"}`)
	if !jsonEq(t, exec.Output, `{"id":"x","n":2,"same":"x"}`) {
		t.Errorf("output %s", exec.Output)
	}
}

// AWS, Handling States.QueryEvaluationError: "JSONata expressions can fail
// at runtime. Common causes: Type error ..., Type incompatibility ...,
// Value out of range ..., Undefined result — JSON cannot represent
// undefined", and its example retries and catches the error.
func TestQueryEvaluationError(t *testing.T) {
	tests := []struct{ name, output string }{
		{"an undefined result", `"{% $states.input.missing %}"`},
		{"a type error", `"{% $states.input.s + 1 %}"`},
		{"a variable never assigned", `"{% $nowhere %}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" fails the state with States.QueryEvaluationError", func(t *testing.T) {
			exec := mustRun(t, mustNew(t, jsonataMachine("P", `"P":{"Type":"Pass","Output":`+tt.output+`,"End":true}`), Options{}), `{"s":"x"}`)
			if exec.Status != Failed || exec.Error != ErrQueryEvaluation {
				t.Errorf("got %s %s %s", exec.Status, exec.Error, exec.Cause)
			}
		})
	}
	t.Run("States.ALL retries and catches it", func(t *testing.T) {
		inv := &scriptedInvoker{}
		def := jsonataMachine("T", `"T":{"Type":"Task","Resource":"r","Output":"{% $states.result.missing %}","End":true,
		  "Retry":[{"ErrorEquals":["States.QueryEvaluationError"],"MaxAttempts":1}],
		  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Pass","End":true}`)
		exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `{}`)
		if exec.Status != Succeeded || !strings.Contains(string(exec.Output), ErrQueryEvaluation) || inv.callsTo("r") != 2 {
			t.Errorf("got %s %s after %d calls", exec.Status, exec.Output, inv.callsTo("r"))
		}
	})
	t.Run("a TimeoutSeconds that is not a positive integer", func(t *testing.T) {
		exec := mustRun(t, mustNew(t, jsonataMachine("T", `"T":{"Type":"Task","Resource":"r","TimeoutSeconds":"{% -1 %}","End":true}`), Options{}), `{}`)
		if exec.Error != ErrQueryEvaluation {
			t.Errorf("got %s %s", exec.Error, exec.Cause)
		}
	})
}

func TestJSONataExpressionsAreCheckedByNew(t *testing.T) {
	_, err := New([]byte(jsonataMachine("P", `"P":{"Type":"Pass","Output":"{% $states.input. %}","End":true}`)), Options{})
	var de *DefinitionError
	if !errors.As(err, &de) || !strings.Contains(de.Msg, "jsonata-expression") {
		t.Errorf("New = %v, want a jsonata-expression DefinitionError", err)
	}
}

// The JSONata functions of JSONata 2.0 that Step Functions documents, as
// github.com/xiatechs/jsonata-go v1.8.8 implements them here. missing lists
// those it lacks; the test fails when one of them starts working (update
// the list and the package documentation) or another stops.
func TestJSONataFunctionCoverage(t *testing.T) {
	var missing []string // every function JSONata 2.0.6 has runs ($eval aside, which AWS leaves out)
	calls := map[string]string{
		"string": `$string(1)`, "length": `$length('abc')`, "substring": `$substring('abc',1)`, "substringBefore": `$substringBefore('a-b','-')`,
		"substringAfter": `$substringAfter('a-b','-')`, "uppercase": `$uppercase('a')`, "lowercase": `$lowercase('A')`, "trim": `$trim(' a ')`,
		"pad": `$pad('a',3)`, "contains": `$contains('abc','b')`, "split": `$split('a,b',',')`, "join": `$join(['a','b'])`,
		"match": `$match('abc',/b/)`, "replace": `$replace('abc','b','x')`, "base64encode": `$base64encode('a')`, "base64decode": `$base64decode('YQ==')`,
		"encodeUrlComponent": `$encodeUrlComponent('a b')`, "encodeUrl": `$encodeUrl('a b')`, "decodeUrlComponent": `$decodeUrlComponent('a%20b')`,
		"decodeUrl": `$decodeUrl('a%20b')`, "number": `$number('1')`, "abs": `$abs(-1)`, "floor": `$floor(1.5)`, "ceil": `$ceil(1.5)`,
		"round": `$round(1.5)`, "power": `$power(2,3)`, "sqrt": `$sqrt(4)`, "random": `$random()`, "formatNumber": `$formatNumber(1234.5,'#,##0.00')`,
		"formatBase": `$formatBase(10,2)`, "formatInteger": `$formatInteger(12,'w')`, "parseInteger": `$parseInteger('twelve','w')`,
		"sum": `$sum([1,2])`, "max": `$max([1,2])`, "min": `$min([1,2])`, "average": `$average([1,2])`, "boolean": `$boolean(1)`,
		"not": `$not(true)`, "exists": `$exists(1)`, "count": `$count([1])`, "append": `$append([1],[2])`, "sort": `$sort([2,1])`,
		"reverse": `$reverse([1,2])`, "shuffle": `$shuffle([1,2])`, "distinct": `$distinct([1,1])`, "zip": `$zip([1],[2])`,
		"keys": `$keys({'a':1})`, "lookup": `$lookup({'a':1},'a')`, "spread": `$spread({'a':1})`, "merge": `$merge([{'a':1},{'b':2}])`,
		"sift": `$sift({'a':1},function($v){$v>0})`, "each": `$each({'a':1},function($v,$k){$k})`, "error": `$exists($error)`,
		"assert": `$assert(true,'x')`, "type": `$type(1)`, "now": `$now()`, "millis": `$millis()`, "fromMillis": `$fromMillis(0)`,
		"toMillis": `$toMillis('1970-01-01T00:00:00.000Z')`, "map": `$map([1],function($v){$v})`, "filter": `$filter([1,2],function($v){$v>1})`,
		"single": `$single([1,2],function($v){$v>1})`, "reduce": `$reduce([1,2],function($a,$b){$a+$b})`,
		"partition": `$partition([1],1)`, "range": `$range(1,2,1)`, "hash": `$hash('a','MD5')`, "uuid": `$uuid()`, "parse": `$parse('1')`,
	}
	var broken []string
	for name, call := range calls {
		def := jsonataMachine("P", `"P":{"Type":"Pass","Output":{"v":`+quote("{% "+call+" %}")+`},"End":true}`)
		exec := mustRun(t, mustNew(t, def, Options{}), `{}`)
		if exec.Status != Succeeded {
			broken = append(broken, name)
		}
	}
	slices.Sort(broken)
	if !slices.Equal(broken, missing) {
		t.Errorf("functions that fail: %v, want exactly %v", broken, missing)
	}
}

// A JSONata state's Assign may be one expression that gives the object of
// variables.
func TestAssignCanBeOneJSONataExpression(t *testing.T) {
	def := jsonataMachine("A", `"A":{"Type":"Pass","Assign":"{% {'x': $states.input.v, 'y': 2} %}","Next":"B"},
	  "B":{"Type":"Pass","Output":"{% $x + $y %}","End":true}`)
	if exec := mustRun(t, mustNew(t, def, Options{}), `{"v":40}`); !jsonEq(t, exec.Output, `42`) {
		t.Errorf("output %s (%s)", exec.Output, exec.Cause)
	}
}

// A variable read only inside $exists is bound when a state assigned it,
// and a built-in function named without a call ($type) is the function
// (issue #23: AWS runs [($type = "tool_use")]).
func TestJSONataExistsSeesAssignedVariablesAndBuiltInsAreFunctions(t *testing.T) {
	def := jsonataMachine("A", `"A":{"Type":"Pass","Assign":{"x":1},"Next":"B"},
	  "B":{"Type":"Pass","Output":{"x":"{% $exists($x) %}","y":"{% $exists($y) %}","fn":"{% $type = 'function' %}","kind":"{% $type($type) %}"},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{}), `{}`)
	if exec.Status != Succeeded {
		t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
	}
	if want := `{"x":true,"y":false,"fn":false,"kind":"function"}`; !jsonEq(t, exec.Output, want) {
		t.Errorf("output %s, want %s", exec.Output, want)
	}
}

// $formatInteger and $parseInteger, which JSONata 2.0.6 has and the
// library lacks (issue #23). The expected values are JSONata 2.0.6's own,
// run in tools/jsonatabench.
func TestJSONataFormatAndParseIntegerAsJSONata206(t *testing.T) {
	tests := []struct{ expr, want string }{
		{`$formatInteger(0, 'w')`, `"zero"`},
		{`$formatInteger(12, 'w')`, `"twelve"`},
		{`$formatInteger(123, 'w')`, `"one hundred and twenty-three"`},
		{`$formatInteger(2019, 'W')`, `"TWO THOUSAND AND NINETEEN"`},
		{`$formatInteger(1234567, 'Ww')`, `"One Million, Two Hundred and Thirty-Four Thousand, Five Hundred and Sixty-Seven"`},
		{`$formatInteger(21, 'w;o')`, `"twenty-first"`},
		{`$formatInteger(100, 'w;o')`, `"one hundredth"`},
		{`$formatInteger(1000000, 'w')`, `"one million"`},
		{`$formatInteger(40, 'w;o')`, `"fortieth"`},
		{`$formatInteger(1999, 'I')`, `"MCMXCIX"`},
		{`$formatInteger(14, 'i')`, `"xiv"`},
		{`$formatInteger(28, 'A')`, `"AB"`},
		{`$formatInteger(703, 'a')`, `"aaa"`},
		{`$formatInteger(7, '000')`, `"007"`},
		{`$formatInteger(1234567, '#,##0')`, `"1,234,567"`},
		{`$formatInteger(1234567, '#,###,##0')`, `"1,234,567"`},
		{`$formatInteger(12345, '00-000')`, `"12-345"`},
		{`$formatInteger(-42, '0')`, `"-42"`},
		{`$formatInteger(3.7, '0')`, `"3"`},
		{`$formatInteger(11, '0;o')`, `"11th"`},
		{`$formatInteger(22, '0;o')`, `"22nd"`},
		{`$formatInteger(103, '0;o')`, `"103rd"`},
		{`$formatInteger(1234, '#0')`, `"1234"`},
		{`$parseInteger('twelve', 'w')`, `12`},
		{`$parseInteger('one thousand, two hundred and thirty-four', 'w')`, `1234`},
		{`$parseInteger('MCMXCIX', 'I')`, `1999`},
		{`$parseInteger('xiv', 'i')`, `14`},
		{`$parseInteger('AB', 'A')`, `28`},
		{`$parseInteger('1,234,567', '#,##0')`, `1234567`},
		{`$parseInteger('12th', '0;o')`, `12`},
		{`$parseInteger('007', '000')`, `7`},
		{`$parseInteger('twenty-first', 'w;o')`, `21`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			def := jsonataMachine("A", `"A":{"Type":"Pass","Output":"{% `+strings.ReplaceAll(tt.expr, `"`, `\"`)+` %}","End":true}`)
			exec := mustRun(t, mustNew(t, def, Options{}), `{}`)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if !jsonEq(t, exec.Output, tt.want) {
				t.Errorf("%s = %s, want %s", tt.expr, exec.Output, tt.want)
			}
		})
	}
	// A picture that is no format fails the state.
	def := jsonataMachine("A", `"A":{"Type":"Pass","Output":"{% $formatInteger(1, 'x') %}","End":true}`)
	if exec := mustRun(t, mustNew(t, def, Options{}), `{}`); exec.Status != Failed || exec.Error != ErrQueryEvaluation {
		t.Errorf("picture 'x': %s %s %s, want States.QueryEvaluationError", exec.Status, exec.Error, exec.Cause)
	}
}
