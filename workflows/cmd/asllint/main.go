// Command asllint lints Amazon States Language definitions and the state
// machines of a synthesized CDK app.
//
//	go run ./workflows/cmd/asllint [-profile spec|strict] [-config asllint.json] [-format text|json|sarif]
//	    [-enable rule,...] [-disable rule,...] [-errors app|names.txt] [-type EXPRESS] [-sync] [-budget 29] PATH...
//
// A PATH is a definition file (.json, .asl.json), a CloudFormation template
// (.template.json) or a cloud assembly directory (cdk.out). The spec profile
// (the default) reports what Step Functions rejects or what fails for
// certain; strict adds this project's policy rules. Flags override the
// config file. Findings print as "path:state: rule: message" with a hint
// line, as a JSON array (-format json), or as a SARIF 2.1.0 log (-format
// sarif).
//
// Exit status: 0 when no finding is an error (warnings alone exit 0), 1 when
// at least one finding is an error, 2 on a usage, configuration or I/O
// error (then nothing is printed on standard output).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

// Exit codes.
const (
	exitClean    = 0 // no error-level finding
	exitFindings = 1 // at least one error-level finding
	exitUsage    = 2 // bad flags or config, unreadable input, output failure
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command with injected arguments and output, so tests can
// call it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asllint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "", `rule set: "spec" (what AWS rejects or what fails for certain; the default) or "strict" (spec plus this project's policy rules)`)
	configFile := fs.String("config", "", "JSON config file: profile, per-rule on/off/error/warning, policy settings (see docs/linter.md)")
	format := fs.String("format", "text", "output format: text, json or sarif (SARIF 2.1.0)")
	asJSON := fs.Bool("json", false, "same as -format json")
	enable := fs.String("enable", "", "comma-separated rule ids to run although the profile leaves them out")
	disable := fs.String("disable", "", "comma-separated rule ids to skip")
	errorsFile := fs.String("errors", "", `file of declared error names, one per line (# comments allowed), or "app" for tasks/errorname.Declared()`)
	machineType := fs.String("type", "", "machine type for definition files: EXPRESS or STANDARD (templates carry their own)")
	sync := fs.Bool("sync", false, "treat EXPRESS machines as synchronous (StartSyncExecution) and check the duration budget")
	budget := fs.Float64("budget", asllint.DefaultBudgetSeconds, "synchronous duration budget in seconds")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: asllint [flags] PATH...  (definition .json files, .template.json files or cdk.out directories)")
		fs.PrintDefaults()
		fmt.Fprintln(stderr, "exit status: 0 no error-level finding, 1 error-level findings, 2 usage, config or I/O error")
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *asJSON {
		if set["format"] && *format != "json" {
			fmt.Fprintln(stderr, "asllint: -json contradicts -format", *format)
			return exitUsage
		}
		*format = "json"
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		fmt.Fprintf(stderr, "asllint: unknown format %q (want text, json or sarif)\n", *format)
		return exitUsage
	}

	var opts asllint.Options
	if *configFile != "" {
		c, err := asllint.LoadConfig(*configFile)
		if err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
		if opts, err = c.Options(); err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
	}
	if set["profile"] {
		opts.Profile = asllint.Profile(*profile)
	}
	if set["type"] {
		opts.MachineType = strings.ToUpper(*machineType)
	}
	if set["sync"] {
		opts.Synchronous = *sync
	}
	if set["budget"] {
		opts.BudgetSeconds = *budget
	}
	opts.Enable = append(opts.Enable, splitList(*enable)...)
	opts.Disable = append(opts.Disable, splitList(*disable)...)
	if *errorsFile == "app" {
		opts.DeclaredErrors = errorname.Strings(errorname.Declared())
	} else if *errorsFile != "" {
		names, err := readNames(*errorsFile)
		if err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
		opts.DeclaredErrors = names
	}
	if err := opts.Validate(); err != nil {
		fmt.Fprintln(stderr, "asllint:", err)
		return exitUsage
	}

	var linted []asllint.Linted
	for _, p := range fs.Args() {
		ls, err := lintPath(p, opts)
		if err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
		linted = append(linted, ls...)
	}
	all := []asllint.Finding{}
	for _, l := range linted {
		all = append(all, l.Findings...)
	}
	var out bytes.Buffer
	switch *format {
	case "json":
		enc := json.NewEncoder(&out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
	case "sarif":
		if err := asllint.WriteSARIF(&out, linted); err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return exitUsage
		}
	default:
		for _, f := range all {
			where := string(f.Severity)
			if f.Path != "" {
				where += ", " + f.Path
			}
			fmt.Fprintf(&out, "%s (%s)\n", f, where)
			if f.Hint != "" {
				fmt.Fprintf(&out, "    hint: %s\n", f.Hint)
			}
		}
	}
	if _, err := stdout.Write(out.Bytes()); err != nil {
		fmt.Fprintln(stderr, "asllint:", err)
		return exitUsage
	}
	if asllint.HasErrors(all) {
		return exitFindings
	}
	return exitClean
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// lintPath lints a definition file, a template or a cloud assembly, one
// Linted per state machine.
func lintPath(p string, opts asllint.Options) ([]asllint.Linted, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	var machines []*asl.Machine
	switch {
	case info.IsDir():
		machines, err = asl.LoadAssembly(p)
	case strings.HasSuffix(p, ".template.json"):
		machines, err = asl.LoadTemplate(p, "")
	default:
		raw, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		return []asllint.Linted{{File: p, JSON: raw, JSONIsFile: true, Findings: asllint.LintJSON(p, raw, opts)}}, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]asllint.Linted, 0, len(machines))
	for _, m := range machines {
		out = append(out, asllint.Linted{File: m.TemplateFile, JSON: m.JSON, Findings: asllint.LintMachine(m, opts)})
	}
	return out, nil
}

func readNames(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names = append(names, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New(path + " declares no error names")
	}
	return names, nil
}
