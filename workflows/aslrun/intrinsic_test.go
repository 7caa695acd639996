package aslrun

import (
	"errors"
	"strings"
	"testing"
)

func TestIntrinsicFunctions(t *testing.T) {
	const input = `{"name":"Arnav","tmpl":"Hello, my name is {}.","escaped":"{\"foo\":\"bar\"}","obj":{"foo":"bar"},
	  "arr":[1,2,3,4,5,6,7,8,9],"dups":[1,"1",1,{"a":1},{"a":1.0},null,null],"n":3,"csv":"a,b,,c","b64":"ZGF0YQ==","items":[{"id":1}]}`
	tests := []struct {
		name, expr, want string
	}{
		{"Format fills placeholders from literals and paths", `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{"Format takes its template from a path", `States.Format($.tmpl, $.name)`, `"Hello, my name is Arnav."`},
		{"Format renders numbers, booleans and null as JSON", `States.Format('{} {} {} {}', 1.5, true, null, $.n)`, `"1.5 true null 3"`},
		{"Format keeps escaped braces and quotes literal", `States.Format('\{\} it\'s {} \\', $.name)`, `"{} it's Arnav \\"`},
		{"StringToJson parses a JSON string", `States.StringToJson($.escaped)`, `{"foo":"bar"}`},
		{"JsonToString serialises compactly", `States.JsonToString($.obj)`, `"{\"foo\":\"bar\"}"`},
		{"Array collects its arguments", `States.Array($.name, 1, States.Array())`, `["Arnav",1,[]]`},
		{"ArrayPartition splits into chunks", `States.ArrayPartition($.arr, 4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"ArrayContains finds a value", `States.ArrayContains($.arr, 5)`, `true`},
		{"ArrayContains compares by type", `States.ArrayContains($.dups, '2')`, `false`},
		{"ArrayRange counts up inclusively", `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayRange counts down", `States.ArrayRange(3, 1, -1)`, `[3,2,1]`},
		{"ArrayRange with an unreachable end is empty", `States.ArrayRange(1, 0, 1)`, `[]`},
		{"ArrayGetItem indexes from zero", `States.ArrayGetItem($.arr, 4)`, `5`},
		{"ArrayLength counts", `States.ArrayLength($.arr)`, `9`},
		{"ArrayUnique keeps the first of equal values", `States.ArrayUnique($.dups)`, `[1,"1",{"a":1},null]`},
		{"Base64Encode", `States.Base64Encode('data')`, `"ZGF0YQ=="`},
		{"Base64Decode", `States.Base64Decode($.b64)`, `"data"`},
		{"Hash SHA-256", `States.Hash('abc', 'SHA-256')`, `"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"`},
		{"Hash MD5", `States.Hash('abc', 'MD5')`, `"900150983cd24fb0d6963f7d28e17f72"`},
		{"Hash SHA-1", `States.Hash('abc', 'SHA-1')`, `"a9993e364706816aba3e25717850c26c9cd0d89d"`},
		{"JsonMerge is shallow and the second object wins", `States.JsonMerge($.obj, States.StringToJson('\{"foo":1,"x":2\}'), false)`, `{"foo":1,"x":2}`},
		{"MathAdd adds integers", `States.MathAdd($.n, -5)`, `-2`},
		{"MathRandom with a seed is deterministic and in range", `States.MathRandom(10, 11, 7)`, `10`},
		{"StringSplit splits on any delimiter and drops empty parts", `States.StringSplit($.csv, ',')`, `["a","b","c"]`},
		{"StringSplit with several delimiter characters", `States.StringSplit('This.is+a,test=string', '.+,=')`, `["This","is","a","test","string"]`},
		{"UUID uses the configured generator", `States.UUID()`, `"00000000-0000-4000-8000-000000000001"`},
		{"calls nest", `States.ArrayLength(States.ArrayPartition(States.ArrayRange(1, 10, 1), 3))`, `4`},
		{"paths with brackets and commas inside quotes work as arguments", `States.Format('{}', $.items[0]['id'])`, `"1"`},
		{"context paths work as arguments", `States.Format('{}/{}', $$.Execution.Name, $$.State.Name)`, `"test-exec/S"`},
		// AWS runs these (issue #23; LocalStack's recorded
		// test_json_merge_escaped_argument): JsonToString takes a call's
		// result, and a lone brace in a literal is a brace.
		{"JsonToString of a nested call's result", `States.JsonToString(States.JsonMerge($.obj, $$.Execution.Input.items[0], false))`, `"{\"foo\":\"bar\",\"id\":1}"`},
		{"StringToJson of a literal with unescaped braces", `States.StringToJson('{"a": "b"}')`, `{"a":"b"}`},
		{"JsonMerge of a literal with unescaped braces", `States.JsonMerge(States.StringToJson('{"constant_in_literal": "false"}'), $.obj, false)`, `{"constant_in_literal":"false","foo":"bar"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := oneState(`{"Type":"Pass","Parameters":{"v.$":` + quote(tt.expr) + `},"OutputPath":"$.v","End":true}`)
			m := mustNew(t, def, Options{NewUUID: func() string { return "00000000-0000-4000-8000-000000000001" }})
			exec := mustRun(t, m, input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if !jsonEq(t, exec.Output, tt.want) {
				t.Errorf("%s = %s, want %s", tt.expr, exec.Output, tt.want)
			}
		})
	}
}

func TestIntrinsicFunctionRuntimeErrors(t *testing.T) {
	tests := []struct{ name, expr string }{
		{"Format with fewer values than placeholders from a path template", `States.Format($.tmpl)`},
		{"StringToJson of a non-JSON string", `States.StringToJson($.name)`},
		{"StringToJson of a number", `States.StringToJson($.n)`},
		{"ArrayPartition with a zero chunk size", `States.ArrayPartition($.arr, 0)`},
		{"ArrayRange with a zero step", `States.ArrayRange(1, 5, $.zero)`},
		{"ArrayRange of more than 1000 items", `States.ArrayRange(1, 2000, 1)`},
		{"ArrayGetItem out of range", `States.ArrayGetItem($.arr, 9)`},
		{"ArrayGetItem with a fractional index", `States.ArrayGetItem($.arr, 1.5)`},
		{"ArrayLength of an object", `States.ArrayLength($.obj)`},
		{"Base64Decode of invalid base64", `States.Base64Decode('%%%')`},
		{"Hash with an unknown algorithm", `States.Hash('a', $.name)`},
		{"JsonMerge deep", `States.JsonMerge($.obj, $.obj, true)`},
		{"JsonMerge of an array", `States.JsonMerge($.arr, $.obj, false)`},
		{"MathAdd of a string", `States.MathAdd($.name, 1)`},
		{"MathAdd beyond 32 bits", `States.MathAdd(2147483648, 1)`},
		{"MathRandom with end before start", `States.MathRandom(5, 1)`},
		{"a path argument that matches nothing", `States.ArrayLength($.missing)`},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is a States.Runtime error", func(t *testing.T) {
			def := oneState(`{"Type":"Pass","Parameters":{"v.$":` + quote(tt.expr) + `},"End":true}`)
			exec := mustRun(t, mustNew(t, def, Options{}), `{"name":"x","tmpl":"{} {}","obj":{"a":1},"n":1,"zero":0,"arr":[1,2,3,4,5,6,7,8,9]}`)
			if exec.Status != Failed || exec.Error != ErrRuntime {
				t.Errorf("got %s %s (%s), want FAILED States.Runtime", exec.Status, exec.Error, exec.Cause)
			}
		})
	}
}

// Step Functions validates intrinsic function calls when the state machine
// is created; aslrun does the same in New.
func TestMalformedIntrinsicFunctionsAreDefinitionErrors(t *testing.T) {
	tests := []struct{ name, expr string }{
		{"an unknown function", `States.Nope($.a)`},
		{"too few arguments", `States.ArrayGetItem($.a)`},
		{"too many arguments", `States.ArrayLength($.a, $.b)`},
		{"arguments to UUID", `States.UUID(1)`},
		{"a Format literal with more placeholders than values", `States.Format('{} {}', $.a)`},
		{"an unterminated string", `States.Format('abc)`},
		{"an invalid escape", `States.Format('\n')`},
		{"a missing parenthesis", `States.Array(1, 2`},
		{"trailing text", `States.Array(1) x`},
		{"a bad path", `States.Array($.a[)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := oneState(`{"Type":"Pass","Parameters":{"v.$":` + quote(tt.expr) + `},"End":true}`)
			_, err := New([]byte(def), Options{})
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("New(%s) = %v, want a *DefinitionError", tt.expr, err)
			}
			if !strings.Contains(de.Path, ".Parameters.v.$") {
				t.Errorf("error path %q does not point at the field", de.Path)
			}
		})
	}
}

// quote renders s as a JSON string.
func quote(s string) string {
	return string(mustEncode(s))
}
