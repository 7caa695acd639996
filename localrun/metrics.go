package localrun

import (
	"maps"
	"sync"
)

// metrics are in-memory counters: the recovery workflow's putMetricData
// calls land here, with the runner's own request counts. GET
// /_local/metrics shows them.
type metrics struct {
	mu sync.Mutex
	m  map[string]float64
}

func newMetrics() *metrics { return &metrics{m: map[string]float64{}} }

func (m *metrics) add(name string, v float64) {
	m.mu.Lock()
	m.m[name] += v
	m.mu.Unlock()
}

func (m *metrics) snapshot() map[string]float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.m)
}
