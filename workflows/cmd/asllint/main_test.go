package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpus = "../../asllint/testdata/"

func TestRunExitCodesAndOutput(t *testing.T) {
	names := filepath.Join(t.TempDir(), "names.txt")
	if err := os.WriteFile(names, []byte("# declared\nPayment.Invalid\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"a clean definition exits 0 and prints nothing", []string{"-type", "EXPRESS", "-sync", "-errors", "app", corpus + "good/payments.asl.json"}, 0, nil},
		{"an error finding exits 1 with path, state, rule, message and hint",
			[]string{"-errors", names, corpus + "bad/error-name.json"}, 1,
			[]string{`bad/error-name.json:A: error-name: error name "Payment.Invlid" is not declared (error, States.A.Error)`, `hint: did you mean "Payment.Invalid"?`}},
		{"the app's declared names catch the typo", []string{"-errors", "app", corpus + "bad/error-name.json"}, 1, []string{"error-name"}},
		{"warnings alone exit 0", []string{corpus + "bad/choice-default.json"}, 0, []string{"choice-default", "(warning, States.A)"}},
		{"-sync checks the budget of EXPRESS definitions", []string{"-type", "express", "-sync", corpus + "bad/sync-budget.json"}, 1, []string{"sync-budget", "41s exceeds the 29s budget"}},
		{"-budget changes the budget", []string{"-type", "EXPRESS", "-sync", "-budget", "60", corpus + "bad/sync-budget.json"}, 0, nil},
		{"-disable skips a rule", []string{"-disable", "catch-all", corpus + "bad/catch-all.json"}, 0, nil},
		{"a cloud assembly directory is linted", []string{"-sync", "-budget", "10", "../../asl/testdata/cdk.out"}, 1, []string{"PaymentsStack/PaymentsSM:-: sync-budget"}},
		{"a template file is linted", []string{"../../asl/testdata/cdk.out/PaymentsStack.template.json"}, 0, nil},
		{"invalid JSON is a definition-json error", []string{corpus + "bad/definition-json-truncated.json"}, 1, []string{"definition-json"}},
		{"no paths is a usage error", nil, 2, nil},
		{"an unknown flag is a usage error", []string{"-nope", "x.json"}, 2, nil},
		{"a missing file is an I/O error", []string{"does-not-exist.json"}, 2, nil},
		{"a missing names file is an I/O error", []string{"-errors", "nope.txt", corpus + "good/payments.asl.json"}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(tt.args, &out, &errOut)
			if code != tt.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errOut.String())
			}
			if tt.contains == nil && tt.code == 0 && out.Len() > 0 {
				t.Errorf("want no output, got:\n%s", out.String())
			}
			for _, want := range tt.contains {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestRunPrintsMachineReadableJSON(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-json", corpus + "bad/lambda-retry.json", corpus + "good/payments.asl.json"}, &out, &bytes.Buffer{}); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	var fs []struct {
		Rule, Severity, Machine, State, Path, Message, Hint string
	}
	if err := json.Unmarshal(out.Bytes(), &fs); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out.String())
	}
	if len(fs) != 1 || fs[0].Rule != "lambda-retry" || fs[0].State != "A" || fs[0].Path != "States.A.Retry" || fs[0].Hint == "" {
		t.Errorf("findings = %+v", fs)
	}
	out.Reset()
	if code := run([]string{"-json", corpus + "good/payments.asl.json"}, &out, &bytes.Buffer{}); code != 0 || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("a clean run prints [] and exits 0, got %d %q", code, out.String())
	}
}
