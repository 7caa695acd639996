package aslrun

import (
	"encoding/json"
	"testing"
)

func TestChoiceRules(t *testing.T) {
	const input = `{"s":"payment","n":42,"f":1.5,"b":true,"z":null,"t":"2026-11-25T12:00:00Z","t2":"2026-11-25T13:00:00+01:00",
	  "other":{"s":"payment","n":41,"b":true,"t":"2026-01-01T00:00:00Z"},"star":"a*b","bs":"a\\b","arr":[1]}`
	tests := []struct {
		rule string
		want bool
	}{
		{`"Variable":"$.s","StringEquals":"payment"`, true},
		{`"Variable":"$.s","StringEquals":"Payment"`, false},
		{`"Variable":"$.s","StringLessThan":"zebra"`, true},
		{`"Variable":"$.s","StringGreaterThan":"zebra"`, false},
		{`"Variable":"$.s","StringLessThanEquals":"payment"`, true},
		{`"Variable":"$.s","StringGreaterThanEquals":"payment"`, true},
		{`"Variable":"$.s","StringEqualsPath":"$.other.s"`, true},
		{`"Variable":"$.s","StringLessThanPath":"$.other.s"`, false},
		{`"Variable":"$.s","StringGreaterThanEqualsPath":"$.other.s"`, true},
		{`"Variable":"$.n","StringEquals":"42"`, false},
		{`"Variable":"$.s","StringMatches":"pay*"`, true},
		{`"Variable":"$.s","StringMatches":"*ment"`, true},
		{`"Variable":"$.s","StringMatches":"p*y*t"`, true},
		{`"Variable":"$.s","StringMatches":"*x*"`, false},
		{`"Variable":"$.s","StringMatches":"payment"`, true},
		{`"Variable":"$.s","StringMatches":"pay"`, false},
		{`"Variable":"$.star","StringMatches":"a\\*b"`, true},
		{`"Variable":"$.s","StringMatches":"a\\*b"`, false},
		{`"Variable":"$.bs","StringMatches":"a\\\\b"`, true},
		{`"Variable":"$.n","NumericEquals":42`, true},
		{`"Variable":"$.n","NumericEquals":42.0`, true},
		{`"Variable":"$.f","NumericLessThan":2`, true},
		{`"Variable":"$.f","NumericGreaterThan":2`, false},
		{`"Variable":"$.n","NumericLessThanEquals":42`, true},
		{`"Variable":"$.n","NumericGreaterThanEquals":43`, false},
		{`"Variable":"$.n","NumericGreaterThanPath":"$.other.n"`, true},
		{`"Variable":"$.n","NumericEqualsPath":"$.other.n"`, false},
		{`"Variable":"$.s","NumericEquals":42`, false},
		{`"Variable":"$.b","BooleanEquals":true`, true},
		{`"Variable":"$.b","BooleanEquals":false`, false},
		{`"Variable":"$.b","BooleanEqualsPath":"$.other.b"`, true},
		{`"Variable":"$.s","BooleanEquals":true`, false},
		{`"Variable":"$.t","TimestampEquals":"2026-11-25T12:00:00Z"`, true},
		{`"Variable":"$.t","TimestampEqualsPath":"$.t2"`, true},
		{`"Variable":"$.t","TimestampLessThan":"2026-11-25T12:00:01Z"`, true},
		{`"Variable":"$.t","TimestampGreaterThan":"2026-11-25T12:00:01Z"`, false},
		{`"Variable":"$.t","TimestampLessThanEquals":"2026-11-25T12:00:00Z"`, true},
		{`"Variable":"$.t","TimestampGreaterThanEquals":"2026-11-26T00:00:00Z"`, false},
		{`"Variable":"$.t","TimestampGreaterThanPath":"$.other.t"`, true},
		{`"Variable":"$.s","TimestampEquals":"2026-11-25T12:00:00Z"`, false},
		{`"Variable":"$.z","IsNull":true`, true},
		{`"Variable":"$.s","IsNull":true`, false},
		{`"Variable":"$.s","IsNull":false`, true},
		{`"Variable":"$.s","IsPresent":true`, true},
		{`"Variable":"$.missing","IsPresent":true`, false},
		{`"Variable":"$.missing","IsPresent":false`, true},
		{`"Variable":"$.n","IsNumeric":true`, true},
		{`"Variable":"$.s","IsNumeric":true`, false},
		{`"Variable":"$.s","IsString":true`, true},
		{`"Variable":"$.n","IsString":true`, false},
		{`"Variable":"$.b","IsBoolean":true`, true},
		{`"Variable":"$.z","IsBoolean":true`, false},
		{`"Variable":"$.t","IsTimestamp":true`, true},
		{`"Variable":"$.s","IsTimestamp":true`, false},
		{`"And":[{"Variable":"$.n","NumericGreaterThan":40},{"Variable":"$.s","StringEquals":"payment"}]`, true},
		{`"And":[{"Variable":"$.n","NumericGreaterThan":40},{"Variable":"$.s","StringEquals":"refund"}]`, false},
		{`"Or":[{"Variable":"$.n","NumericLessThan":0},{"Variable":"$.b","BooleanEquals":true}]`, true},
		{`"Or":[{"Variable":"$.n","NumericLessThan":0},{"Variable":"$.b","BooleanEquals":false}]`, false},
		{`"Not":{"Variable":"$.s","StringEquals":"refund"}`, true},
		{`"Not":{"Variable":"$.s","StringEquals":"payment"}`, false},
		{`"Not":{"And":[{"Variable":"$.missing","IsPresent":true},{"Variable":"$.missing","IsNull":true}]}`, true},
		{`"Variable":"$$.Execution.Name","StringEquals":"test-exec"`, true},
	}
	for _, tt := range tests {
		name := "{" + tt.rule + "} is "
		if tt.want {
			name += "true"
		} else {
			name += "false"
		}
		t.Run(name, func(t *testing.T) {
			def := `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{` + tt.rule + `,"Next":"Yes"}],"Default":"No"},
			  "Yes":{"Type":"Pass","Result":true,"End":true},"No":{"Type":"Pass","Result":false,"End":true}}}`
			exec := mustRun(t, mustNew(t, def, Options{}), input)
			if exec.Status != Succeeded {
				t.Fatalf("status %s: %s %s", exec.Status, exec.Error, exec.Cause)
			}
			var got bool
			if err := json.Unmarshal(exec.Output, &got); err != nil || got != tt.want {
				t.Errorf("rule matched = %s, want %v", exec.Output, tt.want)
			}
		})
	}
}

func TestChoiceState(t *testing.T) {
	tests := []struct {
		name, choice, input string
		wantStatus          Status
		wantError           string
		wantOutput          string
	}{
		{
			name:       "the first matching rule wins",
			choice:     `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":1,"Next":"A"},{"Variable":"$.n","NumericGreaterThan":0,"Next":"B"}]}`,
			input:      `{"n":5}`,
			wantStatus: Succeeded, wantOutput: `"A"`,
		},
		{
			name:       "no match and no Default fails with States.NoChoiceMatched",
			choice:     `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":10,"Next":"A"}]}`,
			input:      `{"n":5}`,
			wantStatus: Failed, wantError: ErrNoChoiceMatched,
		},
		{
			name:       "a Variable that matches nothing is a runtime error",
			choice:     `{"Type":"Choice","Choices":[{"Variable":"$.missing","NumericGreaterThan":10,"Next":"A"}],"Default":"B"}`,
			input:      `{"n":5}`,
			wantStatus: Failed, wantError: ErrRuntime,
		},
		{
			name:       "a *Path operand that matches nothing is a runtime error",
			choice:     `{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEqualsPath":"$.missing","Next":"A"}],"Default":"B"}`,
			input:      `{"n":5}`,
			wantStatus: Failed, wantError: ErrRuntime,
		},
		{
			name:       "InputPath applies before the rules and OutputPath after",
			choice:     `{"Type":"Choice","InputPath":"$.inner","OutputPath":"$.v","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"Echo"}],"Default":"B"}`,
			input:      `{"inner":{"n":1,"v":"kept"}}`,
			wantStatus: Succeeded, wantOutput: `"kept"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def := `{"StartAt":"C","States":{"C":` + tt.choice + `,
			  "A":{"Type":"Pass","Result":"A","End":true},"B":{"Type":"Pass","Result":"B","End":true},"Echo":{"Type":"Pass","End":true}}}`
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

func TestFailState(t *testing.T) {
	tests := []struct {
		name, fail, input    string
		wantError, wantCause string
		wantStatus           Status
	}{
		{"Error and Cause are reported as written", `{"Type":"Fail","Error":"Payment.Invalid","Cause":"bad"}`, `{}`, "Payment.Invalid", "bad", Failed},
		{"ErrorPath and CausePath read the state input", `{"Type":"Fail","ErrorPath":"$.e.Error","CausePath":"$.e.Cause"}`, `{"e":{"Error":"X","Cause":"{\"detail\":1}"}}`, "X", `{"detail":1}`, Failed},
		{"CausePath may be an intrinsic function", `{"Type":"Fail","Error":"E","CausePath":"States.Format('payment {} failed', $.id)"}`, `{"id":"p1"}`, "E", "payment p1 failed", Failed},
		{"ErrorPath may read the context object", `{"Type":"Fail","ErrorPath":"$$.State.Name","Cause":"c"}`, `{}`, "S", "c", Failed},
		{"a Fail state without fields fails with no error name", `{"Type":"Fail"}`, `{}`, "", "", Failed},
		{"an ErrorPath selecting a non-string is a runtime error", `{"Type":"Fail","ErrorPath":"$.n"}`, `{"n":1}`, ErrRuntime, "", Failed},
		{"a CausePath that matches nothing is a runtime error", `{"Type":"Fail","Error":"E","CausePath":"$.missing"}`, `{}`, ErrRuntime, "", Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := mustRun(t, mustNew(t, oneState(tt.fail), Options{}), tt.input)
			if exec.Status != tt.wantStatus || exec.Error != tt.wantError {
				t.Fatalf("got %s %q (%s), want %s %q", exec.Status, exec.Error, exec.Cause, tt.wantStatus, tt.wantError)
			}
			if tt.wantError != ErrRuntime && exec.Cause != tt.wantCause {
				t.Errorf("cause %q, want %q", exec.Cause, tt.wantCause)
			}
			n := len(exec.History)
			if exec.History[n-1].Type != ExecutionFailed || exec.History[n-2].Type != FailStateEntered {
				t.Errorf("history ends %s", eventTypes(exec.History))
			}
		})
	}
}

func TestWaitState(t *testing.T) {
	tests := []struct {
		name, wait, input string
		wantSleep         float64 // seconds; <0 means no sleep
		wantStatus        Status
	}{
		{"Seconds waits that long", `{"Type":"Wait","Seconds":30,"End":true}`, `{}`, 30, Succeeded},
		{"Seconds 0 does not wait", `{"Type":"Wait","Seconds":0,"End":true}`, `{}`, -1, Succeeded},
		{"SecondsPath reads the input", `{"Type":"Wait","SecondsPath":"$.delay","End":true}`, `{"delay":7}`, 7, Succeeded},
		{"SecondsPath selecting a negative number is a runtime error", `{"Type":"Wait","SecondsPath":"$.delay","End":true}`, `{"delay":-1}`, -1, Failed},
		{"SecondsPath selecting a string is a runtime error", `{"Type":"Wait","SecondsPath":"$.delay","End":true}`, `{"delay":"7"}`, -1, Failed},
		{"Timestamp waits until then", `{"Type":"Wait","Timestamp":"2026-11-25T12:01:00Z","End":true}`, `{}`, 60, Succeeded},
		{"a Timestamp in the past does not wait", `{"Type":"Wait","Timestamp":"2020-01-01T00:00:00Z","End":true}`, `{}`, -1, Succeeded},
		{"TimestampPath reads the input", `{"Type":"Wait","TimestampPath":"$.at","End":true}`, `{"at":"2026-11-25T12:00:10.5Z"}`, 10.5, Succeeded},
		{"TimestampPath selecting a non-timestamp is a runtime error", `{"Type":"Wait","TimestampPath":"$.at","End":true}`, `{"at":"tomorrow"}`, -1, Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			exec := mustRun(t, mustNew(t, oneState(tt.wait), Options{Clock: clock}), tt.input)
			if exec.Status != tt.wantStatus {
				t.Fatalf("status %s (%s %s), want %s", exec.Status, exec.Error, exec.Cause, tt.wantStatus)
			}
			slept := clock.slept()
			switch {
			case tt.wantSleep < 0 && len(slept) != 0:
				t.Errorf("slept %v, want no sleep", slept)
			case tt.wantSleep >= 0 && (len(slept) != 1 || slept[0] != seconds(tt.wantSleep)[0]):
				t.Errorf("slept %v, want %vs", slept, tt.wantSleep)
			}
			if tt.wantStatus == Succeeded && !jsonEq(t, exec.Output, tt.input) {
				t.Errorf("output %s, want the input %s", exec.Output, tt.input)
			}
		})
	}
}
