// Command asllint lints Amazon States Language definitions and the state
// machines of a synthesized CDK app.
//
//	go run ./workflows/cmd/asllint [-json] [-errors names.txt] [-type EXPRESS] [-sync] [-budget 29] PATH...
//
// A PATH is a definition file (.json, .asl.json), a CloudFormation template
// (.template.json) or a cloud assembly directory (cdk.out). Findings print as
// "path:state: rule: message" with a hint line. The exit status is 1 when any
// finding is an error, 2 on a usage or I/O error, 0 otherwise.
package main

import (
	"bufio"
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

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the whole command with injected arguments and output, so tests can
// call it.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("asllint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print findings as a JSON array")
	errorsFile := fs.String("errors", "", `file of declared error names, one per line (# comments allowed), or "app" for tasks/errorname.Declared()`)
	machineType := fs.String("type", "", "machine type for definition files: EXPRESS or STANDARD (templates carry their own)")
	sync := fs.Bool("sync", false, "treat EXPRESS machines as synchronous (StartSyncExecution) and check the duration budget")
	budget := fs.Float64("budget", asllint.DefaultBudgetSeconds, "synchronous duration budget in seconds")
	disable := fs.String("disable", "", "comma-separated rule ids to skip")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: asllint [flags] PATH...  (definition .json files, .template.json files or cdk.out directories)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	opts := asllint.Options{MachineType: strings.ToUpper(*machineType), Synchronous: *sync, BudgetSeconds: *budget}
	if *disable != "" {
		opts.Disable = strings.Split(*disable, ",")
	}
	if *errorsFile == "app" {
		opts.DeclaredErrors = errorname.Strings(errorname.Declared())
	} else if *errorsFile != "" {
		names, err := readNames(*errorsFile)
		if err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return 2
		}
		opts.DeclaredErrors = names
	}
	var all []asllint.Finding
	for _, p := range fs.Args() {
		found, err := lintPath(p, opts)
		if err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return 2
		}
		all = append(all, found...)
	}
	if *asJSON {
		if all == nil {
			all = []asllint.Finding{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(all); err != nil {
			fmt.Fprintln(stderr, "asllint:", err)
			return 2
		}
	} else {
		for _, f := range all {
			where := string(f.Severity)
			if f.Path != "" {
				where += ", " + f.Path
			}
			fmt.Fprintf(stdout, "%s (%s)\n", f, where)
			if f.Hint != "" {
				fmt.Fprintf(stdout, "    hint: %s\n", f.Hint)
			}
		}
	}
	if asllint.HasErrors(all) {
		return 1
	}
	return 0
}

func lintPath(p string, opts asllint.Options) ([]asllint.Finding, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if info.IsDir() {
		return asllint.LintAssembly(p, opts)
	}
	if strings.HasSuffix(p, ".template.json") {
		ms, err := asl.LoadTemplate(p, "")
		if err != nil {
			return nil, err
		}
		var out []asllint.Finding
		for _, m := range ms {
			out = append(out, asllint.LintMachine(m, opts)...)
		}
		return out, nil
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	return asllint.LintJSON(p, raw, opts), nil
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
