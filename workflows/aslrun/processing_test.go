package aslrun

import (
	"context"
	"encoding/json"
	"testing"
)

// Input and output processing, in the order the specification gives:
// InputPath -> Parameters -> (task) -> ResultSelector -> ResultPath ->
// OutputPath.
func TestInputAndOutputProcessing(t *testing.T) {
	const input = `{"order":{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]},"keep":true}`
	tests := []struct {
		name string
		// state is a Task whose invoker returns taskResult.
		state      string
		taskResult string
		wantTask   string // the effective input the task receives; "" skips
		wantOutput string
	}{
		{
			name:       "no processing fields pass the task result through as the output",
			state:      `{"Type":"Task","Resource":"r","End":true}`,
			taskResult: `{"ok":1}`,
			wantTask:   input,
			wantOutput: `{"ok":1}`,
		},
		{
			name:       "InputPath selects what the task sees and ResultPath adds the result to the raw input",
			state:      `{"Type":"Task","Resource":"r","InputPath":"$.order","ResultPath":"$.result","End":true}`,
			taskResult: `"done"`,
			wantTask:   `{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]}`,
			wantOutput: `{"order":{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]},"keep":true,"result":"done"}`,
		},
		{
			name:       "Parameters is applied to the InputPath selection and can read the context object",
			state:      `{"Type":"Task","Resource":"r","InputPath":"$.order","Parameters":{"orderId.$":"$.id","state.$":"$$.State.Name","fixed":{"a":[1,2]}},"End":true}`,
			taskResult: `{}`,
			wantTask:   `{"orderId":"o-1","state":"S","fixed":{"a":[1,2]}}`,
			wantOutput: `{}`,
		},
		{
			name:       "Parameters inside nested objects and arrays are evaluated",
			state:      `{"Type":"Task","Resource":"r","Parameters":{"outer":{"inner.$":"$.keep"},"list":[{"v.$":"$.order.id"},"plain"]},"End":true}`,
			taskResult: `{}`,
			wantTask:   `{"outer":{"inner":true},"list":[{"v":"o-1"},"plain"]}`,
			wantOutput: `{}`,
		},
		{
			name:       "ResultSelector reshapes the result before ResultPath",
			state:      `{"Type":"Task","Resource":"r","ResultSelector":{"code.$":"$.StatusCode","body.$":"$.Payload.body"},"ResultPath":"$.res","OutputPath":"$.res","End":true}`,
			taskResult: `{"StatusCode":200,"Payload":{"body":"x"},"Noise":1}`,
			wantOutput: `{"code":200,"body":"x"}`,
		},
		{
			name:       "ResultPath null discards the result and outputs the raw input",
			state:      `{"Type":"Task","Resource":"r","InputPath":"$.order","ResultPath":null,"End":true}`,
			taskResult: `{"ignored":true}`,
			wantOutput: input,
		},
		{
			name:       "ResultPath into a nested field creates the missing objects",
			state:      `{"Type":"Task","Resource":"r","ResultPath":"$.audit.steps.persist","End":true}`,
			taskResult: `{"n":1}`,
			wantOutput: `{"order":{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]},"keep":true,"audit":{"steps":{"persist":{"n":1}}}}`,
		},
		{
			name:       "ResultPath into an existing nested field replaces only that field",
			state:      `{"Type":"Task","Resource":"r","ResultPath":"$.order.id","End":true}`,
			taskResult: `"o-2"`,
			wantOutput: `{"order":{"id":"o-2","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]},"keep":true}`,
		},
		{
			name:       "ResultPath into an array element replaces the element",
			state:      `{"Type":"Task","Resource":"r","ResultPath":"$.order.items[1]","End":true}`,
			taskResult: `{"sku":"c"}`,
			wantOutput: `{"order":{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"c"}]},"keep":true}`,
		},
		{
			name:       "ResultPath with a bracketed member name writes that member",
			state:      `{"Type":"Task","Resource":"r","InputPath":"$.keep","ResultPath":"$['error-info']","OutputPath":"$['error-info']","End":true}`,
			taskResult: `7`,
			wantOutput: `7`,
		},
		{
			name:       "OutputPath selects from the combined output",
			state:      `{"Type":"Task","Resource":"r","ResultPath":"$.r","OutputPath":"$.r.v","End":true}`,
			taskResult: `{"v":[1,2]}`,
			wantOutput: `[1,2]`,
		},
		{
			name:       "InputPath null gives the task an empty object",
			state:      `{"Type":"Task","Resource":"r","InputPath":null,"ResultPath":"$.r","End":true}`,
			taskResult: `1`,
			wantTask:   `{}`,
			wantOutput: `{"order":{"id":"o-1","items":[{"sku":"a","qty":2},{"sku":"b","qty":5}]},"keep":true,"r":1}`,
		},
		{
			name:       "OutputPath null outputs an empty object",
			state:      `{"Type":"Task","Resource":"r","OutputPath":null,"End":true}`,
			taskResult: `1`,
			wantOutput: `{}`,
		},
		{
			name:       "an InputPath with a filter selects the matching array items",
			state:      `{"Type":"Task","Resource":"r","InputPath":"$.order.items[?@.qty > 3]","End":true}`,
			taskResult: `{}`,
			wantTask:   `[{"sku":"b","qty":5}]`,
			wantOutput: `{}`,
		},
		{
			name:       "a wildcard path in Parameters yields an array of matches",
			state:      `{"Type":"Task","Resource":"r","Parameters":{"skus.$":"$.order.items[*].sku"},"End":true}`,
			taskResult: `{}`,
			wantTask:   `{"skus":["a","b"]}`,
			wantOutput: `{}`,
		},
		{
			name:       "a task returning nothing has a null result",
			state:      `{"Type":"Task","Resource":"r","ResultPath":"$.r","OutputPath":"$.r","End":true}`,
			taskResult: ` `,
			wantOutput: `null`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got string
			inv := InvokerFunc(func(_ context.Context, _ string, in json.RawMessage) (json.RawMessage, error) {
				got = string(in)
				return json.RawMessage(tt.taskResult), nil
			})
			m := mustNew(t, oneState(tt.state), Options{Invoker: inv})
			exec := mustRun(t, m, input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if tt.wantTask != "" && !jsonEq(t, json.RawMessage(got), tt.wantTask) {
				t.Errorf("task input = %s, want %s", got, tt.wantTask)
			}
			if !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output = %s, want %s", exec.Output, tt.wantOutput)
			}
		})
	}
}

func TestPassState(t *testing.T) {
	tests := []struct {
		name, state, input, want string
	}{
		{"a Pass without fields outputs its input", `{"Type":"Pass","End":true}`, `{"a":1}`, `{"a":1}`},
		{"Result replaces the input", `{"Type":"Pass","Result":{"x":[1]},"End":true}`, `{"a":1}`, `{"x":[1]}`},
		{"Result is placed at ResultPath", `{"Type":"Pass","Result":"v","ResultPath":"$.b","End":true}`, `{"a":1}`, `{"a":1,"b":"v"}`},
		{"Parameters build the result when there is no Result", `{"Type":"Pass","Parameters":{"b.$":"$.a"},"ResultPath":"$.p","End":true}`, `{"a":1}`, `{"a":1,"p":{"b":1}}`},
		{"Result wins over Parameters", `{"Type":"Pass","Parameters":{"b.$":"$.a"},"Result":2,"End":true}`, `{"a":1}`, `2`},
		{"Result keys ending in .$ are not evaluated", `{"Type":"Pass","Result":{"x.$":"$.a"},"End":true}`, `{"a":1}`, `{"x.$":"$.a"}`},
		{"InputPath then OutputPath", `{"Type":"Pass","InputPath":"$.a","OutputPath":"$.b","End":true}`, `{"a":{"b":3}}`, `3`},
		{"ResultPath null keeps the input", `{"Type":"Pass","Result":1,"ResultPath":null,"End":true}`, `{"a":1}`, `{"a":1}`},
		// A Pass state's $$.State has no RetryCount (AWS's recorded
		// test_query_context_object_values); a Task's has.
		{"the context object is available", `{"Type":"Pass","Parameters":{"name.$":"$$.Execution.Name","sm.$":"$$.StateMachine.Name","in.$":"$$.Execution.Input.a","state.$":"$$.State","entered.$":"$$.State.EnteredTime"},"End":true}`, `{"a":1}`,
			`{"name":"test-exec","sm":"Payments","in":1,"state":{"EnteredTime":"2026-11-25T12:00:00.000Z","Name":"S"},"entered":"2026-11-25T12:00:00.000Z"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, oneState(tt.state), Options{Name: "Payments"})
			exec := mustRun(t, m, tt.input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			if !jsonEq(t, exec.Output, tt.want) {
				t.Errorf("output = %s, want %s", exec.Output, tt.want)
			}
		})
	}
}

// Paths that match nothing and values of the wrong shape are
// States.Runtime errors, which no Catch handles.
func TestRuntimeErrorsFailTheExecution(t *testing.T) {
	tests := []struct{ name, state string }{
		{"an InputPath that matches nothing", `{"Type":"Pass","InputPath":"$.missing","End":true}`},
		{"a Parameters path that matches nothing", `{"Type":"Task","Resource":"r","Parameters":{"x.$":"$.missing"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true}`},
		{"an OutputPath that matches nothing", `{"Type":"Pass","OutputPath":"$.missing","End":true}`},
		{"a ResultPath through a non-object", `{"Type":"Pass","Result":1,"ResultPath":"$.a.b","End":true}`},
		{"a ResultSelector path that matches nothing", `{"Type":"Task","Resource":"r","ResultSelector":{"x.$":"$.nope"},"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],"End":true}`},
		{"an intrinsic function given the wrong type", `{"Type":"Pass","Parameters":{"x.$":"States.ArrayLength($.a)"},"End":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"S","States":{"S":` + tt.state + `,"C":{"Type":"Succeed"}}}`
			m := mustNew(t, def, Options{})
			exec := mustRun(t, m, `{"a":"not an array"}`)
			if exec.Status != Failed || exec.Error != ErrRuntime {
				t.Errorf("got %s %s (%s), want FAILED States.Runtime", exec.Status, exec.Error, exec.Cause)
			}
		})
	}
}
