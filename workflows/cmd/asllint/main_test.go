package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/resilientpay/paymentapi/workflows/asllint"
)

const corpus = "../../asllint/testdata/"

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunExitCodesAndOutput(t *testing.T) {
	names := writeFile(t, "names.txt", "# declared\nPayment.Invalid\n\n")
	lax := writeFile(t, "lax.json", `{"profile": "strict", "rules": {"catch-all": "off", "task-timeout": "warning"}}`)
	strict := writeFile(t, "strict.json", `{"profile": "strict"}`)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
	}{
		{"a clean definition exits 0 and prints nothing", []string{"-profile", "strict", "-type", "EXPRESS", "-sync", "-errors", "app", corpus + "good/payments.asl.json"}, 0, nil},
		{"an error finding exits 1 with path, state, rule, message and hint",
			[]string{"-profile", "strict", "-errors", names, corpus + "bad/error-name.json"}, 1,
			[]string{`bad/error-name.json:A: error-name: error name "Payment.Invlid" is not declared (error, States.A.Error)`, `hint: did you mean "Payment.Invalid"?`}},
		{"the app's declared names catch the typo", []string{"-profile", "strict", "-errors", "app", corpus + "bad/error-name.json"}, 1, []string{"error-name"}},
		{"the spec profile is the default and skips policy rules", []string{corpus + "bad/catch-all.json"}, 0, nil},
		{"the spec profile reports what AWS rejects", []string{corpus + "bad/next-target.json"}, 1, []string{"next-target"}},
		{"-enable runs a policy rule under the spec profile", []string{"-enable", "catch-all", corpus + "bad/catch-all.json"}, 1, []string{"catch-all"}},
		{"warnings alone exit 0", []string{"-profile", "strict", corpus + "bad/choice-default.json"}, 0, []string{"choice-default", "(warning, States.A)"}},
		{"-sync checks the budget of EXPRESS definitions", []string{"-profile", "strict", "-type", "express", "-sync", corpus + "bad/sync-budget.json"}, 1, []string{"sync-budget", "41s exceeds the 29s budget"}},
		{"-budget changes the budget", []string{"-profile", "strict", "-type", "EXPRESS", "-sync", "-budget", "60", corpus + "bad/sync-budget.json"}, 0, nil},
		{"-disable skips a rule", []string{"-profile", "strict", "-disable", "catch-all", corpus + "bad/catch-all.json"}, 0, nil},
		{"a config file turns a rule off", []string{"-config", lax, corpus + "bad/catch-all.json"}, 0, nil},
		{"a config file re-grades a rule", []string{"-config", lax, corpus + "bad/task-timeout.json"}, 0, []string{"task-timeout", "(warning"}},
		{"the config file's profile applies", []string{"-config", strict, corpus + "bad/catch-all.json"}, 1, []string{"catch-all"}},
		{"-profile overrides the config file", []string{"-config", strict, "-profile", "spec", corpus + "bad/catch-all.json"}, 0, nil},
		{"a cloud assembly directory is linted", []string{"-profile", "strict", "-sync", "-budget", "10", "../../asl/testdata/cdk.out"}, 1, []string{"PaymentsStack/PaymentsSM:-: sync-budget"}},
		{"a template file is linted", []string{"-profile", "strict", "../../asl/testdata/cdk.out/PaymentsStack.template.json"}, 0, nil},
		{"invalid JSON is a definition-json error", []string{corpus + "bad/definition-json-truncated.json"}, 1, []string{"definition-json"}},
		{"no paths is a usage error", nil, 2, nil},
		{"an unknown flag is a usage error", []string{"-nope", "x.json"}, 2, nil},
		{"an unknown profile is a usage error", []string{"-profile", "lax", corpus + "good/payments.asl.json"}, 2, nil},
		{"an unknown rule is a usage error", []string{"-disable", "catch-al", corpus + "good/payments.asl.json"}, 2, nil},
		{"an unknown format is a usage error", []string{"-format", "xml", corpus + "good/payments.asl.json"}, 2, nil},
		{"-json contradicting -format is a usage error", []string{"-json", "-format", "sarif", corpus + "good/payments.asl.json"}, 2, nil},
		{"a missing config file is an I/O error", []string{"-config", "nope.json", corpus + "good/payments.asl.json"}, 2, nil},
		{"an invalid config file is a usage error", []string{"-config", writeFile(t, "bad.json", `{"rules": {"catch-all": "maybe"}}`), corpus + "good/payments.asl.json"}, 2, nil},
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
			if tt.contains == nil && out.Len() > 0 {
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
	if code := run([]string{"-json", "-profile", "strict", corpus + "bad/lambda-retry.json", corpus + "good/payments.asl.json"}, &out, &bytes.Buffer{}); code != 1 {
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
	if code := run([]string{"-format", "json", corpus + "good/payments.asl.json"}, &out, &bytes.Buffer{}); code != 0 || strings.TrimSpace(out.String()) != "[]" {
		t.Errorf("a clean run prints [] and exits 0, got %d %q", code, out.String())
	}
}

func TestRunWritesSARIFThatMatchesTheSchema(t *testing.T) {
	f, err := os.Open(corpus + "sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(asllint.SARIFSchemaURI, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(asllint.SARIFSchemaURI)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"findings of definition files carry lines", []string{"-format", "sarif", "-profile", "strict", corpus + "bad/catch-all.json", corpus + "bad/next-target.json"}, 1,
			[]string{`"ruleId": "catch-all"`, `"ruleId": "next-target"`, `"startLine": `, `bad/catch-all.json"`}},
		{"findings of a cloud assembly name the template and the machine", []string{"-format", "sarif", "-profile", "strict", "-sync", "-budget", "10", "../../asl/testdata/cdk.out"}, 1,
			[]string{`"ruleId": "sync-budget"`, `PaymentsStack.template.json"`, `"fullyQualifiedName": "PaymentsStack/PaymentsSM#"`}},
		{"a clean run is a log with no results", []string{"-format", "sarif", corpus + "good/payments.asl.json"}, 0, []string{`"results": []`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(tt.args, &out, &errOut); code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errOut.String())
			}
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out.Bytes()))
			if err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if err := sch.Validate(v); err != nil {
				t.Fatalf("not SARIF 2.1.0: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("SARIF lacks %s", w)
				}
			}
		})
	}
}
