package asllint_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asllint"
)

func TestProfilesAndRuleSettingsChooseTheRulesThatRun(t *testing.T) {
	// A Task with a timeout but no catch-all, and a Pass state nothing names:
	// one policy finding (catch-all) and one spec finding (unreachable-state).
	const def = `{"StartAt": "A", "States": {
	  "A": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "TimeoutSeconds": 5, "End": true},
	  "B": {"Type": "Pass", "End": true}}}`
	tests := []struct {
		name string
		opts asllint.Options
		want []string // "rule:severity"
	}{
		{"the zero Options run the spec profile", asllint.Options{}, []string{"unreachable-state:error"}},
		{"the spec profile skips policy rules", asllint.Options{Profile: asllint.ProfileSpec}, []string{"unreachable-state:error"}},
		{"the strict profile runs spec and policy rules", asllint.Options{Profile: asllint.ProfileStrict}, []string{"catch-all:error", "unreachable-state:error"}},
		{"Enable adds a policy rule to the spec profile", asllint.Options{Enable: []string{"catch-all"}}, []string{"catch-all:error", "unreachable-state:error"}},
		{"Disable removes a spec rule", asllint.Options{Disable: []string{"unreachable-state"}}, nil},
		{"Disable wins over Enable", asllint.Options{Enable: []string{"catch-all"}, Disable: []string{"catch-all"}}, []string{"unreachable-state:error"}},
		{"Severity re-grades every finding of a rule", asllint.Options{Profile: asllint.ProfileStrict, Severity: map[string]asllint.Severity{"catch-all": asllint.Warning}},
			[]string{"catch-all:warning", "unreachable-state:error"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range asllint.LintJSON("m", []byte(def), tt.opts) {
				got = append(got, f.Rule+":"+string(f.Severity))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDefinitionJSONFollowsTheRuleSettingsToo(t *testing.T) {
	if fs := asllint.LintJSON("m", []byte("{"), asllint.Options{Disable: []string{"definition-json"}}); len(fs) != 0 {
		t.Errorf("a disabled definition-json still reported %v", fs)
	}
	fs := asllint.LintJSON("m", []byte("{"), asllint.Options{Severity: map[string]asllint.Severity{"definition-json": asllint.Warning}})
	if len(fs) != 1 || fs[0].Severity != asllint.Warning {
		t.Errorf("definition-json re-graded to warning = %v", fs)
	}
}

func TestOptionsValidateNamesEveryUnknownSetting(t *testing.T) {
	if err := (asllint.Options{Profile: asllint.ProfileStrict, Enable: []string{"catch-all"}, MachineType: asllint.Express}).Validate(); err != nil {
		t.Errorf("valid options: %v", err)
	}
	err := asllint.Options{Profile: "lax", Enable: []string{"catch-al"}, Disable: []string{"nope"},
		Severity: map[string]asllint.Severity{"task-timeout": "fatal"}, MachineType: "FAST"}.Validate()
	if err == nil {
		t.Fatal("invalid options accepted")
	}
	for _, want := range []string{`profile "lax"`, `rule "catch-al"`, `rule "nope"`, `severity "fatal"`, `machine type "FAST"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestParseConfigReadsEverySettingAndRejectsTypos(t *testing.T) {
	c, err := asllint.ParseConfig([]byte(`{
	  "profile": "strict",
	  "rules": {"catch-all": "off", "choice-default": "error", "dead-state": "on"},
	  "declaredErrors": ["Payment.Invalid"],
	  "machineType": "express",
	  "synchronous": true,
	  "budgetSeconds": 20,
	  "maxRetryAttempts": 4
	}`))
	if err != nil {
		t.Fatal(err)
	}
	o, err := c.Options()
	if err != nil {
		t.Fatal(err)
	}
	want := asllint.Options{
		Profile: asllint.ProfileStrict, Enable: []string{"choice-default", "dead-state"}, Disable: []string{"catch-all"},
		Severity:       map[string]asllint.Severity{"choice-default": asllint.Error},
		DeclaredErrors: []string{"Payment.Invalid"}, MachineType: asllint.Express, Synchronous: true, BudgetSeconds: 20, MaxRetryAttempts: 4,
	}
	if !reflect.DeepEqual(o, want) {
		t.Errorf("options = %+v\nwant      %+v", o, want)
	}

	bad := []struct {
		name, config, want string
	}{
		{"an unknown field", `{"profiles": "strict"}`, `unknown field "profiles"`},
		{"an unknown profile", `{"profile": "lax"}`, `unknown profile "lax"`},
		{"an unknown rule", `{"rules": {"catch-al": "off"}}`, `unknown rule "catch-al"`},
		{"an unknown rule setting", `{"rules": {"catch-all": "disabled"}}`, `setting "disabled"`},
		{"a negative budget", `{"budgetSeconds": -1}`, "negative"},
		{"trailing data", `{} {}`, "trailing data"},
		{"not JSON", `profile: strict`, "config:"},
	}
	for _, tt := range bad {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			_, err := asllint.ParseConfig([]byte(tt.config))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig(%s) error = %v, want one mentioning %q", tt.config, err, tt.want)
			}
		})
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(`{"profile": "strict", "rules": {"catch-all": "off", "choice-default": "error"}, "budgetSeconds": 20}`))
	f.Add([]byte(`{"rules": {"nope": "on"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := asllint.ParseConfig(data)
		if err != nil {
			return
		}
		o, err := c.Options()
		if err != nil {
			t.Fatalf("ParseConfig accepted a config whose Options fail: %v", err)
		}
		if err := o.Validate(); err != nil {
			t.Fatalf("ParseConfig accepted invalid options: %v", err)
		}
	})
}
