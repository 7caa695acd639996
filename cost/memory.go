package cost

import (
	"math"
	"sort"
)

// MemoryChoice is a function's memory size chosen from its measured
// duration and Lambda's price.
type MemoryChoice struct {
	Function string
	// MeasuredMs is the measured duration of an invocation (the median of
	// the paths' medians, weighted by invocations), on one core of this
	// machine.
	MeasuredMs float64
	// Costs is the cost of 1M invocations at each of MemoryCandidates.
	Costs []float64
	// Chosen is the size ChooseMemory picks; Configured the template's.
	Chosen, Configured float64
}

// MemoryCandidates are the sizes compared, in MB.
var MemoryCandidates = []float64{128, 256, 512, 1024}

// LatencyBudgetMs bounds the estimated duration of a warm invocation: a
// smaller size may not stretch an invocation's CPU time past it.
const LatencyBudgetMs = 20

// vCPUMB is the memory size at which Lambda gives a function one full
// vCPU; below it the CPU share is proportional to memory (Lambda
// developer guide, "Configure Lambda function memory").
const vCPUMB = 1769

// ChooseMemory picks each measured function's memory size. A function's
// measured duration is CPU time on one core (the table is in memory), so
// at m MB below 1,769 MB it takes about d x 1769/m. An invocation costs
// the request plus m x that duration rounded up to 1 ms; the choice is
// the cheapest size whose estimated duration stays within
// LatencyBudgetMs, or the largest candidate when none does.
func ChooseMemory(measured map[string]*Measurement, idle *Idle, s *Settings) []MemoryChoice {
	total := map[string]float64{}
	count := map[string]float64{}
	for _, m := range measured {
		for fn, n := range m.Invocations {
			total[fn] += m.DurationMs[fn] * n
			count[fn] += n
		}
	}
	if idle != nil {
		for fn, n := range idle.Invocations {
			total[fn] += idle.DurationMs[fn]
			count[fn] += n
		}
	}
	var out []MemoryChoice
	for fn, n := range count {
		d := total[fn] / n
		mc := MemoryChoice{Function: fn, MeasuredMs: d, Configured: s.Functions[fn].MemoryMB}
		chosen := MemoryCandidates[len(MemoryCandidates)-1]
		best := math.Inf(1)
		for _, m := range MemoryCandidates {
			est := d * math.Max(1, vCPUMB/m)
			c := invocationCost(est, m)
			mc.Costs = append(mc.Costs, c)
			if est <= LatencyBudgetMs && c < best {
				best, chosen = c, m
			}
		}
		mc.Chosen = chosen
		out = append(out, mc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

// invocationCost is the cost of 1M invocations of durationMs at memoryMB.
func invocationCost(durationMs, memoryMB float64) float64 {
	billed := math.Max(1, math.Ceil(durationMs))
	return LambdaRequestsPerMillion + billed/1000*memoryMB/1024*LambdaArmPerGBSecond*million
}
