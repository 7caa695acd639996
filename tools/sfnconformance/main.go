// Command sfnconformance converts the executions LocalStack's Step
// Functions test suite recorded against AWS into conformance cases for the
// local ASL executor (workflows/aslrun).
//
// LocalStack (github.com/localstack/localstack, Apache-2.0) keeps, beside
// each test under tests/aws/services/stepfunctions/v2, a snapshot file with
// the execution histories AWS returned, and the state machine templates
// under tests/aws/services/stepfunctions/templates. For every recorded
// history of a test validated against AWS, the converter finds the template
// the test sent (the template constants the test names, checked against
// the states the history entered), re-encodes it as the test did
// (json.dumps of the JSON5 template) and writes the input, the recorded
// outcome (status, output, error, cause) and the recorded Lambda results.
// A history whose definition needs an AWS service other than Lambda, or
// whose template the test edits in ways the converter does not reproduce,
// is listed as skipped with the reason.
//
// Usage:
//
//	go run ./tools/sfnconformance -src /path/to/localstack -out workflows/aslrun/testdata/conformance
//
// -src is a checkout or a bare git repository of localstack/localstack.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

const (
	testsRoot     = "tests/aws/services/stepfunctions/v2"
	templatesRoot = "tests/aws/services/stepfunctions/templates"
)

func main() {
	src := flag.String("src", "", "checkout or bare git repository of localstack/localstack")
	out := flag.String("out", "", "output directory for the cases")
	flag.Parse()
	if *src == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	s, err := openSource(*src)
	if err != nil {
		log.Fatal(err)
	}
	suite, err := convert(s)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	b, err := encodeSuite(suite)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*out, "cases.json"), b, 0o644); err != nil {
		log.Fatal(err)
	}
	if lic, err := s.read("LICENSE.txt"); err == nil {
		if err := os.WriteFile(filepath.Join(*out, "LICENSE.txt"), lic, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	notice := fmt.Sprintf(`The definitions, inputs and recorded outcomes in cases.json are derived from
LocalStack's Step Functions test suite (https://github.com/localstack/localstack,
%s and %s), commit %s,
licensed under the Apache License 2.0 (LICENSE.txt beside this file).
They were converted by tools/sfnconformance; the recordings are AWS Step
Functions execution histories captured by the LocalStack authors.
`, templatesRoot, testsRoot, suite.Commit)
	if err := os.WriteFile(filepath.Join(*out, "NOTICE"), []byte(notice), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("found %d recorded executions, converted %d, skipped %d", suite.Found, len(suite.Cases), len(suite.Skipped))
}

// Suite is the converter's output.
type Suite struct {
	Source string `json:"source"`
	Commit string `json:"commit"`
	// Found counts the recorded executions of tests validated against AWS.
	Found   int            `json:"found"`
	Skipped []Skip         `json:"skipped"`
	Counts  map[string]int `json:"skippedByReason"`
	Cases   []Case         `json:"cases"`
	// Accepted lists every distinct definition AWS ran in the recordings
	// (converted or not: those needing other services too), for the linter.
	Accepted []Accepted `json:"accepted"`
}

// Accepted is a definition AWS accepted and ran.
type Accepted struct {
	Template   string `json:"template"`
	Definition string `json:"definition"`
}

// Skip is a recorded execution the converter did not convert.
type Skip struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// Case is one recorded execution.
type Case struct {
	Name       string          `json:"name"`
	Template   string          `json:"template"`
	Definition string          `json:"definition"`
	Input      json.RawMessage `json:"input"`
	Status     string          `json:"status"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      json.RawMessage `json:"error,omitempty"`
	Cause      json.RawMessage `json:"cause,omitempty"`
	Tasks      []Task          `json:"tasks,omitempty"`
}

// Task is one recorded Lambda invocation: its input and its result, error
// or time-out.
type Task struct {
	State    string          `json:"state"`
	Resource string          `json:"resource"`
	Input    json.RawMessage `json:"input"`
	Output   json.RawMessage `json:"output,omitempty"`
	Error    json.RawMessage `json:"error,omitempty"`
	Cause    json.RawMessage `json:"cause,omitempty"`
	TimedOut bool            `json:"timedOut,omitempty"`
}

// encodeSuite writes the suite as JSON with one case or skip a line, so
// that a refresh reads well as a diff. Recorded values stay as recorded
// (compact, in their order).
func encodeSuite(s *Suite) ([]byte, error) {
	var buf bytes.Buffer
	line := func(prefix string, v any, suffix string) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.WriteString(prefix)
		buf.Write(b)
		buf.WriteString(suffix)
		return nil
	}
	buf.WriteString("{\n")
	line(`"source": `, s.Source, ",\n")
	line(`"commit": `, s.Commit, ",\n")
	line(`"found": `, s.Found, ",\n")
	line(`"skippedByReason": `, s.Counts, ",\n")
	buf.WriteString(`"skipped": [` + "\n")
	for i, sk := range s.Skipped {
		sep := ",\n"
		if i == len(s.Skipped)-1 {
			sep = "\n"
		}
		if err := line("", sk, sep); err != nil {
			return nil, err
		}
	}
	buf.WriteString("],\n" + `"cases": [` + "\n")
	for i, c := range s.Cases {
		sep := ",\n"
		if i == len(s.Cases)-1 {
			sep = "\n"
		}
		if err := line("", c, sep); err != nil {
			return nil, err
		}
	}
	buf.WriteString("],\n" + `"accepted": [` + "\n")
	for i, a := range s.Accepted {
		sep := ",\n"
		if i == len(s.Accepted)-1 {
			sep = "\n"
		}
		if err := line("", a, sep); err != nil {
			return nil, err
		}
	}
	buf.WriteString("]\n}\n")
	if !json.Valid(buf.Bytes()) {
		return nil, fmt.Errorf("the suite does not encode as JSON")
	}
	return buf.Bytes(), nil
}

type skipError string

func (e skipError) Error() string { return string(e) }

func convert(s source) (*Suite, error) {
	commit, err := s.commit()
	if err != nil {
		return nil, err
	}
	suite := &Suite{Source: "github.com/localstack/localstack", Commit: commit, Counts: map[string]int{}}
	templates, err := loadTemplateConstants(s)
	if err != nil {
		return nil, err
	}
	files, err := s.list(testsRoot)
	if err != nil {
		return nil, err
	}
	accepted := map[string]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".snapshot.json") {
			continue
		}
		if err := convertFile(s, suite, templates, f, accepted); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	for d, t := range accepted {
		suite.Accepted = append(suite.Accepted, Accepted{Template: t, Definition: d})
	}
	sort.Slice(suite.Accepted, func(i, j int) bool {
		a, b := suite.Accepted[i], suite.Accepted[j]
		return a.Template < b.Template || a.Template == b.Template && a.Definition < b.Definition
	})
	for _, sk := range suite.Skipped {
		suite.Counts[sk.Reason]++
	}
	return suite, nil
}

// loadTemplateConstants maps "Class.CONSTANT" to the template file path.
func loadTemplateConstants(s source) (map[string]string, error) {
	files, err := s.list(templatesRoot)
	if err != nil {
		return nil, err
	}
	classRe := regexp.MustCompile(`(?m)^class (\w+)\(`)
	constRe := regexp.MustCompile(`(?s)(\w+)(?:: Final\[str\])? = os\.path\.join\(\s*_THIS_FOLDER,\s*"([^"]+)",?\s*\)`)
	out := map[string]string{}
	for _, f := range files {
		if !strings.HasSuffix(f, ".py") {
			continue
		}
		b, err := s.read(f)
		if err != nil {
			return nil, err
		}
		cm := classRe.FindSubmatch(b)
		if cm == nil {
			continue
		}
		class := string(cm[1])
		for _, m := range constRe.FindAllSubmatch(b, -1) {
			out[class+"."+string(m[1])] = path.Join(path.Dir(f), string(m[2]))
		}
	}
	return out, nil
}

type snapshotEntry struct {
	RecordedContent map[string]json.RawMessage `json:"recorded-content"`
}

type event struct {
	ID       int    `json:"id"`
	Previous int    `json:"previousEventId"`
	Type     string `json:"type"`
	raw      map[string]json.RawMessage
}

func (e *event) details(key string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if b, ok := e.raw[key]; ok {
		json.Unmarshal(b, &m)
	}
	return m
}

func convertFile(s source, suite *Suite, templates map[string]string, snapFile string, accepted map[string]string) error {
	b, err := s.read(snapFile)
	if err != nil {
		return err
	}
	var snaps map[string]snapshotEntry
	if err := json.Unmarshal(b, &snaps); err != nil {
		return err
	}
	validated := map[string]bool{}
	if vb, err := s.read(strings.TrimSuffix(snapFile, ".snapshot.json") + ".validation.json"); err == nil {
		var v map[string]json.RawMessage
		json.Unmarshal(vb, &v)
		for k := range v {
			validated[k] = true
		}
	}
	pyFile := strings.TrimSuffix(snapFile, ".snapshot.json") + ".py"
	py, err := s.read(pyFile)
	if err != nil {
		return err
	}
	tf := parseTestFile(string(py), templates)
	keys := make([]string, 0, len(snaps))
	for k := range snaps {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		testName := key[strings.LastIndex(key, "::")+2:]
		param := ""
		if i := strings.Index(testName, "["); i >= 0 {
			param = strings.TrimSuffix(testName[i+1:], "]")
			testName = testName[:i]
		}
		recs := snaps[key].RecordedContent
		recKeys := make([]string, 0, len(recs))
		for k := range recs {
			recKeys = append(recKeys, k)
		}
		sort.Strings(recKeys)
		for _, rk := range recKeys {
			var hist struct {
				Events []json.RawMessage `json:"events"`
			}
			if json.Unmarshal(recs[rk], &hist) != nil || len(hist.Events) == 0 {
				continue
			}
			events, err := decodeEvents(hist.Events)
			if err != nil || len(events) == 0 || events[0].Type != "ExecutionStarted" {
				continue
			}
			name := strings.TrimPrefix(key, testsRoot+"/") + "/" + rk
			if !validated[key] {
				// Not recorded against AWS (LocalStack-only or never validated).
				continue
			}
			suite.Found++
			c, err := convertHistory(s, tf, testName, param, events)
			if c != nil {
				accepted[c.Definition] = c.Template
			}
			if err != nil {
				if se, ok := err.(skipError); ok {
					suite.Skipped = append(suite.Skipped, Skip{Name: name, Reason: string(se)})
					continue
				}
				return fmt.Errorf("%s: %w", name, err)
			}
			c.Name = name
			suite.Cases = append(suite.Cases, *c)
		}
	}
	return nil
}

func decodeEvents(raws []json.RawMessage) ([]*event, error) {
	var out []*event
	for _, r := range raws {
		e := &event{}
		if err := json.Unmarshal(r, e); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(r, &e.raw); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// testFile is what the converter reads from a test module.
type testFile struct {
	// funcs maps a test function to the template files its decorators and
	// body name, and the edits it makes that the converter cannot redo.
	funcs map[string]*testFunc
	// all is every template the module names, for a test that takes its
	// template from a module-level list.
	all []tmplRef
}

type testFunc struct {
	templates []tmplRef
	edits     []string
}

type tmplRef struct {
	constant string // Class.CONSTANT
	file     string
}

var (
	aliasRe   = regexp.MustCompile(`\b([A-Z]\w*)\s+as\s+(\w+)`)
	defRe     = regexp.MustCompile(`(?m)^(\s*)(?:async\s+)?def (\w+)\(`)
	refRe     = regexp.MustCompile(`\b([A-Z]\w*)\.([A-Z][A-Z0-9_]+)\b`)
	editRe    = regexp.MustCompile(`(?m)^\s*(template|definition|sm_template|definition_template)(\[[^=\n]*\])\s*=[^=]`)
	replaceRe = regexp.MustCompile(`\.replace\(\s*([^,]*),`)
	mutateRe  = regexp.MustCompile(`(?m)^\s*(del\s+(template|definition)\[|(template|definition)\[[^\n]*\.(append|pop|update|extend|insert)\()`)
	dictRe    = regexp.MustCompile(`(?m)^\s*(template|definition)\s*=\s*(\{|json\.dumps\(\{|_\w+\()`)
)

// lambdaEdit matches the edits the converter redoes from the recorded
// history: a Task's Resource or FunctionName set to the Lambda function the
// test created.
var lambdaEdit = regexp.MustCompile(`\["(Resource|FunctionName)"\]$`)

func parseTestFile(py string, templates map[string]string) *testFile {
	alias := map[string]string{}
	for cls := range templates {
		c := cls[:strings.Index(cls, ".")]
		alias[c] = c
	}
	for _, m := range aliasRe.FindAllStringSubmatch(py, -1) {
		if _, ok := alias[m[1]]; ok {
			alias[m[2]] = m[1]
		}
	}
	resolve := func(text string) []tmplRef {
		var refs []tmplRef
		seen := map[string]bool{}
		for _, m := range refRe.FindAllStringSubmatch(text, -1) {
			cls, ok := alias[m[1]]
			if !ok {
				continue
			}
			c := cls + "." + m[2]
			if f, ok := templates[c]; ok && !seen[f] {
				seen[f] = true
				refs = append(refs, tmplRef{constant: c, file: f})
			}
		}
		return refs
	}
	tf := &testFile{funcs: map[string]*testFunc{}}
	lines := strings.Split(py, "\n")
	type def struct {
		name        string
		start, line int
	}
	var defs []def
	for i, l := range lines {
		m := defRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		start := i
		for start > 0 && strings.TrimSpace(lines[start-1]) != "" && !strings.HasPrefix(strings.TrimSpace(lines[start-1]), "#") {
			start--
		}
		defs = append(defs, def{name: m[2], start: start, line: i})
	}
	for i, d := range defs {
		end := len(lines)
		if i+1 < len(defs) {
			end = defs[i+1].start
		}
		body := strings.Join(lines[d.start:end], "\n")
		f := &testFunc{templates: resolve(body)}
		for _, m := range editRe.FindAllStringSubmatch(body, -1) {
			if !lambdaEdit.MatchString(m[2]) {
				f.edits = append(f.edits, strings.TrimSpace(m[0]))
			}
		}
		for _, m := range replaceRe.FindAllStringSubmatch(body, -1) {
			arg := strings.TrimSpace(m[1])
			if strings.Contains(arg, "tbd") && !strings.Contains(body, "items_literal") {
				continue // the Lambda function's ARN or name, redone from the history
			}
			if strings.Contains(m[0], "state_machine_arn") || strings.Contains(m[0], "sm_name") {
				continue
			}
			f.edits = append(f.edits, "replace("+arg+", …)")
		}
		if m := mutateRe.FindString(body); m != "" {
			f.edits = append(f.edits, strings.TrimSpace(m))
		}
		if dictRe.MatchString(body) {
			f.edits = append(f.edits, "builds the definition in code")
		}
		tf.funcs[d.name] = f
	}
	tf.all = resolve(py)
	return tf
}
