package aslrun

import (
	"github.com/resilientpay/paymentapi/workflows/asl"

	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unsafe"
)

// Values inside the executor are nil, bool, json.Number, string, []any
// and *asl.Object, an object that keeps its keys in the order they were
// written or built, because Step Functions keeps that order in state data
// and in what States.JsonToString renders. Values are never mutated once
// built; code that needs a changed value copies the containers on the way
// down (see setPath).

// obj builds an object from alternating keys and values.
func obj(kv ...any) *asl.Object {
	o := asl.NewSmallObject(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		o.Set(kv[i].(string), kv[i+1])
	}
	return o
}

// decodeJSON parses one JSON text into an executor value.
func decodeJSON(data []byte) (any, error) {
	if v, ok := fastDecode(data); ok {
		return v, nil
	}
	return asl.DecodeJSON(data)
}

// decodeOwnJSON is decodeJSON of a text that nothing modifies while the
// values decoded from it are in use (a task result the executor copied for
// the history): their strings are slices of it, without a copy.
func decodeOwnJSON(data []byte) (any, error) {
	if v, ok := fastDecodeString(unsafe.String(unsafe.SliceData(data), len(data))); ok {
		return v, nil
	}
	return asl.DecodeJSON(data)
}

// encodeJSON renders an executor value as compact JSON without HTML
// escaping, as Step Functions does.
func encodeJSON(v any) (json.RawMessage, error) {
	if b, ok := fastEncode(make([]byte, 0, 256), v); ok {
		return b, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return json.RawMessage(b[:len(b)-1]), nil // drop Encode's newline
}

// mustEncode is encodeJSON for values built by the executor itself, which
// always encode.
func mustEncode(v any) json.RawMessage {
	b, err := encodeJSON(v)
	if err != nil {
		return json.RawMessage(strconv.Quote("<unencodable: " + err.Error() + ">"))
	}
	return b
}

// toPlain converts an executor value into the map[string]any form other
// libraries read (the JSONPath query engine); numbers stay json.Number.
func toPlain(v any) any {
	switch t := v.(type) {
	case *asl.Object:
		m := make(map[string]any, t.Len())
		for i := range t.Len() {
			k, x := t.Member(i)
			m[k] = toPlain(x)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = toPlain(x)
		}
		return out
	}
	return v
}

// fromPlain converts a value of map[string]any form into an executor
// value; map keys come out sorted, float64 numbers as json.Number.
func fromPlain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := asl.NewSmallObject(len(keys))
		for _, k := range keys {
			o.Set(k, fromPlain(t[k]))
		}
		return o
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = fromPlain(x)
		}
		return out
	case float64:
		return floatNum(t)
	}
	return v
}

// toFloat returns the numeric value of v and whether v is a JSON number.
func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

// toInt returns v as an integer when v is a JSON number with no fractional
// part that fits an int64.
func toInt(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return 0, false
		}
		return int64(f), true
	case int:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return 0, false
		}
		return int64(n), true
	}
	return 0, false
}

// num makes an executor number from an integer.
func num(i int64) json.Number { return json.Number(strconv.FormatInt(i, 10)) }

// floatNum makes an executor number from a float, written as an integer
// when it is one.
func floatNum(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return num(int64(f))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// jsonEqual compares two executor values as JSON values: numbers by value,
// objects regardless of key order.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case string:
		y, ok := b.(string)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case *asl.Object:
		y, ok := b.(*asl.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			k, xv := x.Member(i)
			yv, ok := y.Get(k)
			if !ok || !jsonEqual(xv, yv) {
				return false
			}
		}
		return true
	}
	fa, ok := toFloat(a)
	if !ok {
		return false
	}
	fb, ok := toFloat(b)
	return ok && fa == fb
}

// jsonType names the JSON type of v for error messages.
func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case *asl.Object:
		return "object"
	}
	if _, ok := toFloat(v); ok {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}
