package cost

import (
	"math"
	"sort"
)

// MemoryPrice is what a function costs at each memory size, for the
// record of the memory decision (app/paymentstack.FunctionMemory): the
// sizes are chosen for latency on the synchronous path and for price
// elsewhere, not by this table, whose durations are measured on the
// machine that runs it.
type MemoryPrice struct {
	Function string
	// MeasuredMs is the measured duration of an invocation (the median of
	// the paths' medians, weighted by invocations), on one core of this
	// machine.
	MeasuredMs float64
	// Costs is the cost of 1M invocations at each of MemoryCandidates.
	Costs []float64
	// Configured is the template's size.
	Configured float64
}

// MemoryCandidates are the sizes compared, in MB.
var MemoryCandidates = []float64{128, 256, 512, 1024}

// vCPUMB is the memory size at which Lambda gives a function one full
// vCPU; below it the CPU share is proportional to memory (Lambda
// developer guide, "Configure Lambda function memory").
const vCPUMB = 1769

// PriceMemory prices 1M invocations of each measured function at each of
// MemoryCandidates. A function's measured duration is CPU time on one
// core (the table is in memory), so at m MB below 1,769 MB it takes about
// d x 1769/m; an invocation costs the request plus m x that duration
// rounded up to 1 ms.
func PriceMemory(measured map[string]*Measurement, idle *Idle, s *Settings) []MemoryPrice {
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
	var out []MemoryPrice
	for fn, n := range count {
		d := total[fn] / n
		mp := MemoryPrice{Function: fn, MeasuredMs: d, Configured: s.Functions[fn].MemoryMB}
		for _, m := range MemoryCandidates {
			mp.Costs = append(mp.Costs, invocationCost(d*math.Max(1, vCPUMB/m), m))
		}
		out = append(out, mp)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Function < out[j].Function })
	return out
}

// invocationCost is the cost of 1M invocations of durationMs at memoryMB.
func invocationCost(durationMs, memoryMB float64) float64 {
	billed := math.Max(1, math.Ceil(durationMs))
	return LambdaRequestsPerMillion + billed/1000*memoryMB/1024*LambdaArmPerGBSecond*million
}
