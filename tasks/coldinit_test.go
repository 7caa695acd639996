package tasks_test

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/internal/gobuild"
)

// A function's cold init is the time from starting its bootstrap to its
// first request for an invocation (GET .../runtime/invocation/next): the
// Go runtime, every package's init, the AWS configuration, the clients
// and the handler built from the environment. Its reference is a main that
// only builds the same SDK clients from the default configuration and
// starts the same runtime loop (tasks/testdata/coldinit): the ratio of the
// two is what the function's own code and its tracing add.
//
// Both are built for this machine (not linux/arm64, which it cannot run)
// with the bundling flags, and run against a fake Lambda runtime API with
// a Lambda-like environment: credentials and region in variables, no
// shared config files, tracing on (AWS_XRAY_DAEMON_ADDRESS).

// references maps each Lambda main to its reference main.
var references = map[string]string{
	"tasks/validate/lambda":      "noclients",
	"tasks/persist/lambda":       "dynamodb",
	"tasks/reprocess/lambda":     "dynamodbsqs",
	"tasks/getpayment/lambda":    "dynamodb",
	"tasks/enqueue/lambda":       "sqs",
	"tasks/health/lambda":        "health",
	"tasks/healthmonitor/lambda": "health",
}

// lambdaEnv is the environment of every function: what Lambda sets, and
// the configuration the handlers read.
func lambdaEnv(runtimeAPI string) []string {
	return []string{
		"PATH=/usr/bin:/bin", "HOME=/tmp", "AWS_LAMBDA_RUNTIME_API=" + runtimeAPI,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ACCESS_KEY_ID=ASIAEXAMPLEEXAMPLE", "AWS_SECRET_ACCESS_KEY=secret", "AWS_SESSION_TOKEN=token",
		"AWS_CONFIG_FILE=/nonexistent", "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
		"AWS_LAMBDA_FUNCTION_NAME=coldinit", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:2000", "AWS_XRAY_CONTEXT_MISSING=LOG_ERROR", "_HANDLER=bootstrap",
		"TABLE_NAME=transactions-table-dev", "IDEMPOTENCY_TTL_HOURS=24",
		"FAILED_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-queue-dev",
		"FAILED_DLQ_URL=https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-dlq-dev",
		"QUEUE_URLS=https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-queue-dev,https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-dlq-dev",
		"ALARM_NAMES=api-5xx-alarm-dev,transactions-table-throttles-alarm-dev",
	}
}

// runtimeAPI is a fake Lambda runtime API that reports each request for an
// invocation and holds it until the caller goes away.
type runtimeAPI struct {
	addr string
	next chan struct{}
	srv  *http.Server
}

func newRuntimeAPI(tb testing.TB) *runtimeAPI {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	api := &runtimeAPI{addr: ln.Addr().String(), next: make(chan struct{}, 1)}
	api.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/2018-06-01/runtime/invocation/next" {
			select {
			case api.next <- struct{}{}:
			default:
			}
			<-r.Context().Done()
			return
		}
		http.NotFound(w, r)
	})}
	go func() { _ = api.srv.Serve(ln) }()
	tb.Cleanup(func() { _ = api.srv.Close() })
	return api
}

// coldInit starts bin and returns the time until it asks for an
// invocation; it kills the process then.
func (api *runtimeAPI) coldInit(bin string) (time.Duration, error) {
	select { // a request left from an earlier process
	case <-api.next:
	default:
	}
	cmd := exec.Command(bin)
	cmd.Env = lambdaEnv(api.addr)
	out := &limitedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	exited := make(chan error, 1)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Kill()
		<-exited
	}()
	select {
	case <-api.next:
		return time.Since(start), nil
	case err := <-exited:
		exited <- err
		return 0, fmt.Errorf("%s exited before asking for an invocation (%v): %s", bin, err, out.b)
	case <-time.After(30 * time.Second):
		return 0, errors.New(bin + " did not ask for an invocation within 30 s")
	}
}

type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if len(l.b) < 4096 {
		l.b = append(l.b, p[:min(len(p), 4096-len(l.b))]...)
	}
	return len(p), nil
}

// hostBinaries builds every Lambda main and every reference for this
// machine and returns their paths by package directory.
func hostBinaries(tb testing.TB) map[string]string {
	tb.Helper()
	dirs := lambdaDirs(tb)
	for _, d := range dirs {
		if _, ok := references[d]; !ok {
			tb.Fatalf("%s has no cold-init reference: add it to references", d)
		}
	}
	pkgs := slices.Clone(dirs)
	for _, ref := range references {
		if p := "tasks/testdata/coldinit/" + ref; !slices.Contains(pkgs, p) {
			pkgs = append(pkgs, p)
		}
	}
	entries := make([]string, len(pkgs))
	for i, p := range pkgs {
		entries[i] = "./" + p
	}
	cache, err := gobuild.DefaultCacheFor([]string{"GOOS=" + runtime.GOOS, "GOARCH=" + runtime.GOARCH, "CGO_ENABLED=0"})
	if err != nil {
		tb.Fatal(err)
	}
	results, err := cache.Bootstraps("..", entries, runtime.NumCPU())
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]string{}
	for i, p := range pkgs {
		out[p] = results[entries[i]].Path
	}
	return out
}

func TestEveryFunctionStartsAndAsksForAnInvocation(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts every Lambda bootstrap")
	}
	bins := hostBinaries(t)
	api := newRuntimeAPI(t)
	for _, dir := range slices.Sorted(maps.Keys(references)) {
		t.Run(dir, func(t *testing.T) {
			if _, err := api.coldInit(bins[dir]); err != nil {
				t.Error(err)
			}
		})
	}
}

// BenchmarkColdInit measures each function's cold init (ns/op) and, in the
// same run, interleaved, its reference's: the metrics are the medians of
// both and their ratio (target: at most 1.2).
func BenchmarkColdInit(b *testing.B) {
	bins := hostBinaries(b)
	api := newRuntimeAPI(b)
	for _, dir := range slices.Sorted(maps.Keys(references)) {
		ref := bins["tasks/testdata/coldinit/"+references[dir]]
		b.Run(dir, func(b *testing.B) {
			var fn, rf []time.Duration
			for b.Loop() {
				d, err := api.coldInit(bins[dir])
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				r, err := api.coldInit(ref)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				fn, rf = append(fn, d), append(rf, r)
			}
			b.ReportMetric(float64(median(fn).Microseconds()), "init-µs")
			b.ReportMetric(float64(median(rf).Microseconds()), "reference-µs")
			b.ReportMetric(float64(median(fn))/float64(median(rf)), "x-reference")
		})
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
