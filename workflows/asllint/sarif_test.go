package asllint_test

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

// sarifSchema compiles the vendored OASIS SARIF 2.1.0 schema (no network:
// the draft-04 meta-schema is built into the validator).
func sarifSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/sarif/sarif-schema-2.1.0.json")
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
	return sch
}

// ValidateSARIF fails the test when out is not a valid SARIF 2.1.0 log.
func validateSARIF(t *testing.T, sch *jsonschema.Schema, out []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("SARIF output is not JSON: %v", err)
	}
	if err := sch.Validate(v); err != nil {
		t.Fatalf("SARIF output does not match the 2.1.0 schema: %v", err)
	}
}

func TestTheSchemaValidatorRejectsAnInvalidSARIFLog(t *testing.T) {
	// A test that cannot fail is a defect: make sure the schema bites.
	sch := sarifSchema(t)
	for _, bad := range []string{
		`{"version": "2.1.0"}`,
		`{"version": "2.0.0", "runs": []}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "level": "fatal"}]}]}`,
		`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "locations": [{"physicalLocation": {"region": {"startLine": 0}}}]}]}]}`,
	} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err := sch.Validate(v); err == nil {
			t.Errorf("the schema accepted %s", bad)
		}
	}
}

func TestWriteSARIFProducesAValid2_1_0LogOfEveryFinding(t *testing.T) {
	sch := sarifSchema(t)
	// GIVEN every bad and good definition, linted with the strict profile
	var linted []asllint.Linted
	total := 0
	for _, dir := range []string{"bad", "good"} {
		for _, c := range loadCorpus(t, dir) {
			raw, err := os.ReadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			fs := asllint.LintJSON(c.file, raw, c.opts)
			total += len(fs)
			linted = append(linted, asllint.Linted{File: c.file, JSON: raw, JSONIsFile: true, Findings: fs})
		}
	}
	// WHEN they are written as SARIF
	var out bytes.Buffer
	if err := asllint.WriteSARIF(&out, linted); err != nil {
		t.Fatal(err)
	}
	// THEN the log matches the SARIF 2.1.0 schema
	validateSARIF(t, sch, out.Bytes())
	// AND it carries every rule and every finding with its rule, level and file
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID         string
						Help       struct{ Text string }
						Properties struct{ Category string }
					}
				}
			}
			Results []struct {
				RuleID    string
				RuleIndex int
				Level     string
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           *struct{ StartLine int }
					}
					LogicalLocations []struct{ Name, FullyQualifiedName string }
				}
			}
		}
	}
	if err := json.Unmarshal(out.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	run := log.Runs[0]
	if len(run.Tool.Driver.Rules) != len(asllint.Rules()) {
		t.Errorf("%d rules described, want %d", len(run.Tool.Driver.Rules), len(asllint.Rules()))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.Help.Text == "" || (r.Properties.Category != "spec" && r.Properties.Category != "policy") {
			t.Errorf("rule %s lacks help text or category: %+v", r.ID, r)
		}
	}
	if len(run.Results) != total || total == 0 {
		t.Fatalf("%d results, want %d findings", len(run.Results), total)
	}
	for _, res := range run.Results {
		if run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s points at rule %d (%s)", res.RuleID, res.RuleIndex, run.Tool.Driver.Rules[res.RuleIndex].ID)
		}
		loc := res.Locations[0]
		if !strings.HasPrefix(loc.PhysicalLocation.ArtifactLocation.URI, "testdata/") || len(loc.LogicalLocations) != 1 {
			t.Errorf("result %s has location %+v", res.RuleID, loc)
		}
		if res.RuleID != "definition-json" && loc.PhysicalLocation.Region == nil {
			t.Errorf("result %s in %s has no line", res.RuleID, loc.PhysicalLocation.ArtifactLocation.URI)
		}
	}
}

func TestWriteSARIFLocatesAFindingByLineAndJSONPointer(t *testing.T) {
	src := []byte(`{
  "StartAt": "Pay.v2",
  "States": {
    "Pay.v2": {
      "Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pay",
      "TimeoutSeconds": 3,
      "Retry": [
        {"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 2},
        {"ErrorEquals": ["States.Timout"], "MaxAttempts": 1}
      ],
      "End": true
    }
  }
}`)
	fs := asllint.LintJSON("pay.asl.json", src, asllint.Options{Enable: []string{"error-name"}})
	if len(fs) != 1 {
		t.Fatalf("want the one error-name finding, got %v", fs)
	}
	var out bytes.Buffer
	if err := asllint.WriteSARIF(&out, []asllint.Linted{{File: filepath.Join("wf", "pay one.asl.json"), JSON: src, JSONIsFile: true, Findings: fs}}); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, sarifSchema(t), out.Bytes())
	for _, want := range []string{
		`"ruleId": "error-name"`,
		`"level": "error"`,
		`"uri": "wf/pay%20one.asl.json"`,
		`"startLine": 10`,
		`"fullyQualifiedName": "pay.asl.json#/States/Pay.v2/Retry/1/ErrorEquals/0"`,
		`"name": "Pay.v2"`,
		`"category": "policy"`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("SARIF lacks %s:\n%s", want, out.String())
		}
	}
}

func TestPointerAndLineFollowStateNamesWithDotsAndBrackets(t *testing.T) {
	src := []byte(`{"States": {
  "a": {"x": 1},
  "a.b": {"Next": "c"},
  "w[0]": {"Retry": [{}, {"E": ["x"]}]},
  "s~/t": {}
}}`)
	tests := []struct {
		path, ptr string
		exact     bool
		line      int
	}{
		{"", "", true, 1},
		{"States.a.b.Next", "/States/a.b/Next", true, 3},
		{"States.a.x", "/States/a/x", true, 2},
		{"States.w[0].Retry[1].E[0]", "/States/w[0]/Retry/1/E/0", true, 4},
		{"States.s~/t", "/States/s~0~1t", true, 5},
		{"States.a.b.Default", "/States/a.b", false, 3},
		{"States.nope", "/States", false, 1},
		{"States.w[0].Retry[7]", "/States/w[0]/Retry", false, 4},
	}
	for _, tt := range tests {
		ptr, exact := asllint.Pointer(src, tt.path)
		if ptr != tt.ptr || exact != tt.exact {
			t.Errorf("Pointer(%q) = %q, %v; want %q, %v", tt.path, ptr, exact, tt.ptr, tt.exact)
		}
		if got := asllint.Line(src, ptr); got != tt.line {
			t.Errorf("Line(%q) = %d, want %d", ptr, got, tt.line)
		}
	}
	if ptr, exact := asllint.Pointer([]byte("{"), "States"); ptr != "" || exact {
		t.Errorf("a broken definition yields no pointer, got %q", ptr)
	}
	if n := asllint.Line([]byte(`{"a": 1}`), "/b"); n != 0 {
		t.Errorf("a pointer to nothing has line 0, got %d", n)
	}
}

func FuzzPointerAndLine(f *testing.F) {
	f.Add([]byte(`{"States": {"a.b": {"Retry": [{"E": 1}]}}}`), "States.a.b.Retry[0].E")
	f.Add([]byte(`[[[[1]]]]`), "[0][0]")
	f.Fuzz(func(t *testing.T, src []byte, path string) {
		ptr, _ := asllint.Pointer(src, path)
		if n := asllint.Line(src, ptr); n < 0 || n > bytes.Count(src, []byte("\n"))+1 {
			t.Fatalf("Line = %d outside the text", n)
		}
	})
}
