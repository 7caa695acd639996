package asllint_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

// update rewrites the public corpus's expectation files from the linter's
// current output: go test ./workflows/asllint -run PublicCorpus -update.
// Review the diff: a new spec-profile line is a false alarm until proven a
// real error (docs/linter.md, "Public corpus").
var update = flag.Bool("update", false, "rewrite testdata/corpus/expected-*.txt")

const publicCorpus = "testdata/corpus"

// manifestEntry is one line of testdata/corpus/manifest.json.
type manifestEntry struct {
	File, Repo, Commit, Path, From, Licence string
}

// publicDefinitions returns the corpus files, sorted, relative to
// testdata/corpus.
func publicDefinitions(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(publicCorpus, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".asl.json") {
			rel, _ := filepath.Rel(publicCorpus, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 200 {
		t.Fatalf("the public corpus has %d definitions, want over 200", len(files))
	}
	return files
}

func TestPublicCorpusManifestNamesTheSourceAndLicenceOfEveryFile(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(publicCorpus, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []manifestEntry
	if err := json.Unmarshal(raw, &entries); err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, e := range entries {
		if listed[e.File] {
			t.Errorf("%s is listed twice", e.File)
		}
		listed[e.File] = true
		if e.Repo == "" || e.Path == "" || len(e.Commit) != 40 || e.From == "" {
			t.Errorf("%s: incomplete source %+v", e.File, e)
		}
		if _, err := os.Stat(filepath.Join(publicCorpus, e.Licence)); e.Licence == "" || err != nil {
			t.Errorf("%s: licence file %q: %v", e.File, e.Licence, err)
		}
	}
	files := publicDefinitions(t)
	for _, f := range files {
		if !listed[f] {
			t.Errorf("%s is not in manifest.json", f)
		}
		delete(listed, f)
	}
	for f := range listed {
		t.Errorf("manifest.json lists %s, which is not in the corpus", f)
	}
}

// lintSafely lints one file, turning a panic into a test error.
func lintSafely(t *testing.T, name string, raw []byte, opts asllint.Options) (fs []asllint.Finding) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: the linter crashed: %v", name, r)
		}
	}()
	fs = asllint.LintJSON(name, raw, opts)
	if d, err := asl.Parse(raw); err == nil {
		_ = asllint.Mermaid(d)
		_ = asllint.Bound(d)
	}
	return fs
}

// checkExpectations compares got with the checked-in file, or rewrites it
// with -update.
func checkExpectations(t *testing.T, file, header string, got []string) {
	t.Helper()
	path := filepath.Join(publicCorpus, file)
	text := header + strings.Join(got, "\n") + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, line := range strings.Split(string(raw), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			want = append(want, line)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			t.Errorf("new in %s (a false alarm until proven real; see docs/linter.md):\n  %s", file, l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			t.Errorf("gone from %s (update it with -update if intended):\n  %s", file, l)
		}
	}
}

func TestPublicCorpusSpecProfileFindsExactlyTheKnownRealErrors(t *testing.T) {
	// GIVEN over 200 public definitions (AWS accepts all but the few listed
	// in expected-spec.txt, each a real error documented in docs/linter.md)
	var got []string
	for _, f := range publicDefinitions(t) {
		raw, err := os.ReadFile(filepath.Join(publicCorpus, f))
		if err != nil {
			t.Fatal(err)
		}
		// WHEN each is linted with the default (spec) profile
		for _, fd := range lintSafely(t, f, raw, asllint.Options{}) {
			got = append(got, fmt.Sprintf("%s\t%s\t%s", f, fd.Rule, fd.Path))
		}
	}
	// THEN the findings are exactly the expected ones: a new line is a false
	// alarm on a definition AWS accepts
	checkExpectations(t, "expected-spec.txt",
		"# Spec-profile findings on the public corpus: file, rule, path. Each is a real\n"+
			"# error (see docs/linter.md, \"Public corpus\"); regenerate with -update.\n", got)
}

func TestPublicCorpusStrictProfileCountsByRule(t *testing.T) {
	// The strict profile adds this project's policy; its counts show how far
	// public workflows are from it (and catch a rule whose reach changes).
	findings := map[string]int{}
	files := map[string]map[string]bool{}
	var all []asllint.Linted
	defs := publicDefinitions(t)
	for _, f := range defs {
		raw, err := os.ReadFile(filepath.Join(publicCorpus, f))
		if err != nil {
			t.Fatal(err)
		}
		fs := lintSafely(t, f, raw, asllint.Options{Profile: asllint.ProfileStrict})
		all = append(all, asllint.Linted{File: f, JSON: raw, JSONIsFile: true, Findings: fs})
		for _, fd := range fs {
			findings[fd.Rule]++
			if files[fd.Rule] == nil {
				files[fd.Rule] = map[string]bool{}
			}
			files[fd.Rule][f] = true
		}
	}
	flagged := map[string]bool{}
	var got []string
	total := 0
	for _, r := range asllint.Rules() {
		if findings[r.ID] == 0 {
			continue
		}
		for f := range files[r.ID] {
			flagged[f] = true
		}
		total += findings[r.ID]
		got = append(got, fmt.Sprintf("%s\t%s\t%d findings\t%d files", r.ID, r.Category, findings[r.ID], len(files[r.ID])))
	}
	got = append(got, fmt.Sprintf("total\t-\t%d findings\t%d files of %d", total, len(flagged), len(defs)))
	checkExpectations(t, "expected-strict.txt",
		"# Strict-profile findings on the public corpus by rule: rule, category, findings, files.\n"+
			"# Regenerate with -update.\n", got)

	// The whole corpus also makes a valid SARIF log.
	var out bytes.Buffer
	if err := asllint.WriteSARIF(&out, all); err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, sarifSchema(t), out.Bytes())
}
