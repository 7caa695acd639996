// Command enginebench runs the same Step Functions cases on the project's
// executor (workflows/aslrun) and on aws-local-stepfunctions 3.0.0 (Node
// 22, both pinned in package-lock.json and installed with `npm ci` on first
// use) and prints executions/s, CPU per execution, allocations (Go) and
// peak RSS side by side, with the ratio aslrun / aws-local-stepfunctions
// per case and per class. `make bench-engines` runs it.
//
// Each engine runs each case in a process of its own: a warm-up, then a
// loop of sequential executions for a fixed time. CPU is the process's
// user+system time over the loop divided by the executions; peak RSS is
// getrusage's ru_maxrss (Go) or process.resourceUsage().maxRSS (Node).
// Task states answer from the case's script (cases.json); Wait states and
// retry backoff take no time on both engines.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/resilientpay/paymentapi/internal/harness/npmproject"
)

// result is one engine's measurement of one case, as its process prints
// it.
type result struct {
	Executions int     `json:"executions"`
	Seconds    float64 `json:"seconds"`
	CPUMicros  float64 `json:"cpuMicros"`
	Mallocs    uint64  `json:"mallocs,omitempty"`
	Bytes      uint64  `json:"bytes,omitempty"`
	MaxRSSKiB  int64   `json:"maxRSSKiB"`
	Outcome    outcome `json:"outcome"`
}

func (r result) perSec() float64     { return float64(r.Executions) / r.Seconds }
func (r result) cpuPerExec() float64 { return r.CPUMicros / float64(r.Executions) }

func main() {
	casesFile := flag.String("cases", "cases.json", "the cases file")
	root := flag.String("root", "../..", "the repository root (definitionFile is relative to it)")
	warmup := flag.Duration("warmup", time.Second, "warm-up time per case and engine")
	measure := flag.Duration("measure", 2*time.Second, "measured time per case and engine")
	only := flag.String("run", "", "run only the cases whose name matches this regular expression")
	inline := flag.Bool("inline", true, "aslrun's Options.InvokeInline (the scripted Invoker answers at once)")
	child := flag.String("child", "", "internal: run one case on aslrun in this process")
	flag.Parse()
	if err := run(*casesFile, *root, *warmup, *measure, *only, *inline, *child); err != nil {
		fmt.Fprintln(os.Stderr, "enginebench:", err)
		os.Exit(1)
	}
}

func run(casesFile, root string, warmup, measure time.Duration, only string, inline bool, child string) error {
	cases, err := loadCases(casesFile, root)
	if err != nil {
		return err
	}
	if child != "" {
		return runChild(cases, child, warmup, measure, inline)
	}
	re, err := regexp.Compile(only)
	if err != nil {
		return err
	}
	node, err := installNode(context.Background())
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("aslrun (GOMAXPROCS=%d, InvokeInline=%v, %s) vs aws-local-stepfunctions 3.0.0 (%s): %v warm-up, %v measured per case and engine\n",
		runtime.GOMAXPROCS(0), inline, runtime.Version(), nodeVersion(node), warmup, measure)
	type row struct {
		c       benchCase
		go_, js result
		same    bool
	}
	var rows []row
	for _, c := range cases {
		if !re.MatchString(c.Name) {
			continue
		}
		var g, j result
		args := []string{"-cases", casesFile, "-root", root, "-warmup", warmup.String(), "-measure", measure.String(), fmt.Sprintf("-inline=%v", inline), "-child", c.Name}
		if err := runJSON(&g, self, args...); err != nil {
			return fmt.Errorf("aslrun, case %s: %w", c.Name, err)
		}
		if err := runJSON(&j, node, "bench.mjs", casesFile, root, "bench", c.Name, secs(warmup), secs(measure)); err != nil {
			return fmt.Errorf("aws-local-stepfunctions, case %s: %w", c.Name, err)
		}
		rows = append(rows, row{c, g, j, sameOutcome(g.Outcome, j.Outcome)})
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "case\tclass\taslrun exec/s\tALS exec/s\tratio\taslrun CPU µs/exec\tALS CPU µs/exec\taslrun allocs/exec\taslrun B/exec\taslrun RSS MiB\tALS RSS MiB\tsame outcome\t")
	byClass := map[string][]float64{}
	var classes []string
	mismatch := 0
	for _, r := range rows {
		ratio := r.go_.perSec() / r.js.perSec()
		if _, seen := byClass[r.c.Class]; !seen {
			classes = append(classes, r.c.Class)
		}
		byClass[r.c.Class] = append(byClass[r.c.Class], ratio)
		if !r.same {
			mismatch++
		}
		fmt.Fprintf(w, "%s\t%s\t%.0f\t%.0f\t%.2f×\t%.1f\t%.1f\t%.0f\t%.0f\t%.1f\t%.1f\t%v\t\n", r.c.Name, r.c.Class,
			r.go_.perSec(), r.js.perSec(), ratio, r.go_.cpuPerExec(), r.js.cpuPerExec(),
			float64(r.go_.Mallocs)/float64(r.go_.Executions), float64(r.go_.Bytes)/float64(r.go_.Executions),
			float64(r.go_.MaxRSSKiB)/1024, float64(r.js.MaxRSSKiB)/1024, r.same)
	}
	w.Flush()
	fmt.Println()
	w = tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "class\tcases\tratio (geometric mean)\tlowest ratio\t")
	sort.Strings(classes)
	for _, cl := range classes {
		rs := byClass[cl]
		fmt.Fprintf(w, "%s\t%d\t%.2f×\t%.2f×\t\n", cl, len(rs), geomean(rs), slicesMin(rs))
	}
	w.Flush()
	if mismatch > 0 {
		for _, r := range rows {
			if !r.same {
				fmt.Printf("%s: aslrun %s, aws-local-stepfunctions %s\n", r.c.Name, js(r.go_.Outcome), js(r.js.Outcome))
			}
		}
		return fmt.Errorf("%d cases end differently on the two engines", mismatch)
	}
	return nil
}

// runChild measures one case on aslrun in this process and prints its
// result as JSON.
func runChild(cases []benchCase, name string, warmup, measure time.Duration, inline bool) error {
	var c *benchCase
	for i := range cases {
		if cases[i].Name == name {
			c = &cases[i]
		}
	}
	if c == nil {
		return fmt.Errorf("no case %q", name)
	}
	exec1, err := aslrunCase(*c, inline)
	if err != nil {
		return err
	}
	first, err := exec1()
	if err != nil {
		return err
	}
	for end := time.Now().Add(warmup); time.Now().Before(end); {
		if _, err := exec1(); err != nil {
			return err
		}
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := cpuMicros()
	t0 := time.Now()
	end := t0.Add(measure)
	n := 0
	for time.Now().Before(end) {
		if _, err := exec1(); err != nil {
			return err
		}
		n++
	}
	elapsed := time.Since(t0)
	cpu := cpuMicros() - cpu0
	runtime.ReadMemStats(&ms1)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(result{
		Executions: n, Seconds: elapsed.Seconds(), CPUMicros: cpu,
		Mallocs: ms1.Mallocs - ms0.Mallocs, Bytes: ms1.TotalAlloc - ms0.TotalAlloc,
		MaxRSSKiB: maxRSSKiB(ru), Outcome: first,
	})
}

func cpuMicros() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}

// maxRSSKiB is ru_maxrss in KiB: Linux reports KiB, macOS bytes.
func maxRSSKiB(ru syscall.Rusage) int64 {
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) / 1024
	}
	return int64(ru.Maxrss)
}

// installNode installs this folder's package-lock.json on first use and
// returns the Node 22 it pins, or the machine's node where npm has no
// binary for the platform.
func installNode(ctx context.Context) (string, error) {
	if err := npmproject.Install(ctx, "."); err != nil {
		return "", err
	}
	pinned, err := filepath.Abs(filepath.Join("node_modules", ".bin", "node"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(pinned); err == nil {
		return pinned, nil
	}
	return exec.LookPath("node")
}

func nodeVersion(node string) string {
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "node ?"
	}
	return "node " + strings.TrimSpace(string(out))
}

func runJSON(v any, name string, args ...string) error {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%w: %s", err, stderr.String())
	}
	return json.Unmarshal(stdout.Bytes(), v)
}

// sameOutcome compares two outcomes, their outputs as JSON values.
func sameOutcome(a, b outcome) bool {
	if a.Status != b.Status || a.Error != b.Error || a.Cause != b.Cause {
		return false
	}
	if a.Status != "SUCCEEDED" {
		return true
	}
	var va, vb any
	if json.Unmarshal(a.Output, &va) != nil || json.Unmarshal(b.Output, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func js(o outcome) string {
	b, _ := json.Marshal(o)
	return string(b)
}

func secs(d time.Duration) string { return fmt.Sprintf("%g", d.Seconds()) }

func geomean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += math.Log(x)
	}
	return math.Exp(s / float64(len(xs)))
}

func slicesMin(xs []float64) float64 {
	m := math.Inf(1)
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}
