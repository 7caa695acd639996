package aslrun

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
)

func TestParallelState(t *testing.T) {
	tests := []struct {
		name, state, input string
		wantStatus         Status
		wantOutput         string
		wantError          string
	}{
		{
			name: "branches get the same input and the output is their outputs in order",
			state: `{"Type":"Parallel","Branches":[
			  {"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a","End":true}}},
			  {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],"ResultPath":"$.both","End":true}`,
			input:      `{"a":1}`,
			wantStatus: Succeeded, wantOutput: `{"a":1,"both":[1,"b"]}`,
		},
		{
			name: "Parameters and ResultSelector apply around the branches",
			state: `{"Type":"Parallel","Parameters":{"v.$":"$.a"},"Branches":[
			  {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}],"ResultSelector":{"first.$":"$[0].v"},"End":true}`,
			input:      `{"a":7}`,
			wantStatus: Succeeded, wantOutput: `{"first":7}`,
		},
		{
			name: "a failing branch fails the Parallel state with the branch's error",
			state: `{"Type":"Parallel","Branches":[
			  {"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},
			  {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Branch.Broke","Cause":"c"}}}],"End":true}`,
			input:      `{}`,
			wantStatus: Failed, wantError: "Branch.Broke",
		},
		{
			name: "a Parallel state catches its branch's error",
			state: `{"Type":"Parallel","Branches":[
			  {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Branch.Broke","Cause":"c"}}}],
			  "Catch":[{"ErrorEquals":["Branch.Broke"],"ResultPath":"$.err","Next":"Done"}],"End":true}`,
			input:      `{"x":1}`,
			wantStatus: Succeeded, wantOutput: `{"x":1,"err":{"Error":"Branch.Broke","Cause":"c"}}`,
		},
		{
			name: "States.TaskFailed in a Parallel catcher matches a branch error",
			state: `{"Type":"Parallel","Branches":[
			  {"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","IsNull":true,"Next":"Y"}]},"Y":{"Type":"Succeed"}}}],
			  "Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Done"}],"End":true}`,
			input:      `{"x":1}`,
			wantStatus: Succeeded, wantOutput: `{"Error":"States.NoChoiceMatched","Cause":"No choice rule of state 'C' matched and it has no Default"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"S","States":{"S":` + tt.state + `,"Done":{"Type":"Pass","End":true}}}`
			exec := mustRun(t, mustNew(t, def, Options{}), tt.input)
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError {
				t.Fatalf("got %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError)
			}
			if tt.wantOutput != "" && !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output %s, want %s", exec.Output, tt.wantOutput)
			}
		})
	}
}

func TestParallelStateIsRetried(t *testing.T) {
	var calls atomic.Int32
	inv := InvokerFunc(func(_ context.Context, _ string, in json.RawMessage) (json.RawMessage, error) {
		if calls.Add(1) == 1 {
			return nil, &TaskError{Name: "Flaky"}
		}
		return in, nil
	})
	def := oneState(`{"Type":"Parallel","Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true}}}],
	  "Retry":[{"ErrorEquals":["Flaky"]}],"End":true}`)
	clock := newFakeClock()
	exec := mustRun(t, mustNew(t, def, Options{Invoker: inv, Clock: clock}), `{"v":1}`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `[{"v":1}]`) {
		t.Fatalf("got %s %s %s", exec.Status, exec.Error, exec.Output)
	}
	if !strings.Contains(eventTypes(exec.History), "ParallelStateFailed") || len(clock.slept()) != 1 {
		t.Errorf("history %s, sleeps %v", eventTypes(exec.History), clock.slept())
	}
}

func TestMapState(t *testing.T) {
	tests := []struct {
		name, state, input string
		wantStatus         Status
		wantOutput         string
		wantError          string
	}{
		{
			name: "each item runs through the ItemProcessor and the results keep the item order",
			state: `{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Double",
			  "States":{"Double":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($.n, $.n)"},"End":true}}},"ResultPath":"$.out","End":true}`,
			input:      `{"items":[{"n":1},{"n":2},{"n":3}]}`,
			wantStatus: Succeeded, wantOutput: `{"items":[{"n":1},{"n":2},{"n":3}],"out":[{"v":2},{"v":4},{"v":6}]}`,
		},
		{
			name: "ItemSelector sees the Map input and the item index and value in the context object",
			state: `{"Type":"Map","ItemsPath":"$.items","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","tag.$":"$.tag"},
			  "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input:      `{"items":["a","b"],"tag":"t"}`,
			wantStatus: Succeeded, wantOutput: `[{"i":0,"v":"a","tag":"t"},{"i":1,"v":"b","tag":"t"}]`,
		},
		{
			name:       "the legacy Iterator and Parameters fields work",
			state:      `{"Type":"Map","Parameters":{"x.$":"$$.Map.Item.Value"},"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input:      `[1,2]`,
			wantStatus: Succeeded, wantOutput: `[{"x":1},{"x":2}]`,
		},
		{
			name:       "an empty array gives an empty result",
			state:      `{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input:      `[]`,
			wantStatus: Succeeded, wantOutput: `[]`,
		},
		{
			name:       "items that are not an array are a runtime error",
			state:      `{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`,
			input:      `{"items":{"a":1}}`,
			wantStatus: Failed, wantError: ErrRuntime,
		},
		{
			name: "a failing iteration fails the Map with its error",
			state: `{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"C","States":{
			  "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"F"}],"Default":"OK"},
			  "F":{"Type":"Fail","Error":"Item.Bad"},"OK":{"Type":"Succeed"}}},"End":true}`,
			input:      `[1,2,3]`,
			wantStatus: Failed, wantError: "Item.Bad",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := mustRun(t, mustNew(t, oneState(tt.state), Options{}), tt.input)
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError {
				t.Fatalf("got %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError)
			}
			if tt.wantOutput != "" && !jsonEq(t, exec.Output, tt.wantOutput) {
				t.Errorf("output %s, want %s", exec.Output, tt.wantOutput)
			}
		})
	}
}

func TestMapMaxConcurrencyBoundsParallelIterations(t *testing.T) {
	var running, peak atomic.Int32
	inv := InvokerFunc(func(_ context.Context, _ string, in json.RawMessage) (json.RawMessage, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		defer running.Add(-1)
		return in, nil
	})
	def := oneState(`{"Type":"Map","MaxConcurrency":2,"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true}}},"End":true}`)
	exec := mustRun(t, mustNew(t, def, Options{Invoker: inv}), `[1,2,3,4,5,6,7,8]`)
	if exec.Status != Succeeded || !jsonEq(t, exec.Output, `[1,2,3,4,5,6,7,8]`) {
		t.Fatalf("got %s %s", exec.Status, exec.Output)
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d iterations ran at once, MaxConcurrency is 2", p)
	}
}
