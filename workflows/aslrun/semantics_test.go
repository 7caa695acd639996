package aslrun

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// AWS semantics the specification leaves open or states differently. Each
// case quotes the AWS documentation it follows, or says where the
// behaviour was observed instead (recorded AWS runs, issue 14).
func TestIntrinsicFunctionsFollowAWS(t *testing.T) {
	const input = `{"blank":"   ","empty":"","obj":{"b":2,"a":{"y":[1,"x"],"x":null}},"list":[1,{"k":true}],"f":1.49}`
	tests := []struct {
		name, expr, want string
	}{
		// AWS, Intrinsics for Math operations, States.MathAdd: "If you
		// specify a non-integer value for one or both the arguments, Step
		// Functions will round it off to the nearest integer." Recorded
		// runs: 1.49 + 1.5 = 3 and -1.5 + 0 = -1 (halves go up, as Java's
		// Math.round).
		{"MathAdd rounds 1.49 down and 1.5 up", `States.MathAdd($.f, 1.5)`, `3`},
		{"MathAdd rounds -1.5 up to -1", `States.MathAdd(-1.5, 0)`, `-1`},
		// AWS, States.MathRandom: "If you specify a non-integer value for
		// the start number or end number argument, Step Functions will
		// round it off to the nearest integer."
		{"MathRandom rounds non-integer bounds", `States.MathRandom(0.6, 2.4)`, `1`},
		// Recorded runs: States.StringToJson of an empty or blank string
		// returns null instead of failing.
		{"StringToJson of an empty string is null", `States.StringToJson($.empty)`, `null`},
		{"StringToJson of a blank string is null", `States.StringToJson($.blank)`, `null`},
		// Recorded runs: States.Format renders an object or array argument
		// the way Java prints maps and lists.
		{"Format renders an object like AWS", `States.Format('v={}', $.obj)`, `"v={b=2, a={y=[1, x], x=null}}"`},
		{"Format renders an array like AWS", `States.Format('{}', $.list)`, `"[1, {k=true}]"`},
		// AWS, States.JsonToString: "This intrinsic function takes only one
		// argument, which is the path that contains the JSON data to return
		// as an escaped string." Recorded runs keep the input's key order.
		{"JsonToString keeps the input's key order", `States.JsonToString($.obj)`, `"{\"b\":2,\"a\":{\"y\":[1,\"x\"],\"x\":null}}"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := oneState(`{"Type":"Pass","Parameters":{"v.$":` + quote(tt.expr) + `},"OutputPath":"$.v","End":true}`)
			exec := mustRun(t, mustNew(t, def, Options{Random: func() float64 { return 0.99 }}), input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if string(exec.Output) != tt.want {
				t.Errorf("%s = %s, want %s", tt.expr, exec.Output, tt.want)
			}
		})
	}
}

// State data keeps its key order through paths and templates, as Step
// Functions does: the output is written in the order the input and the
// template give, not sorted.
func TestStateDataKeepsKeyOrder(t *testing.T) {
	def := oneState(`{"Type":"Pass","Parameters":{"z.$":"$.b","a":1,"m.$":"$"},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{}), `{"b":{"y":1,"x":2},"a":0}`)
	if want := `{"z":{"y":1,"x":2},"a":1,"m":{"b":{"y":1,"x":2},"a":0}}`; string(exec.Output) != want {
		t.Errorf("output %s, want %s", exec.Output, want)
	}
}

// AWS, Handling errors, States.DataLimitExceeded: reported "When the output
// of a connector is larger than payload size quota." The same page says
// States.ALL cannot catch this "terminal error"; recorded runs (issue 14)
// show that a task result over 256 KiB is caught by a States.ALL catcher,
// and aslrun follows the runs. A state's own output over the quota stays
// terminal.
func TestDataLimitExceeded(t *testing.T) {
	big := `"` + strings.Repeat("x", maxPayload) + `"`
	inv := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
		return json.RawMessage(big), nil
	})
	t.Run("a task result over 256 KiB is caught by States.ALL", func(t *testing.T) {
		def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
		  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Pass","End":true}}}`
		exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `{}`)
		if exec.Status != Succeeded || !strings.Contains(string(exec.Output), `"Error":"States.DataLimitExceeded"`) {
			t.Errorf("got %s %s %s, want SUCCEEDED through the catcher", exec.Status, exec.Error, exec.Output)
		}
	})
	t.Run("a task result over 256 KiB without a catcher fails the execution", func(t *testing.T) {
		exec := mustRun(t, mustNew(t, oneState(`{"Type":"Task","Resource":"r","End":true}`), Options{Invoker: inv}), `{}`)
		if exec.Status != Failed || exec.Error != ErrDataLimitExceeded {
			t.Errorf("got %s %s, want FAILED States.DataLimitExceeded", exec.Status, exec.Error)
		}
	})
	t.Run("a state output over 256 KiB is not caught", func(t *testing.T) {
		small := InvokerFunc(func(context.Context, string, json.RawMessage) (json.RawMessage, error) {
			return json.RawMessage(`"` + strings.Repeat("x", maxPayload/2+10) + `"`), nil
		})
		def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
		  "Parameters":{"a.$":"$.s","b.$":"$.s"},"ResultSelector":{"a.$":"$","b.$":"$"},
		  "Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}]},"C":{"Type":"Pass","End":true}}}`
		exec := mustRun(t, mustNew(t, def, Options{Invoker: small}), `{"s":"x"}`)
		if exec.Status != Failed || exec.Error != ErrDataLimitExceeded {
			t.Errorf("got %s %s, want FAILED States.DataLimitExceeded", exec.Status, exec.Error)
		}
	})
}
