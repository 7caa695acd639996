package asllint_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

// corpusCase is one definition of testdata with the expectations it
// declares: "asllint-test: expect=rule,...; type=EXPRESS; sync=true;
// declared=none|A|B" in its top-level Comment, or in a sibling .expected
// file when the file is not valid JSON. The expectations are those of the
// strict profile (every rule); under the spec profile a file must yield
// exactly the spec rules among them.
type corpusCase struct {
	file   string
	expect []string
	opts   asllint.Options
}

var directive = regexp.MustCompile(`asllint-test:([^"]*)`)

func loadCorpus(t *testing.T, dir string) []corpusCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files in testdata/%s: %v", dir, err)
	}
	var out []corpusCase
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if exp, err := os.ReadFile(f + ".expected"); err == nil {
			raw = exp
		}
		m := directive.FindSubmatch(raw)
		if m == nil {
			t.Fatalf("%s declares no expectations (asllint-test: expect=...)", f)
		}
		c := corpusCase{file: f, opts: asllint.Options{Profile: asllint.ProfileStrict, DeclaredErrors: errorname.Strings(errorname.Declared())}}
		for _, kv := range strings.Split(string(m[1]), ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			v = strings.TrimSpace(v)
			switch k {
			case "expect":
				for _, r := range strings.Split(v, ",") {
					if r = strings.TrimSpace(r); r != "" {
						c.expect = append(c.expect, r)
					}
				}
			case "type":
				c.opts.MachineType = v
			case "sync":
				c.opts.Synchronous = v == "true"
			case "declared":
				c.opts.DeclaredErrors = nil
				if v != "none" {
					c.opts.DeclaredErrors = strings.Split(v, "|")
				}
			case "":
			default:
				t.Fatalf("%s: unknown directive key %q", f, k)
			}
		}
		sort.Strings(c.expect)
		out = append(out, c)
	}
	return out
}

func ruleSet(fs []asllint.Finding) []string {
	var out []string
	for _, f := range fs {
		if !slices.Contains(out, f.Rule) {
			out = append(out, f.Rule)
		}
	}
	sort.Strings(out)
	return out
}

func TestCorpusBadDefinitionsYieldExactlyTheirDeclaredRules(t *testing.T) {
	for _, c := range loadCorpus(t, "bad") {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			if len(c.expect) == 0 {
				t.Fatal("a bad definition must expect at least one rule")
			}
			raw, _ := os.ReadFile(c.file)
			fs := asllint.LintJSON(c.file, raw, c.opts)
			if got := ruleSet(fs); !slices.Equal(got, c.expect) {
				t.Errorf("rules = %v, want %v\n%s", got, c.expect, dump(fs))
			}
		})
	}
}

func TestCorpusBadDefinitionsYieldOnlyTheirSpecRulesUnderTheSpecProfile(t *testing.T) {
	category := map[string]asllint.Category{}
	for _, r := range asllint.Rules() {
		category[r.ID] = r.Category
	}
	for _, c := range loadCorpus(t, "bad") {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			var want []string
			for _, r := range c.expect {
				if category[r] == asllint.Spec {
					want = append(want, r)
				}
			}
			opts := c.opts
			opts.Profile = asllint.ProfileSpec
			raw, _ := os.ReadFile(c.file)
			fs := asllint.LintJSON(c.file, raw, opts)
			if got := ruleSet(fs); !slices.Equal(got, want) {
				t.Errorf("rules = %v, want %v\n%s", got, want, dump(fs))
			}
		})
	}
}

func TestCorpusGoodDefinitionsAreClean(t *testing.T) {
	for _, c := range loadCorpus(t, "good") {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			raw, _ := os.ReadFile(c.file)
			if fs := asllint.LintJSON(c.file, raw, c.opts); len(fs) > 0 {
				t.Errorf("want no findings, got:\n%s", dump(fs))
			}
		})
	}
}

func TestEveryRegisteredRuleHasABadExample(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range loadCorpus(t, "bad") {
		for _, r := range c.expect {
			covered[r] = true
		}
	}
	for _, r := range asllint.Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no example in testdata/bad", r.ID)
		}
	}
}

func dump(fs []asllint.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + " [" + f.Path + "]\n")
	}
	return b.String()
}
