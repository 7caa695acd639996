package main

import "testing"

func TestJSON5IsRewrittenAsPythonsJSONDumpsSendsIt(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"comments and trailing commas go", "{\n // c\n \"a\": 1, /* d */\n \"b\": [1, 2,],\n}", `{"a": 1, "b": [1, 2]}`},
		{"unquoted keys and single-quoted strings", `{Comment: 'it\'s', "x.$": '$.a'}`, `{"Comment": "it's", "x.$": "$.a"}`},
		{"key order is kept", `{"b": 1, "a": 2}`, `{"b": 1, "a": 2}`},
		{"non-ASCII is escaped as Python does", `{"s": "é😀"}`, `{"s": "\u00e9\ud83d\ude00"}`},
		{"escapes in strings survive", `{"v": "$['Test\\\"\"Name\"']"}`, `{"v": "$['Test\\\"\"Name\"']"}`},
		{"floats are spelled as Python prints them", `{"f": 1.50, "e": 1e3, "i": 10}`, `{"f": 1.5, "e": 1000.0, "i": 10}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := json5ToJSON([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			got, err := pyDumps(j)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestJSON5RejectsWhatJSONCannotHold(t *testing.T) {
	for _, in := range []string{`{"a": NaN}`, `{"a": Infinity}`, `{"a": 'open}`, `{"a": /* open}`, `{"a": nope}`} {
		if _, err := json5ToJSON([]byte(in)); err == nil {
			t.Errorf("json5ToJSON(%q) succeeded", in)
		}
	}
}
