package aslrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"

	jsonata "github.com/xiatechs/jsonata-go"
	"github.com/xiatechs/jsonata-go/jlib"
	"github.com/xiatechs/jsonata-go/jtypes"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// ErrQueryEvaluation is raised when a JSONata expression fails or yields a
// value its field cannot take (undefined, a TimeoutSeconds that is not a
// positive integer, a Condition that is not a boolean ...). Unlike
// States.Runtime, Retry and Catch handle it.
const ErrQueryEvaluation = "States.QueryEvaluationError"

// queryErr builds a States.QueryEvaluationError.
func queryErr(format string, args ...any) *stateError {
	return &stateError{name: ErrQueryEvaluation, cause: fmt.Sprintf(format, args...), own: true}
}

// tJSONata is a "{% ... %}" string of a JSONata state.
type tJSONata struct {
	field string
	expr  *asl.Expression
}

func (t *tJSONata) eval(_ any, c *evalCtx) (any, *stateError) {
	// The compiled expression is shared by concurrent executions and
	// branches: evaluate a copy that gets this evaluation's bindings. The
	// copy's registry starts empty (nothing is registered on the shared
	// one), so binding does not touch the original.
	e := *t.expr.Compiled
	vars := map[string]any{"states": toJSONata(c.statesVar())}
	for _, names := range [][]string{t.expr.Vars, t.expr.Guarded} {
		for _, name := range names {
			if v, ok := c.vars.get(name); ok {
				vars[name] = toJSONata(v)
			}
		}
	}
	if err := e.RegisterVars(vars); err != nil {
		return nil, queryErr("The JSONata expression '%s' specified for the field '%s' could not bind its variables: %v", t.expr.Source, t.field, err)
	}
	if err := e.RegisterExts(c.env.extensions()); err != nil {
		return nil, queryErr("The JSONata expression '%s' specified for the field '%s' could not bind its functions: %v", t.expr.Source, t.field, err)
	}
	res, err := evalJSONata(&e)
	switch {
	case errors.Is(err, jsonata.ErrUndefined):
		return nil, queryErr("The JSONata expression '%s' specified for the field '%s' returned nothing (undefined).", strings.TrimSpace(t.expr.Source), t.field)
	case err != nil:
		return nil, queryErr("The JSONata expression '%s' specified for the field '%s' threw an error during evaluation. %v", strings.TrimSpace(t.expr.Source), t.field, err)
	}
	v, cerr := fromJSONata(res)
	if cerr != nil {
		return nil, queryErr("The JSONata expression '%s' specified for the field '%s' returned %v", strings.TrimSpace(t.expr.Source), t.field, cerr)
	}
	return v, nil
}

// evalJSONata evaluates an expression, turning a panic of the library
// into an error.
func evalJSONata(e *jsonata.Expr) (res any, err error) {
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, fmt.Errorf("the JSONata evaluator failed (%v)", r)
		}
	}()
	return e.Eval(nil)
}

// statesVar builds the $states variable of a JSONata expression: input,
// context, and result or errorOutput where the field can read them.
func (c *evalCtx) statesVar() *asl.Object {
	o := obj("input", c.input, "context", c.contextObject())
	if c.hasResult {
		o.Set("result", c.result)
	}
	if c.hasErrorOutput {
		o.Set("errorOutput", c.errorOutput)
	}
	return o
}

// toJSONata converts an executor value into the form the JSONata library
// reads: maps, slices and float64 numbers.
func toJSONata(v any) any {
	switch t := v.(type) {
	case *asl.Object:
		m := make(map[string]any, t.Len())
		for i := range t.Len() {
			k, x := t.Member(i)
			m[k] = toJSONata(x)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = toJSONata(x)
		}
		return out
	case json.Number:
		f, _ := t.Float64()
		return f
	}
	return v
}

// fromJSONata converts a JSONata result into an executor value. Objects
// come back with sorted keys: the library's objects are Go maps.
func fromJSONata(v any) (any, error) {
	switch t := v.(type) {
	case nil, string, bool:
		return t, nil
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, fmt.Errorf("the number %v, which JSON cannot hold", t)
		}
		return floatNum(t), nil
	case map[string]any, []any:
		return fromPlainChecked(t)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return num(rv.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return num(int64(rv.Uint())), nil
	case reflect.Float32:
		return floatNum(rv.Float()), nil
	case reflect.Slice, reflect.Map:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		return decodeJSON(b)
	}
	return nil, fmt.Errorf("a %T, which is not a JSON value", v)
}

func fromPlainChecked(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for _, x := range t {
			if _, err := fromJSONata(x); err != nil {
				return nil, err
			}
		}
	case []any:
		for _, x := range t {
			if _, err := fromJSONata(x); err != nil {
				return nil, err
			}
		}
	default:
		return fromJSONata(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// extensions returns the functions Step Functions adds to JSONata, bound
// to the machine's randomness and clock.
func (e *env) extensions() map[string]jsonata.Extension {
	return map[string]jsonata.Extension{
		"partition": {Func: sfPartition},
		"range":     {Func: sfRange},
		"hash":      {Func: sfHash},
		"random":    {Func: e.sfRandom},
		"uuid":      {Func: func() string { return e.uuid() }},
		"parse":     {Func: sfParse},
		"assert":    {Func: jsonataAssert},
		// JSONata 2.0 functions the library lacks (jsonata_integer.go).
		"formatInteger": {Func: sfFormatInteger},
		"parseInteger":  {Func: sfParseInteger},
		"millis":        {Func: func() int64 { return e.now().UnixMilli() }},
		"now": {Func: func(picture, tz jtypes.OptionalString) (string, error) {
			return jlib.FromMillis(e.now().UnixMilli(), picture, tz)
		}},
	}
}

// sfPartition is $partition(array, size): the array in chunks of size.
func sfPartition(arr []any, size float64) ([]any, error) {
	n := int(math.Floor(size + 0.5))
	if n <= 0 {
		return nil, fmt.Errorf("$partition: the chunk size must be a positive integer, got %v", size)
	}
	out := []any{}
	for i := 0; i < len(arr); i += n {
		out = append(out, append([]any(nil), arr[i:min(i+n, len(arr))]...))
	}
	return out, nil
}

// sfRange is $range(start, end, step): the numbers from start to end
// (inclusive) by step, at most 1000 of them. A range of one number is that
// number, as a JSONata sequence of one is (AWS's recorded runs:
// LocalStack's test_array_range, $range(1, 9, 9) = 1).
func sfRange(start, end, step float64) (any, error) {
	if step == 0 {
		return nil, errors.New("$range: the step must not be 0")
	}
	out := []any{}
	for v := start; step > 0 && v <= end || step < 0 && v >= end; v += step {
		if len(out) == 1000 {
			return nil, errors.New("$range: the range has more than 1000 items")
		}
		out = append(out, v)
	}
	if len(out) == 1 {
		return out[0], nil
	}
	return out, nil
}

// sfHash is $hash(data, algorithm), as States.Hash.
func sfHash(data, algorithm string) (string, error) {
	v, err := fnHash(&iCall{name: "$hash"}, []any{data, algorithm}, nil)
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// sfRandom is $random([seed]): a number in [0, 1), repeatable for a seed.
func (e *env) sfRandom(seed jtypes.OptionalFloat64) float64 {
	if seed.IsSet() {
		return rand.New(rand.NewPCG(uint64(int64(seed.Float64)), 0)).Float64()
	}
	return e.rand()
}

// jsonataAssert is JSONata's $assert(condition, message), which the
// library lacks: an error when condition is false. It returns the
// condition where JSONata returns undefined.
func jsonataAssert(cond bool, msg jtypes.OptionalString) (bool, error) {
	if !cond {
		if msg.IsSet() {
			return false, errors.New(msg.String)
		}
		return false, errors.New("$assert() statement failed")
	}
	return true, nil
}

// sfParse is $parse(json): the value of a JSON string.
func sfParse(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("$parse: %v", err)
	}
	return v, nil
}
