// Package e2e runs the platform end to end: the local runner (package
// localrun) serves the API on the synthesized template against the
// emulators, and the tests drive it as clients and operators would:
// payments under faults and long outages, the ledger, SigV4, the smoke
// check, the console in a browser. They live apart from the template
// assertions in package test so that the two run side by side: most of
// their time is spent waiting on the platform's (scaled) clocks, not on
// the CPU.
package e2e

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/harness/emulator"
)

func TestMain(m *testing.M) {
	// The jsii kernel runs on Node 22+ under plain `go test` too.
	if err := paymentstack.ReexecOnSupportedNode(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The end-to-end tests spend their time waiting on the platform's
	// scaled clocks (alarm periods, visibility timeouts, outage spells),
	// not on the CPU, so they run more at once than -parallel's default
	// (GOMAXPROCS) unless -parallel is given.
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", strconv.Itoa(waitBoundParallel)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	code := m.Run()
	emulator.StopAll()
	os.Exit(code)
}

// waitBoundParallel is how many end-to-end tests run at once by default:
// every top-level test and fault case, each with its own runner.
const waitBoundParallel = 16

var (
	templateOnce sync.Once
	template     *cfn.Template
	templateErr  error
)

// localTemplate is the stack's template for the dev suffix as `make run`
// reads it (paymentstack.LoadTemplate): synthesized in process once per
// test binary, with stub Lambda code, since the local runner runs every
// handler in process. Package test asserts on the real synthesis.
func localTemplate(t testing.TB) *cfn.Template {
	t.Helper()
	templateOnce.Do(func() {
		template, templateErr = paymentstack.LoadTemplate(moduleDir(), "", "dev")
	})
	if templateErr != nil {
		t.Fatalf("synthesizing the app: %v", templateErr)
	}
	return template
}

// moduleDir is the module's root, two levels up.
func moduleDir() string { return "../.." }
