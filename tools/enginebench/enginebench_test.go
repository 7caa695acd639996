package main

import (
	"context"
	"encoding/json"
	"os/exec"
	"testing"
)

// TestEnginesAgree runs every case once on both engines and requires the
// same outcome (status, output as a JSON value, error and cause), so that
// the benchmark compares equal work. It lives in this module only: the
// repository's `go test ./...` does not run it (it needs npm).
func TestEnginesAgree(t *testing.T) {
	cases, err := loadCases("cases.json", "../..")
	if err != nil {
		t.Fatal(err)
	}
	node, err := installNode(context.Background())
	if err != nil {
		t.Skipf("aws-local-stepfunctions is not installed: %v", err)
	}
	out, err := exec.Command(node, "bench.mjs", "cases.json", "../..", "once").Output()
	if err != nil {
		t.Fatalf("node bench.mjs once: %v", err)
	}
	var theirs map[string]outcome
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatal(err)
	}
	if len(theirs) != len(cases) {
		t.Fatalf("aws-local-stepfunctions ran %d cases, want %d", len(theirs), len(cases))
	}
	for _, c := range cases {
		run, err := aslrunCase(c, true)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := run()
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if !sameOutcome(ours, theirs[c.Name]) {
			t.Errorf("%s: aslrun %s, aws-local-stepfunctions %s", c.Name, js(ours), js(theirs[c.Name]))
		}
		if ours.Status == "" {
			t.Errorf("%s: no status", c.Name)
		}
	}
}

func TestSameOutcome(t *testing.T) {
	ok := outcome{Status: "SUCCEEDED", Output: json.RawMessage(`{"a":1,"b":[2]}`)}
	for _, tc := range []struct {
		name string
		b    outcome
		want bool
	}{
		{"key order", outcome{Status: "SUCCEEDED", Output: json.RawMessage(`{"b":[2],"a":1}`)}, true},
		{"other value", outcome{Status: "SUCCEEDED", Output: json.RawMessage(`{"a":2,"b":[2]}`)}, false},
		{"other status", outcome{Status: "FAILED", Error: "X"}, false},
		{"bad JSON", outcome{Status: "SUCCEEDED", Output: json.RawMessage(`{`)}, false},
	} {
		if got := sameOutcome(ok, tc.b); got != tc.want {
			t.Errorf("%s: sameOutcome = %v, want %v", tc.name, got, tc.want)
		}
	}
	if sameOutcome(outcome{Status: "FAILED", Error: "A", Cause: "c"}, outcome{Status: "FAILED", Error: "A", Cause: "d"}) {
		t.Error("different causes compare equal")
	}
}
