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
	"Error": "s", "Cause": "s", "Assign": "o", "Credentials": "o", "MaxConcurrency": "nj", "QueryLanguage": "s",
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
			if t, ok := v.(string); ok && jsonata && isJSONataString(t) {
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

func isJSONataString(s string) bool {
	return strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}") && len(s) >= 4
}

func checkPathSyntax(l *linter) {
	l.states(func(s *asl.State) {
		if s.QueryLanguage == asl.JSONata {
			return
		}
		check := func(path string, v any, present, nullable, ref, noContext bool) {
			if !present {
				return
			}
			if v == nil {
				if !nullable {
					l.report(s, path, "must be a path, not null", "give a reference path such as $.items")
				}
				return
			}
			p, ok := v.(string)
			if !ok {
				l.report(s, path, fmt.Sprintf("must be a path string, got %s", quoteAny(v)), "give a path such as $.field")
				return
			}
			var info asl.PathInfo
			var err error
			if ref {
				info, err = asl.CheckReferencePath(p)
			} else {
				info, err = asl.CheckPath(p)
			}
			if err != nil {
				l.report(s, path, fmt.Sprintf("%q is not a valid %s: %v", p, map[bool]string{true: "reference path", false: "path"}[ref], err), "use a path such as $.field")
				return
			}
			if noContext && (info.Context || info.Variable != "") {
				l.report(s, path, fmt.Sprintf("%q must point into the state's data, not the Context Object or a variable", p), "use a path that starts with $.")
			}
		}
		raw := s.Raw
		for _, k := range []string{"InputPath", "OutputPath"} {
			check(fieldPath(s, k), raw[k], has(raw, k), true, false, false)
		}
		check(fieldPath(s, "ResultPath"), raw["ResultPath"], has(raw, "ResultPath"), true, true, true)
		for _, k := range []string{"ItemsPath", "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath",
			"MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath"} {
			check(fieldPath(s, k), raw[k], has(raw, k), false, true, false)
		}
		for _, k := range []string{"ErrorPath", "CausePath"} {
			if v, ok := raw[k].(string); ok && !strings.HasPrefix(v, "$") {
				if !asl.LooksIntrinsic(v) {
					l.report(s, fieldPath(s, k), fmt.Sprintf("%s %q is neither a reference path nor an intrinsic function", k, v), "use a path such as $.error.Cause")
				}
				continue
			}
			check(fieldPath(s, k), raw[k], has(raw, k), false, true, false)
		}
		for i, x := range asArray(raw["Catch"]) {
			if o, ok := x.(map[string]any); ok {
				check(fieldPath(s, fmt.Sprintf("Catch[%d]", i), "ResultPath"), o["ResultPath"], has(o, "ResultPath"), true, true, true)
			}
		}
		for _, sub := range []struct{ obj, key string }{{"ItemBatcher", "MaxItemsPerBatchPath"}, {"ItemBatcher", "MaxInputBytesPerBatchPath"}} {
			if o, ok := raw[sub.obj].(map[string]any); ok {
				check(fieldPath(s, sub.obj, sub.key), o[sub.key], has(o, sub.key), false, true, false)
			}
		}
		if ir, ok := raw["ItemReader"].(map[string]any); ok {
			if rc, ok := ir["ReaderConfig"].(map[string]any); ok {
				check(fieldPath(s, "ItemReader", "ReaderConfig", "MaxItemsPath"), rc["MaxItemsPath"], has(rc, "MaxItemsPath"), false, true, false)
			}
		}
	})
}

func asArray(v any) []any { a, _ := v.([]any); return a }

// payloadFields yields the JSONPath payload templates of a state (and of its
// catchers and choice rules, for Assign) with their JSON paths.
func payloadFields(s *asl.State, fn func(path string, v any)) {
	raw := s.Raw
	for _, k := range []string{"Parameters", "ResultSelector", "ItemSelector", "Assign"} {
		if v, ok := raw[k]; ok {
			fn(fieldPath(s, k), v)
		}
	}
	for _, sub := range [][2]string{{"ItemReader", "Parameters"}, {"ResultWriter", "Parameters"}, {"ItemBatcher", "BatchInput"}} {
		if o, ok := raw[sub[0]].(map[string]any); ok {
			if v, ok := o[sub[1]]; ok {
				fn(fieldPath(s, sub[0], sub[1]), v)
			}
		}
	}
	for i, x := range asArray(raw["Catch"]) {
		if o, ok := x.(map[string]any); ok && has(o, "Assign") {
			fn(fieldPath(s, fmt.Sprintf("Catch[%d]", i), "Assign"), o["Assign"])
		}
	}
	for i, x := range asArray(raw["Choices"]) {
		if o, ok := x.(map[string]any); ok && has(o, "Assign") {
			fn(fieldPath(s, fmt.Sprintf("Choices[%d]", i), "Assign"), o["Assign"])
		}
	}
}

// walkTemplate calls fn for every "key.$" entry of a payload template and
// reports keys that collide once ".$" is stripped.
func walkTemplate(v any, path string, depth int, fn func(path, key string, val any), dup func(path, key string)) {
	if depth > 64 {
		return
	}
	switch t := v.(type) {
	case map[string]any:
		for _, k := range sortedKeys(t) {
			if strings.HasSuffix(k, ".$") {
				if _, clash := t[strings.TrimSuffix(k, ".$")]; clash && dup != nil {
					dup(path, k)
				}
				fn(path+"."+k, k, t[k])
				continue
			}
			walkTemplate(t[k], path+"."+k, depth+1, fn, dup)
		}
	case []any:
		for i, x := range t {
			walkTemplate(x, fmt.Sprintf("%s[%d]", path, i), depth+1, fn, dup)
		}
	}
}

func checkPayloadTemplate(l *linter) {
	l.states(func(s *asl.State) {
		if s.QueryLanguage == asl.JSONata {
			return
		}
		payloadFields(s, func(path string, v any) {
			walkTemplate(v, path, 0, func(p, key string, val any) {
				str, ok := val.(string)
				if !ok {
					l.report(s, p, fmt.Sprintf("%q must hold a path or intrinsic function string, got %s", key, quoteAny(val)), `drop the ".$" suffix for a literal value`)
					return
				}
				if strings.HasPrefix(str, "$") {
					if _, err := asl.CheckPath(str); err != nil {
						l.report(s, p, fmt.Sprintf("%q holds %q, which is not a valid path: %v", key, str, err), "use a path such as $.field or $$.Execution.Id")
					}
					return
				}
				if !asl.LooksIntrinsic(str) {
					l.report(s, p, fmt.Sprintf("%q holds %q, which is neither a path nor an intrinsic function", key, str), `drop the ".$" suffix for a literal value`)
				}
			}, func(p, key string) {
				l.report(s, p+"."+key, fmt.Sprintf("%q and %q collide once .$ is stripped", key, strings.TrimSuffix(key, ".$")), "keep one of the two keys")
			})
		})
	})
}

func checkIntrinsicFunction(l *linter) {
	l.states(func(s *asl.State) {
		check := func(p, str string) {
			if strings.HasPrefix(str, "$") || !asl.LooksIntrinsic(str) {
				return
			}
			if s.QueryLanguage == asl.JSONata {
				l.report(s, p, "intrinsic functions are JSONPath only; JSONata states use JSONata functions", "rewrite as a {% %} expression")
				return
			}
			if err := asl.CheckIntrinsic(str); err != nil {
				l.report(s, p, fmt.Sprintf("%s: %v", str, err), "see the intrinsic function reference for the arguments")
			}
		}
		payloadFields(s, func(path string, v any) {
			walkTemplate(v, path, 0, func(p, _ string, val any) {
				if str, ok := val.(string); ok {
					check(p, str)
				}
			}, nil)
		})
		for _, k := range []string{"ErrorPath", "CausePath"} {
			if v, ok := s.Raw[k].(string); ok {
				check(fieldPath(s, k), v)
			}
		}
	})
}

// jsonataFields yields every value of a JSONata state that may hold JSONata
// strings.
func jsonataFields(s *asl.State, fn func(path string, v any)) {
	raw := s.Raw
	for _, k := range []string{"Arguments", "Output", "Assign", "Items", "ItemSelector", "Seconds", "Timestamp", "TimeoutSeconds",
		"HeartbeatSeconds", "Error", "Cause", "MaxConcurrency", "ToleratedFailureCount", "ToleratedFailurePercentage"} {
		if v, ok := raw[k]; ok {
			fn(fieldPath(s, k), v)
		}
	}
	for _, sub := range [][2]string{{"ItemReader", "Arguments"}, {"ResultWriter", "Arguments"}, {"ItemBatcher", "BatchInput"}} {
		if o, ok := raw[sub[0]].(map[string]any); ok {
			if v, ok := o[sub[1]]; ok {
				fn(fieldPath(s, sub[0], sub[1]), v)
			}
		}
	}
	for i, x := range asArray(raw["Catch"]) {
		if o, ok := x.(map[string]any); ok {
			for _, k := range []string{"Output", "Assign"} {
				if v, ok := o[k]; ok {
					fn(fieldPath(s, fmt.Sprintf("Catch[%d]", i), k), v)
				}
			}
		}
	}
	for i, x := range asArray(raw["Choices"]) {
		if o, ok := x.(map[string]any); ok {
			for _, k := range []string{"Condition", "Output", "Assign"} {
				if v, ok := o[k]; ok {
					fn(fieldPath(s, fmt.Sprintf("Choices[%d]", i), k), v)
				}
			}
		}
	}
}

func checkJSONataExpression(l *linter) {
	l.states(func(s *asl.State) {
		if s.QueryLanguage != asl.JSONata {
			return
		}
		jsonataFields(s, func(path string, v any) {
			if strings.HasSuffix(path, ".Condition") {
				if str, ok := v.(string); !ok && !isBool(v) || ok && !isJSONataString(str) {
					l.report(s, path, fmt.Sprintf("Condition must be a boolean or a {%% %%} JSONata string, got %s", quoteAny(v)), `write "Condition": "{% $states.input.x > 1 %}"`)
					return
				}
			}
			walkStrings(v, path, 0, func(p, str string) {
				if msg := jsonataProblem(str); msg != "" {
					l.report(s, p, msg, "write the expression as {% <JSONata> %}")
				}
			})
		})
	})
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

func walkStrings(v any, path string, depth int, fn func(path, s string)) {
	if depth > 64 {
		return
	}
	switch t := v.(type) {
	case string:
		fn(path, t)
	case map[string]any:
		for _, k := range sortedKeys(t) {
			walkStrings(t[k], path+"."+k, depth+1, fn)
		}
	case []any:
		for i, x := range t {
			walkStrings(x, fmt.Sprintf("%s[%d]", path, i), depth+1, fn)
		}
	}
}

// jsonataProblem checks the shape of one string of a JSONata state: a string
// that opens {% must close %} (and the reverse), the expression must not be
// empty, brackets and quotes must balance, and $$ is not allowed.
func jsonataProblem(s string) string {
	open, closed := strings.HasPrefix(s, "{%"), strings.HasSuffix(s, "%}")
	trimmed := strings.TrimSpace(s)
	if !open && !closed {
		if strings.HasPrefix(trimmed, "{%") || strings.HasSuffix(trimmed, "%}") {
			return fmt.Sprintf("%q has whitespace around its {%% %%} delimiters", s)
		}
		return ""
	}
	if !open || !closed || len(s) < 4 {
		return fmt.Sprintf("%q is not a complete {%% %%} JSONata expression", s)
	}
	body := s[2 : len(s)-2]
	if strings.TrimSpace(body) == "" {
		return "empty JSONata expression"
	}
	var stack []rune
	var quote rune
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	rs := []rune(body)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		if quote != 0 {
			if c == '\\' {
				i++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'', '`':
			quote = c
		case '(', '[', '{':
			stack = append(stack, c)
		case ')', ']', '}':
			if len(stack) == 0 || stack[len(stack)-1] != pairs[c] {
				return fmt.Sprintf("unbalanced %q in JSONata expression %q", c, s)
			}
			stack = stack[:len(stack)-1]
		case '$':
			if i+1 < len(rs) && rs[i+1] == '$' {
				return fmt.Sprintf("JSONata expression %q uses $$, which Step Functions does not provide; use $states.input", s)
			}
		}
	}
	if quote != 0 {
		return fmt.Sprintf("unterminated string in JSONata expression %q", s)
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %q in JSONata expression %q", stack[len(stack)-1], s)
	}
	return ""
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
		if v, ok := s.Raw["Timestamp"].(string); ok && !(s.QueryLanguage == asl.JSONata && isJSONataString(v)) && !validTimestamp(v) {
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
