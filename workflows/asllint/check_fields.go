package asllint

import (
	"fmt"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

var commonFields = []string{"Type", "Comment", "QueryLanguage"}

// allowedFields lists, per state type, every field either query language
// allows; query-language then rejects the ones of the other language.
var allowedFields = map[string][]string{
	asl.TypePass:    {"Next", "End", "InputPath", "OutputPath", "ResultPath", "Parameters", "Result", "Assign", "Output"},
	asl.TypeTask:    {"Next", "End", "Resource", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Retry", "Catch", "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath", "Credentials", "Assign", "Arguments", "Output"},
	asl.TypeChoice:  {"Choices", "Default", "InputPath", "OutputPath", "Assign", "Output"},
	asl.TypeWait:    {"Next", "End", "Seconds", "SecondsPath", "Timestamp", "TimestampPath", "InputPath", "OutputPath", "Assign", "Output"},
	asl.TypeSucceed: {"InputPath", "OutputPath", "Output"},
	asl.TypeFail:    {"Error", "ErrorPath", "Cause", "CausePath"},
	asl.TypeParallel: {"Next", "End", "Branches", "InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector",
		"Retry", "Catch", "Assign", "Arguments", "Output"},
	asl.TypeMap: {"Next", "End", "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemReader", "ItemSelector", "ItemBatcher",
		"ResultWriter", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
		"ToleratedFailureCount", "ToleratedFailureCountPath", "InputPath", "OutputPath", "ResultPath", "Parameters",
		"ResultSelector", "Retry", "Catch", "Assign", "Output", "Label"},
}

// jsonPathOnly are state fields a JSONata state must not use.
var jsonPathOnly = []string{"InputPath", "OutputPath", "ResultPath", "Parameters", "ResultSelector", "Result", "ItemsPath",
	"TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath",
	"MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath", "Iterator"}

// jsonataOnly are state fields a JSONPath state must not use.
var jsonataOnly = []string{"Arguments", "Output", "Items"}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func checkUnknownField(l *linter) {
	l.states(func(s *asl.State) {
		allowed, ok := allowedFields[s.Type]
		if !ok {
			return
		}
		for _, k := range s.KeyOrder {
			if !contains(commonFields, k) && !contains(allowed, k) {
				l.report(s, fieldPath(s, k), fmt.Sprintf("field %q is not allowed in a %s state", k, s.Type), "remove it or move it to a state type that takes it")
			}
		}
	})
}

func checkQueryLanguage(l *linter) {
	if v, ok := l.def.Raw["QueryLanguage"]; ok && v != string(asl.JSONPath) && v != string(asl.JSONata) {
		l.report(nil, "QueryLanguage", fmt.Sprintf("QueryLanguage must be JSONPath or JSONata, got %s", quoteAny(v)), `use "JSONata" or "JSONPath"`)
	}
	l.states(func(s *asl.State) {
		if v, ok := s.Raw["QueryLanguage"]; ok {
			if v != string(asl.JSONPath) && v != string(asl.JSONata) {
				l.report(s, fieldPath(s, "QueryLanguage"), fmt.Sprintf("QueryLanguage must be JSONPath or JSONata, got %s", quoteAny(v)), `use "JSONata" or "JSONPath"`)
			} else if v == string(asl.JSONPath) && l.def.QueryLanguage == asl.JSONata {
				l.report(s, fieldPath(s, "QueryLanguage"), "a JSONPath state inside a JSONata machine is rejected by Step Functions", "set the machine's QueryLanguage to JSONPath and opt single states into JSONata")
			}
		}
		var wrong []string
		if s.QueryLanguage == asl.JSONata {
			wrong = jsonPathOnly
		} else {
			wrong = jsonataOnly
		}
		for _, k := range s.KeyOrder {
			if contains(wrong, k) {
				l.report(s, fieldPath(s, k), fmt.Sprintf("field %q is not allowed in a %s state", k, s.QueryLanguage), hintForQL(s.QueryLanguage, k))
			}
		}
	})
	l.reportProblems()
}

// checkLanguageLookalike reports the values that look like the other query
// language ({% %} strings in JSONPath states, ".$" keys in JSONata ones,
// padded {% %} strings): plain values for AWS, which runs them.
func checkLanguageLookalike(l *linter) {
	l.reportProblems()
}

func hintForQL(ql asl.QueryLanguage, field string) string {
	if ql == asl.JSONata {
		return "JSONata states use Arguments, Output, Assign and {% %} expressions instead of " + field
	}
	return `set "QueryLanguage": "JSONata" on the state to use ` + field
}

// fieldKinds gives the JSON types of well-known state fields: s(tring),
// n(umber), b(oolean), o(bject), a(rray), j(SONata string, in JSONata
// states only), x (null).
var fieldKinds = map[string]string{
	"Comment": "s", "Next": "s", "End": "b", "Default": "s", "Resource": "s", "Retry": "a", "Catch": "a",
	"Seconds": "nj", "Timestamp": "s", "TimeoutSeconds": "nj", "HeartbeatSeconds": "nj",
	"Error": "s", "Cause": "s", "Assign": "oj", "Credentials": "o", "MaxConcurrency": "nj", "QueryLanguage": "s",
	"Parameters": "o", "ResultSelector": "o", "ItemSelector": "oj", "ItemProcessor": "o", "Iterator": "o",
	"ItemReader": "o", "ItemBatcher": "o", "ResultWriter": "o", "ToleratedFailurePercentage": "nj",
	"ToleratedFailureCount": "nj", "Items": "aj", "Label": "s", "Type": "s",
}

func kindOK(v any, kinds string, jsonata bool) bool {
	for _, k := range kinds {
		switch k {
		case 's':
			if _, ok := v.(string); ok {
				return true
			}
		case 'n':
			if _, ok := v.(float64); ok {
				return true
			}
		case 'b':
			if _, ok := v.(bool); ok {
				return true
			}
		case 'o':
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case 'a':
			if _, ok := v.([]any); ok {
				return true
			}
		case 'j':
			if t, ok := v.(string); ok && jsonata && asl.IsJSONataString(t) {
				return true
			}
		}
	}
	return false
}

var kindNames = map[rune]string{'s': "a string", 'n': "a number", 'b': "a boolean", 'o': "an object", 'a': "an array", 'j': "a JSONata string"}

func checkFieldType(l *linter) {
	l.states(func(s *asl.State) {
		for _, k := range s.KeyOrder {
			kinds, ok := fieldKinds[k]
			if !ok || k == "Type" {
				continue
			}
			if k == "Parameters" && s.Type == asl.TypePass {
				// Step Functions accepts any JSON value as a Pass state's
				// Parameters (public samples pass arrays).
				continue
			}
			v := s.Raw[k]
			if kindOK(v, kinds, s.QueryLanguage == asl.JSONata) {
				continue
			}
			var names []string
			for _, c := range kinds {
				if c == 'j' && s.QueryLanguage != asl.JSONata {
					continue
				}
				names = append(names, kindNames[c])
			}
			l.report(s, fieldPath(s, k), fmt.Sprintf("%s must be %s, got %s", k, strings.Join(names, " or "), quoteAny(v)), "fix the value's JSON type")
		}
	})
}

// checkPathSyntax, checkPayloadTemplate and checkIntrinsicFunction report
// what asl.Parse found wrong in paths, payload templates and intrinsic
// functions.
func checkPathSyntax(l *linter) { l.reportProblems() }

func checkPayloadTemplate(l *linter) { l.reportProblems() }

func checkIntrinsicFunction(l *linter) { l.reportProblems() }

// checkJSONataExpression reports expressions that do not parse, misshapen
// {% %} strings and Conditions, and reads of $$, which Step Functions does
// not provide in JSONata states.
func checkJSONataExpression(l *linter) {
	l.reportProblems()
	l.states(func(s *asl.State) {
		l.templates(s, func(path string, t *asl.Template) {
			t.Expressions(func(e *asl.Expression) {
				if e.Root {
					l.report(s, path, fmt.Sprintf("JSONata expression %q uses $$, which Step Functions does not provide; use $states.input", "{%"+e.Source+"%}"), "write the expression as {% <JSONata> %}")
				}
			})
		})
	})
}

func checkWaitFields(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeWait {
			return
		}
		var present []string
		for _, k := range []string{"Seconds", "Timestamp", "SecondsPath", "TimestampPath"} {
			if has(s.Raw, k) {
				present = append(present, k)
			}
		}
		if len(present) != 1 {
			l.report(s, s.Path, fmt.Sprintf("a Wait state needs exactly one of Seconds, Timestamp, SecondsPath and TimestampPath, has %d", len(present)), "keep a single way to say how long to wait")
		}
		if v, ok := s.Raw["Seconds"].(float64); ok && (!isInt(v) || v < 0 || v > 99999999) {
			l.report(s, fieldPath(s, "Seconds"), fmt.Sprintf("Seconds must be a non-negative integer, got %g", v), "use whole seconds")
		}
		if v, ok := s.Raw["Timestamp"].(string); ok && !(s.QueryLanguage == asl.JSONata && asl.IsJSONataString(v)) && !validTimestamp(v) {
			l.report(s, fieldPath(s, "Timestamp"), fmt.Sprintf("Timestamp %q is not an RFC 3339 timestamp with an uppercase T and Z or offset", v), "write it like 2016-03-14T01:59:00Z")
		}
	})
}

func checkTaskFields(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeTask {
			return
		}
		if !has(s.Raw, "Resource") {
			l.report(s, fieldPath(s, "Resource"), "a Task state needs a Resource", "name the Lambda function ARN or arn:aws:states:::<service>:<action>")
		}
		for _, pair := range [][2]string{{"TimeoutSeconds", "TimeoutSecondsPath"}, {"HeartbeatSeconds", "HeartbeatSecondsPath"}} {
			if has(s.Raw, pair[0]) && has(s.Raw, pair[1]) {
				l.report(s, fieldPath(s, pair[1]), fmt.Sprintf("a Task must not have both %s and %s", pair[0], pair[1]), "keep the static or the dynamic one")
			}
			if v, ok := s.Raw[pair[0]].(float64); ok && (!isInt(v) || v < 1 || v > 99999999) {
				l.report(s, fieldPath(s, pair[0]), fmt.Sprintf("%s must be a positive integer, got %g", pair[0], v), "use whole seconds >= 1")
			}
		}
		if s.TimeoutSeconds != nil && s.HeartbeatSeconds != nil && *s.HeartbeatSeconds >= *s.TimeoutSeconds {
			l.report(s, fieldPath(s, "HeartbeatSeconds"), fmt.Sprintf("HeartbeatSeconds (%g) must be smaller than TimeoutSeconds (%g)", *s.HeartbeatSeconds, *s.TimeoutSeconds), "lower HeartbeatSeconds or raise TimeoutSeconds")
		}
	})
}

func checkMapFields(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeMap {
			return
		}
		raw := s.Raw
		n := 0
		for _, k := range []string{"ItemProcessor", "Iterator"} {
			if has(raw, k) {
				n++
			}
		}
		if n != 1 {
			l.report(s, s.Path, "a Map state needs exactly one of ItemProcessor and Iterator", "define the iteration in ItemProcessor")
		}
		exclusive := func(obj map[string]any, base string, a, b string) {
			if has(obj, a) && has(obj, b) {
				l.report(s, base+"."+b, fmt.Sprintf("a Map state must not have both %s and %s", a, b), "keep one of them")
			}
		}
		exclusive(raw, s.Path, "ItemSelector", "Parameters")
		exclusive(raw, s.Path, "MaxConcurrency", "MaxConcurrencyPath")
		exclusive(raw, s.Path, "ToleratedFailureCount", "ToleratedFailureCountPath")
		exclusive(raw, s.Path, "ToleratedFailurePercentage", "ToleratedFailurePercentagePath")
		if v, ok := raw["MaxConcurrency"].(float64); ok && (!isInt(v) || v < 0) {
			l.report(s, fieldPath(s, "MaxConcurrency"), fmt.Sprintf("MaxConcurrency must be a non-negative integer, got %g", v), "use 0 for no limit")
		}
		if v, ok := raw["ToleratedFailureCount"].(float64); ok && (!isInt(v) || v < 0) {
			l.report(s, fieldPath(s, "ToleratedFailureCount"), fmt.Sprintf("ToleratedFailureCount must be a non-negative integer, got %g", v), "use a whole number")
		}
		if v, ok := raw["ToleratedFailurePercentage"].(float64); ok && (v < 0 || v > 100) {
			l.report(s, fieldPath(s, "ToleratedFailurePercentage"), fmt.Sprintf("ToleratedFailurePercentage must be between 0 and 100, got %g", v), "use a percentage")
		}
		if ir, ok := raw["ItemReader"].(map[string]any); ok {
			if !has(ir, "Resource") {
				l.report(s, fieldPath(s, "ItemReader", "Resource"), "an ItemReader needs a Resource", "name the reader, e.g. arn:aws:states:::s3:getObject")
			}
			if rc, ok := ir["ReaderConfig"].(map[string]any); ok {
				exclusive(rc, fieldPath(s, "ItemReader", "ReaderConfig"), "MaxItems", "MaxItemsPath")
			}
		}
		if ib, ok := raw["ItemBatcher"].(map[string]any); ok {
			base := fieldPath(s, "ItemBatcher")
			exclusive(ib, base, "MaxItemsPerBatch", "MaxItemsPerBatchPath")
			exclusive(ib, base, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
			if !has(ib, "MaxItemsPerBatch") && !has(ib, "MaxItemsPerBatchPath") && !has(ib, "MaxInputBytesPerBatch") && !has(ib, "MaxInputBytesPerBatchPath") {
				l.report(s, base, "an ItemBatcher needs MaxItemsPerBatch or MaxInputBytesPerBatch (or their Path forms)", "set a batch limit")
			}
		}
		if rw, ok := raw["ResultWriter"].(map[string]any); ok && !has(rw, "Resource") {
			l.report(s, fieldPath(s, "ResultWriter", "Resource"), "a ResultWriter needs a Resource", "name the writer, e.g. arn:aws:states:::s3:putObject")
		}
	})
}

func checkParallelFields(l *linter) {
	l.states(func(s *asl.State) {
		if s.Type != asl.TypeParallel {
			return
		}
		arr, ok := s.Raw["Branches"].([]any)
		if !ok || len(arr) == 0 {
			l.report(s, fieldPath(s, "Branches"), "a Parallel state needs a non-empty Branches array", "add at least one branch with StartAt and States")
			return
		}
		for i, x := range arr {
			if _, ok := x.(map[string]any); !ok {
				l.report(s, fieldPath(s, fmt.Sprintf("Branches[%d]", i)), "a branch must be an object with StartAt and States", "write the branch as an object")
			}
		}
	})
}
