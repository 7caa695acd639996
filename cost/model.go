// Package cost prices a payment from the synthesized template and from
// measured runs of it: `make cost` (cmd/cost) reads every priced setting of
// the template (memory sizes, log levels and execution data, tracing and
// sampling, the WAF's rules and logging, alarms, the dashboard, the
// recovery schedule), runs each path of POST /payments on the local
// executor with the real handlers over an in-memory DynamoDB that counts
// request units as DynamoDB bills them, builds the log records each
// service would write in its deployed format, and prices it all with the
// dated us-east-1 list prices of prices.go.
//
// Durations are measured on this machine with the table in memory: a
// deployed function also waits for DynamoDB (a few ms), which the 1 ms
// Lambda billing and the 100 ms Express billing mostly absorb; the output
// says what ten times the measured durations would cost.
package cost

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/platform"
)

// Item is one priced component: what it is, how much of it a payment
// (or a month) uses, and its price in USD per 1M payments (or per month).
type Item struct {
	Component string
	Quantity  string
	USD       float64
}

// PathCost is the price of one path per 1M payments.
type PathCost struct {
	Path   string
	Status int
	Items  []Item
	Total  float64
}

// Result is the cost model's answer.
type Result struct {
	Paths []PathCost
	// Fixed is the monthly cost at zero traffic; Sustained what a steady
	// traffic adds whatever its volume (X-Ray's reservoir, KMS data keys).
	Fixed, Sustained           []Item
	FixedTotal, SustainedTotal float64
	Memory                     []MemoryPrice
	// HappyPath is the 201 path per 1M payments; HappyPathSlow the same
	// with every measured duration ten times longer (a deployed function
	// also waits for DynamoDB, which the in-memory table does not).
	HappyPath, HappyPathSlow float64
	Settings                 *Settings
}

// Price prices the measured paths with the template's settings.
func Price(s *Settings, measured map[string]*Measurement, idle *Idle) *Result {
	e := &Result{Settings: s}
	for _, path := range Paths {
		m, ok := measured[path]
		if !ok {
			continue
		}
		pc := PathCost{Path: path, Status: m.Status, Items: pathItems(s, m)}
		for _, it := range pc.Items {
			pc.Total += it.USD
		}
		e.Paths = append(e.Paths, pc)
		if path == PathProcessed {
			e.HappyPath = pc.Total
			slow := *m
			slow.ExpressMs *= 10
			slow.DurationMs = map[string]float64{}
			for fn, d := range m.DurationMs {
				slow.DurationMs[fn] = d * 10
			}
			for _, it := range pathItems(s, &slow) {
				e.HappyPathSlow += it.USD
			}
		}
	}
	e.Fixed = fixedItems(s, idle)
	for _, it := range e.Fixed {
		e.FixedTotal += it.USD
	}
	e.Sustained = sustainedItems(s, measured)
	for _, it := range e.Sustained {
		e.SustainedTotal += it.USD
	}
	e.Memory = PriceMemory(measured, idle, s)
	return e
}

func pathItems(s *Settings, m *Measurement) []Item {
	var items []Item
	add := func(component, qty string, usd float64) { items = append(items, Item{component, qty, usd}) }
	add("API Gateway REST request", "1 request", APIGatewayRESTPerMillion)
	if s.WAF.ACLs > 0 {
		add("WAF request", fmt.Sprintf("1 request, %d rules", s.WAF.Rules), WAFRequestsPerMillion)
	}
	if m.Executions > 0 {
		add("Step Functions Express request", fmt.Sprintf("%.0f execution", m.Executions), m.Executions*ExpressRequestsPerMillion)
		memMB := expressMemoryMB(s.Payments.DefinitionBytes, m.ExpressDataBytes)
		billed := math.Ceil(m.ExpressMs/ExpressBillingStepMs) * ExpressBillingStepMs
		add("Step Functions Express duration", fmt.Sprintf("%.1f ms measured -> %.0f ms x %.0f MB", m.ExpressMs, billed, memMB),
			m.Executions*billed/1000*memMB/1024*ExpressPerGBSecond*million)
	}
	for _, f := range s.sortedFunctions() {
		n := m.Invocations[f.Name]
		if n == 0 {
			continue
		}
		billed := math.Max(1, math.Ceil(m.DurationMs[f.Name]))
		add("Lambda "+f.Name, fmt.Sprintf("%.2g x (%.2f ms measured -> %.0f ms x %.0f MB)", n, m.DurationMs[f.Name], billed, f.MemoryMB),
			n*(LambdaRequestsPerMillion+billed/1000*f.MemoryMB/1024*LambdaArmPerGBSecond*million))
	}
	if m.WRU > 0 {
		add("DynamoDB writes", fmt.Sprintf("%.2g WRU", m.WRU), m.WRU*DynamoDBPerMillionWRU)
	}
	if m.RRU > 0 {
		add("DynamoDB reads", fmt.Sprintf("%.2g RRU", m.RRU), m.RRU*DynamoDBPerMillionRRU)
	}
	if m.StoredGBMonths > 0 {
		add("DynamoDB storage and PITR, first month", fmt.Sprintf("%.0f byte-months (items + 100 B each; a TTL record for its lifetime)", m.StoredGBMonths*gb),
			m.StoredGBMonths*million*(DynamoDBStoragePerGBMonth+DynamoDBPITRPerGBMonth))
	}
	if m.SQSRequests > 0 {
		add("SQS requests", fmt.Sprintf("%.2g requests", m.SQSRequests), m.SQSRequests*SQSRequestsPerMillion)
	}
	groups := make([]string, 0, len(m.LogBytes))
	for g := range m.LogBytes {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	var storage float64
	var compressed float64
	for _, g := range groups {
		b := m.LogBytes[g]
		add("CloudWatch Logs ingestion: "+g, fmt.Sprintf("%.0f bytes", b), b/gb*million*LogsIngestionPerGB)
		days := s.LogRetentionDays[g]
		if days == 0 {
			days = 30 // a group without retention keeps its logs; price one month
		}
		compressed += m.LogBytesCompressed[g]
		storage += m.LogBytesCompressed[g] / gb * million * LogsStoragePerGBMonth * days / 30
	}
	if storage > 0 {
		add("CloudWatch Logs storage", fmt.Sprintf("%.0f bytes compressed, kept for the retention", compressed), storage)
	}
	if s.APITracing {
		add("X-Ray traces", fmt.Sprintf("%.0f%% sampled (%s rule)", s.Sampling.FixedRate*100, s.Sampling.Rule),
			s.Sampling.FixedRate*XRayTracesPerMillion)
	}
	add("KMS requests", "data keys reused (see sustained traffic)", 0)
	return items
}

// expressMemoryMB is Express's billed memory: 50 MB plus the definition
// plus the execution data, in 64 MB chunks.
func expressMemoryMB(definitionBytes, dataBytes int) float64 {
	used := ExpressBaseMemoryMB + float64(definitionBytes+dataBytes)/(1<<20)
	return math.Ceil(used/ExpressMemoryChunkMB) * ExpressMemoryChunkMB
}

func fixedItems(s *Settings, idle *Idle) []Item {
	var items []Item
	add := func(component, qty string, usd float64) { items = append(items, Item{component, qty, usd}) }
	if s.WAF.ACLs > 0 {
		add("WAF web ACL", fmt.Sprintf("%d", s.WAF.ACLs), float64(s.WAF.ACLs)*WAFWebACLPerMonth)
		add("WAF rules", fmt.Sprintf("%d", s.WAF.Rules), float64(s.WAF.Rules)*WAFRulePerMonth)
	}
	add("CloudWatch alarms", fmt.Sprintf("%d alarm metrics", s.Alarms), float64(s.Alarms)*AlarmMetricPerMonth)
	add("CloudWatch dashboard", fmt.Sprintf("%d", s.Dashboards), float64(s.Dashboards)*DashboardPerMonth)
	add("KMS customer managed key", fmt.Sprintf("%d (rotation adds $1 per new key version, two at most)", s.Keys), float64(s.Keys)*KMSKeyPerMonth)
	runs := s.RecoveryRunsPerMonth
	if runs > 0 && idle != nil {
		add("Recovery workflow (Standard) transitions", fmt.Sprintf("%.0f runs x %d transitions", runs, idle.Transitions),
			runs*float64(idle.Transitions)*StandardPerTransition)
		for _, f := range s.sortedFunctions() {
			n := idle.Invocations[f.Name]
			if n == 0 {
				continue
			}
			d := idle.DurationMs[f.Name] / n
			billed := math.Max(1, math.Ceil(d))
			per := n * (LambdaRequestsPerMillion/million + billed/1000*f.MemoryMB/1024*LambdaArmPerGBSecond)
			qty := fmt.Sprintf("%.0f runs x %.0f invocation (%.2f ms measured -> %.0f ms x %.0f MB)", runs, n, d, billed, f.MemoryMB)
			if strings.Contains(f.Name, "health-function") {
				// GET /health is measured once: priced as one probe per run.
				qty = fmt.Sprintf("one GET /health per recovery run: %.0f x (%.2f ms -> %.0f ms x %.0f MB)", runs, d, billed, f.MemoryMB)
			}
			add("Lambda "+f.Name, qty, runs*per)
		}
		var ingest, store float64
		var bytes float64
		for g, b := range idle.LogBytes {
			bytes += b
			ingest += b / gb * LogsIngestionPerGB
			days := s.LogRetentionDays[g]
			if days == 0 {
				days = 30
			}
			store += idle.LogCompress[g] / gb * LogsStoragePerGBMonth * days / 30
		}
		add("CloudWatch Logs: recovery runs (ingestion and storage)", fmt.Sprintf("%.0f runs x %.0f bytes", runs, bytes), runs*(ingest+store))
	}
	if s.QueuePollers > 0 {
		// Lambda's SQS event source long-polls (20 s) with five pollers
		// while the queue is empty (Lambda developer guide, "Using Lambda
		// with Amazon SQS": scaling starts at five concurrent batches).
		reqs := float64(s.QueuePollers) * 5 * secondsInMonth / 20
		add("SQS empty receives of the event source", fmt.Sprintf("%.0f requests (5 pollers x 20 s long polls)", reqs), reqs/million*SQSRequestsPerMillion)
	}
	return items
}

func sustainedItems(s *Settings, measured map[string]*Measurement) []Item {
	var items []Item
	if s.APITracing && s.Sampling.Reservoir > 0 {
		traces := s.Sampling.Reservoir * secondsInMonth
		items = append(items, Item{"X-Ray reservoir", fmt.Sprintf("%.0f trace/s: %.0f traces", s.Sampling.Reservoir, traces),
			traces / million * XRayTracesPerMillion})
	}
	// KMS data keys: each caller asks KMS once per reuse period while it is
	// busy. DynamoDB caches a table key per caller for 5 minutes
	// (DynamoDB developer guide, "Encryption at rest: how it works");
	// SQS reuses a data key for the queue's KmsDataKeyReusePeriodSeconds.
	callers := 0.0
	for _, f := range s.Functions {
		for _, m := range measured {
			if m.Invocations[f.Name] > 0 && (m.WRU > 0 || m.RRU > 0) {
				callers++
				break
			}
		}
	}
	ddb := callers * secondsInMonth / 300
	items = append(items, Item{"KMS: DynamoDB table keys", fmt.Sprintf("%.0f callers x one request per 300 s", callers), ddb * KMSPerRequest})
	reuse := 300.0
	for _, r := range s.QueueDataKeyReuse {
		reuse = math.Min(reuse, r)
	}
	// The queue's sender and the event source's receiver.
	sqs := 2 * secondsInMonth / reuse
	items = append(items, Item{"KMS: SQS data keys", fmt.Sprintf("sender and receiver x one request per %.0f s", reuse), sqs * KMSPerRequest})
	return items
}

// Render writes the estimate: the per-path table, the fixed monthly cost,
// the memory sizes, and last the happy path's line.
func (e *Result) Render(w io.Writer) {
	fmt.Fprintf(w, "Cost per 1M payments, by path (USD, us-east-1 list prices of %s; the fixed monthly costs below come on top)\n\n", PricesChecked)
	fmt.Fprintf(w, "| Component |")
	for _, p := range e.Paths {
		fmt.Fprintf(w, " %s |", p.Path)
	}
	fmt.Fprintf(w, "\n|---|")
	for range e.Paths {
		fmt.Fprintf(w, "---:|")
	}
	fmt.Fprintln(w)
	var components []string
	seen := map[string]bool{}
	for _, p := range e.Paths {
		for _, it := range p.Items {
			if !seen[it.Component] {
				seen[it.Component] = true
				components = append(components, it.Component)
			}
		}
	}
	for _, c := range components {
		fmt.Fprintf(w, "| %s |", c)
		for _, p := range e.Paths {
			cell := ""
			for _, it := range p.Items {
				if it.Component == c {
					cell = fmt.Sprintf("%.3f", it.USD)
				}
			}
			fmt.Fprintf(w, " %s |", cell)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "| **Total** |")
	for _, p := range e.Paths {
		fmt.Fprintf(w, " **%.2f** |", p.Total)
	}
	fmt.Fprintf(w, "\n\nWhat each path does (per payment):\n\n")
	for _, p := range e.Paths {
		fmt.Fprintf(w, "- %s (HTTP %d):", p.Path, p.Status)
		for i, it := range p.Items {
			if i > 0 {
				fmt.Fprint(w, ";")
			}
			fmt.Fprintf(w, " %s %s", it.Component, it.Quantity)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nFixed monthly cost at zero traffic (USD)\n\n| Component | Quantity | Monthly |\n|---|---|---:|\n")
	for _, it := range e.Fixed {
		fmt.Fprintf(w, "| %s | %s | %.2f |\n", it.Component, it.Quantity, it.USD)
	}
	fmt.Fprintf(w, "| **Total at zero traffic** | | **%.2f** |\n", e.FixedTotal)
	fmt.Fprintf(w, "\nAdded monthly by any sustained traffic, whatever its volume (USD)\n\n| Component | Quantity | Monthly |\n|---|---|---:|\n")
	for _, it := range e.Sustained {
		fmt.Fprintf(w, "| %s | %s | %.2f |\n", it.Component, it.Quantity, it.USD)
	}
	fmt.Fprintf(w, "| **Total** | | **%.2f** |\n", e.SustainedTotal)
	if len(e.Memory) > 0 {
		fmt.Fprintf(w, "\nLambda memory: each function's cost per 1M invocations at each size (measured duration x 1769/size, billed per ms; the sizes are a recorded decision, app/paymentstack.FunctionMemory)\n\n| Function | Measured | Cost per 1M invocations at 128 / 256 / 512 / 1024 MB | Template |\n|---|---:|---|---:|\n")
		for _, mp := range e.Memory {
			var costs []string
			for _, c := range mp.Costs {
				costs = append(costs, fmt.Sprintf("$%.3f", c))
			}
			fmt.Fprintf(w, "| %s | %.3f ms | %s | %.0f MB |\n", mp.Function, mp.MeasuredMs, strings.Join(costs, " / "), mp.Configured)
		}
	}
	fmt.Fprintf(w, "\nWith every measured duration ten times longer, the happy path would cost $%.2f per 1M payments.\n", e.HappyPathSlow)
	fmt.Fprintf(w, "\nhappy path: $%.2f per 1M payments\n", e.HappyPath)
}

// PricesChecked is the date the prices of prices.go were checked.
const PricesChecked = "2026-12-02"

// Estimate reads the template's settings, measures n payments per path
// and prices them.
func Estimate(ctx context.Context, t *cfn.Template, suffix string, n int) (*Result, error) {
	s, err := ReadSettings(t, naming.Physical(platform.PaymentsWorkflow, suffix), naming.Physical(platform.RecoveryWorkflow, suffix))
	if err != nil {
		return nil, err
	}
	measured, idle, err := Measure(ctx, t, suffix, s, n)
	if err != nil {
		return nil, err
	}
	return Price(s, measured, idle), nil
}
