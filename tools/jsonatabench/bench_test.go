// Package jsonatabench compares the two ways to run JSONata that issue #23
// weighed for the ASL executor: github.com/xiatechs/jsonata-go (what
// workflows/asl and workflows/aslrun use) and the reference JSONata 2.0.6
// (npm, the version Step Functions documents) in the pure-Go JavaScript
// engine github.com/dop251/goja. TestSpotChecks shows the behaviours the
// conformance suite found to differ; the benchmarks measure speed. See
// README.md to run it; docs/linter.md ("JSONata implementation") has the
// figures and the decision.
package jsonatabench

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/dop251/goja"
	jsonata "github.com/xiatechs/jsonata-go"
)

const expr = `$states.input.items[price > 10].{"name": name, "total": price * qty}`

var input = func() map[string]any {
	var items []any
	for i := 0; i < 20; i++ {
		items = append(items, map[string]any{"name": "item", "price": float64(i * 2), "qty": float64(i)})
	}
	return map[string]any{"input": map[string]any{"items": items}}
}()

type jsEngine struct {
	vm      *goja.Runtime
	jsonata goja.Callable
}

func newJS(t testing.TB) *jsEngine {
	src, err := os.ReadFile("node_modules/jsonata/jsonata.js")
	if err != nil {
		t.Skip("run npm ci in tools/jsonatabench first: ", err)
	}
	vm := goja.New()
	vm.RunString("var module = {exports: {}}; var exports = module.exports;")
	if _, err := vm.RunString(string(src)); err != nil {
		t.Fatal(err)
	}
	fn, ok := goja.AssertFunction(vm.Get("module").ToObject(vm).Get("exports"))
	if !ok {
		t.Fatal("no jsonata function")
	}
	return &jsEngine{vm: vm, jsonata: fn}
}

// eval compiles and evaluates with $states bound; returns JSON or error.
func (e *jsEngine) compile(src string) (*goja.Object, error) {
	v, err := e.jsonata(goja.Undefined(), e.vm.ToValue(src))
	if err != nil {
		return nil, err
	}
	return v.ToObject(e.vm), nil
}

func (e *jsEngine) eval(c *goja.Object, in string, states string) (string, error) {
	evaluate, _ := goja.AssertFunction(c.Get("evaluate"))
	parse, _ := goja.AssertFunction(e.vm.Get("JSON").ToObject(e.vm).Get("parse"))
	inV, _ := parse(goja.Undefined(), e.vm.ToValue(in))
	bind := e.vm.NewObject()
	st, _ := parse(goja.Undefined(), e.vm.ToValue(states))
	bind.Set("states", st)
	p, err := evaluate(c, inV, bind)
	if err != nil {
		return "", err
	}
	prom, ok := p.Export().(*goja.Promise)
	if !ok {
		return "", nil
	}
	switch prom.State() {
	case goja.PromiseStateFulfilled:
		str, _ := goja.AssertFunction(e.vm.Get("JSON").ToObject(e.vm).Get("stringify"))
		r, _ := str(goja.Undefined(), prom.Result())
		if r == nil || goja.IsUndefined(r) {
			return "undefined", nil
		}
		return r.String(), nil
	case goja.PromiseStateRejected:
		o := prom.Result().ToObject(e.vm)
		return "", &jsErr{code: o.Get("code").String(), msg: o.Get("message").String()}
	}
	return "pending", nil
}

type jsErr struct{ code, msg string }

func (e *jsErr) Error() string { return e.code + ": " + e.msg }

// TestSpotChecks pins where the two implementations differ on what the
// conformance suite and issue #23 found: a null member, an unknown
// function's error, object key order, the 2.0 functions and operators.
// Each engine's result is a JSON text or "error: " and the message.
func TestSpotChecks(t *testing.T) {
	js := newJS(t)
	tests := []struct{ expr, states, wantJS, wantGo string }{
		{`$states.input.items`, `{"input":{"items":null}}`, `null`, `error: no results found`},
		{`$randomSeeded(1)`, `{"input":{}}`, `error: T1006: Attempted to invoke a non-function`, `error: cannot call non-function $randomSeeded, position:1, arguments: `},
		{`{"b": 1, "a": 2}`, `{}`, `{"b":1,"a":2}`, `{"a":2,"b":1}`},
		{`$formatInteger(12, 'w')`, `{}`, `"twelve"`, `error: cannot call non-function $formatInteger, position:1, arguments: `},
		{`$parseInteger('twelve', 'w')`, `{}`, `12`, `error: cannot call non-function $parseInteger, position:1, arguments: `},
		{`$states.input.a#$i.$i`, `{"input":{"a":["x","y"]}}`, `[0,1]`, `error: no results found`},
		{`$type = "tool_use"`, `{}`, `false`, `false`},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			got := "error: "
			if c, err := js.compile(tt.expr); err != nil {
				got += err.Error()
			} else if out, err := js.eval(c, "{}", tt.states); err != nil {
				got += err.Error()
			} else {
				got = out
			}
			if got != tt.wantJS {
				t.Errorf("JSONata 2.0.6 in goja: %s, want %s", got, tt.wantJS)
			}
			got = "error: "
			if e, err := jsonata.Compile(tt.expr); err != nil {
				got += err.Error()
			} else {
				var st any
				json.Unmarshal([]byte(tt.states), &st)
				e.RegisterVars(map[string]any{"states": st})
				if r, err := e.Eval(map[string]any{}); err != nil {
					got += err.Error()
				} else {
					b, _ := json.Marshal(r)
					got = string(b)
				}
			}
			if got != tt.wantGo {
				t.Errorf("xiatechs/jsonata-go: %s, want %s", got, tt.wantGo)
			}
		})
	}
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func BenchmarkXiatechs(b *testing.B) {
	b.ReportAllocs()
	e := jsonata.MustCompile(expr)
	for i := 0; i < b.N; i++ {
		c := *e
		c.RegisterVars(map[string]any{"states": input})
		if _, err := c.Eval(map[string]any{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGojaJSONata206(b *testing.B) {
	b.ReportAllocs()
	js := newJS(b)
	c, err := js.compile(expr)
	if err != nil {
		b.Fatal(err)
	}
	states := mustJSON(input)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := js.eval(c, "{}", states); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGojaStartup(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		newJS(b)
	}
}
