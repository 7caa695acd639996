package localrun

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// LoadResult summarises a load run.
type LoadResult struct {
	Requests    int
	Concurrency int
	Elapsed     time.Duration
	// Status counts answers by HTTP status; 0 counts transport errors.
	Status   map[int]int
	P50, P99 time.Duration
	Max      time.Duration
}

// RPS is requests per second over the run.
func (r LoadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// String renders the result on one line.
func (r LoadResult) String() string {
	return fmt.Sprintf("POST /payments: %d requests, concurrency %d, %.1f s: %.0f req/s, p50 %s, p99 %s, max %s, statuses %v",
		r.Requests, r.Concurrency, r.Elapsed.Seconds(), r.RPS(), r.P50.Round(10*time.Microsecond),
		r.P99.Round(10*time.Microsecond), r.Max.Round(10*time.Microsecond), r.Status)
}

// Load sends n valid POST /payments requests, each with its own
// idempotency key, from concurrency workers to baseURL, and measures
// them. It is for the local runner on loopback: n is bounded by the caller.
func Load(ctx context.Context, baseURL string, n, concurrency int) (LoadResult, error) {
	if n < 1 || concurrency < 1 {
		return LoadResult{}, fmt.Errorf("localrun: load needs n >= 1 and concurrency >= 1")
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{
		MaxIdleConns: concurrency, MaxIdleConnsPerHost: concurrency,
	}}
	defer client.CloseIdleConnections()
	run := fmt.Sprintf("%x", time.Now().UnixNano())
	lat := make([]time.Duration, n)
	codes := make([]int, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range concurrency {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				body := fmt.Sprintf(`{"amount":%d,"currency":"EUR","source":"tok_load%08d","merchant_id":"m_load"}`, 100+i%1000, i)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/payments", bytes.NewBufferString(body))
				if err != nil {
					continue
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Idempotency-Key", fmt.Sprintf("load-%s-%d", run, i))
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					codes[i] = resp.StatusCode
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	res := LoadResult{Requests: n, Concurrency: concurrency, Elapsed: time.Since(start), Status: map[int]int{}}
	for _, c := range codes {
		res.Status[c]++
	}
	slices.Sort(lat)
	res.P50 = lat[(n-1)*50/100]
	res.P99 = lat[(n-1)*99/100]
	res.Max = lat[n-1]
	return res, ctx.Err()
}
