package test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/resilientpay/paymentapi/cost"
	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/localrun"
	"github.com/resilientpay/paymentapi/storage"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// HappyPathBudget is the most a processed payment (201) may cost per 1M
// payments, at the list prices of package cost.
const HappyPathBudget = 12.0

var (
	costOnce   sync.Once
	costResult *cost.Result
	costErr    error
)

// estimate runs the cost model once per test binary on the real synthesis.
func estimate(t *testing.T) *cost.Result {
	t.Helper()
	s := synth(t, suffix)
	costOnce.Do(func() { costResult, costErr = cost.Estimate(context.Background(), s.Parsed, suffix, 20) })
	if costErr != nil {
		t.Fatal(costErr)
	}
	return costResult
}

func TestTheHappyPathCostsAtMostTheBudget(t *testing.T) {
	// GIVEN the synthesized app, WHEN the cost model measures and prices a
	// processed payment, THEN it stays within the budget.
	e := estimate(t)
	if e.HappyPath <= 0 || e.HappyPath > HappyPathBudget {
		var b strings.Builder
		e.Render(&b)
		t.Errorf("happy path: $%.2f per 1M payments, budget $%.2f\n%s", e.HappyPath, HappyPathBudget, b.String())
	}
	var b strings.Builder
	e.Render(&b)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if want := fmt.Sprintf("happy path: $%.2f per 1M payments", e.HappyPath); lines[len(lines)-1] != want {
		t.Errorf("the output's last line is %q, want %q", lines[len(lines)-1], want)
	}
	for _, path := range cost.Paths {
		found := false
		for _, p := range e.Paths {
			found = found || p.Path == path
		}
		if !found {
			t.Errorf("the estimate has no row for %s", path)
		}
	}
}

// BenchmarkPaymentsExecution runs one payments-workflow execution (a new
// payment, 201) on the executor with the real handlers in process over an
// in-memory table: the executor's and handlers' own cost, without HTTP or
// emulators.
func BenchmarkPaymentsExecution(b *testing.B) {
	s := synth(b, suffix)
	db := memddb.New()
	ctx := context.Background()
	if err := store.CreateTable(ctx, db, storage.TransactionsTable+"-"+suffix); err != nil {
		b.Fatal(err)
	}
	e, err := localrun.NewExecutor(localrun.ExecutorConfig{Template: s.Parsed, Suffix: suffix, DB: db})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		_, resp, err := e.Pay(ctx, fmt.Sprintf("bench-%d", i), fmt.Sprintf("bench-key-%d", i), cost.Body(i))
		if err != nil || resp.Status != 201 {
			b.Fatalf("execution %d: %v, status %d", i, err, resp.Status)
		}
	}
}
