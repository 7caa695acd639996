// Command localrun runs the payment API on 127.0.0.1 without an AWS
// account: it synthesizes the CDK app (or reads a template), starts
// DynamoDB Local and the SQS emulator, and serves the API by executing the
// synthesized payments workflow with the real Go task handlers. `make run`
// runs it. With -load N it measures POST /payments instead of serving.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/localrun"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "localrun:", err)
		os.Exit(1)
	}
}

func run() error {
	if err := paymentstack.ReexecOnSupportedNode(); err != nil {
		return err
	}
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve the API on")
	template := flag.String("template", "", "synthesized template file or cdk.out directory (default: synthesize in process)")
	suffix := flag.String("suffix", "", "environment suffix (default: cdk.json's environmentSuffix)")
	history := flag.Bool("history", false, "print each payments execution's history to stderr")
	recoveryEvery := flag.Duration("recovery-interval", 0, "how often the recovery workflow runs (default: cdk.json's recoveryScheduleMinutes)")
	fault := flag.String("fault", "", "fault to inject at start: store=unavailable|throttled|conflict[:duration], queue=unavailable[:duration]")
	timeScale := flag.Float64("time-scale", 30, "divide the recovery workflow's waits by this factor")
	alarmScale := flag.Float64("alarm-time-scale", 30, "divide the alarms' 5-minute periods by this factor (30: 10 s)")
	visibility := flag.Duration("visibility-timeout", 5*time.Second, "visibility timeout of the failed-transactions queue (deployed: 180s)")
	ddbEndpoint := flag.String("dynamodb-endpoint", "", "use a running DynamoDB Local instead of starting one")
	sqsEndpoint := flag.String("sqs-endpoint", "", "use a running SQS emulator instead of starting one")
	memoryStore := flag.Bool("memory-store", false, "keep the transactions table in memory instead of DynamoDB Local (with -load: measures the runner itself)")
	load := flag.Int("load", 0, "measure: send this many POST /payments (max 100000) on loopback, print req/s and latency, exit")
	concurrency := flag.Int("concurrency", 8, "concurrent clients for -load")
	throttle := flag.Bool("throttle", false, "with -load: keep the stage's throttling (default: off, to measure the runner)")
	requireSig := flag.Bool("require-signature", false, "answer unsigned requests to POST /payments and GET /payments/{id} 403, as the deployed API does (default: they are "+localrun.DefaultCaller+"'s, or X-Local-Caller's)")
	cpuProfile := flag.String("cpuprofile", "", "with -load: write a CPU profile of the measured run to this file (go tool pprof)")
	flag.Parse()

	log := logging.NewLogger(os.Stderr)
	moduleDir, err := golambda.ModuleDir(".")
	if err != nil {
		return err
	}
	cdkCtx, err := paymentstack.CDKJSONContext(filepath.Join(moduleDir, "cdk.json"), nil)
	if err != nil {
		return err
	}
	if *suffix == "" {
		*suffix, _ = cdkCtx["environmentSuffix"].(string)
	}
	if *recoveryEvery == 0 {
		minutes, _ := cdkCtx[paymentstack.KeyRecoveryScheduleMinutes].(float64)
		*recoveryEvery = time.Duration(max(minutes, 1) * float64(time.Minute))
	}

	started := time.Now()
	if *template == "" {
		fmt.Fprintln(os.Stderr, "localrun: synthesizing the CDK app...")
	}
	tpl, err := paymentstack.LoadTemplate(moduleDir, *template, *suffix)
	if err != nil {
		return err
	}
	log.Info("template ready", "duration_ms", time.Since(started).Milliseconds())

	cfg := localrun.Config{
		Template: tpl, Suffix: *suffix, DynamoDBEndpoint: *ddbEndpoint, SQSEndpoint: *sqsEndpoint, MemoryStore: *memoryStore,
		RecoveryInterval: *recoveryEvery, TimeScale: *timeScale, AlarmTimeScale: *alarmScale, VisibilityTimeout: *visibility, Logger: log,
		RequireSignature: *requireSig,
	}
	if *history {
		cfg.HistoryTo = os.Stderr
	}
	if *load > 0 {
		return runLoad(cfg, *load, *concurrency, *throttle, *cpuProfile)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := localrun.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer r.Stop()
	if *fault != "" {
		fr, err := localrun.ParseFault(*fault)
		if err != nil {
			return err
		}
		if err := r.Faults().Apply(fr); err != nil {
			return err
		}
	}
	if err := r.Serve(*addr); err != nil {
		return err
	}
	printReady(os.Stderr, r.Addr(), *recoveryEvery, *requireSig)
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "localrun: stopping the emulators...")
	return nil
}

func printReady(w io.Writer, addr string, recovery time.Duration, requireSig bool) {
	base := "http://" + addr
	unsigned := "unsigned requests are " + localrun.DefaultCaller + "'s (-require-signature refuses them, as AWS does)"
	if requireSig {
		unsigned = "unsigned requests are refused with 403, as AWS does"
	}
	fmt.Fprintf(w, `
Local SigV4 credentials (region %[3]s, service execute-api; no AWS credential, they only work here):
  AWS_ACCESS_KEY_ID=%[4]s
  AWS_SECRET_ACCESS_KEY=%[5]s
  principal %[6]s; %[7]s.
  Signed with curl: curl --aws-sigv4 aws:amz:%[3]s:execute-api --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" ...
  make smoke LOCAL=1 walks this API with signed requests.

Payment API running at %[1]s (recovery every %[2]s). Try:

  curl -si %[1]s/payments -H 'Content-Type: application/json' -H 'Idempotency-Key: first-try-1' \
       -d '{"amount":1250,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}'
  curl -si %[1]s/payments/<id from the answer>
  curl -si %[1]s/health
  curl -s  %[1]s/health/report                                          # the full report (SigV4 when deployed)
  curl -s  %[1]s/_local/executions/<x-amzn-requestid of an answer>     # the workflow's history
  open     %[1]s/_local/console/executions/<x-amzn-requestid>          # the same, drawn, in a browser
  curl -si %[1]s/_local/faults -d '{"store":"unavailable","seconds":20}'  # then POST again: 202
  curl -s  %[1]s/_local/metrics

Ctrl-C stops it and the emulators.
`, base, recovery, awsenv.Region, localrun.DefaultCredential.AccessKeyID, localrun.DefaultCredential.SecretAccessKey,
		localrun.DefaultCaller, unsigned)
}

// runLoad starts the runner on loopback, measures POST /payments and stops.
func runLoad(cfg localrun.Config, n, concurrency int, throttle bool, cpuProfile string) error {
	if n > 100000 || concurrency < 1 || concurrency > 256 {
		return fmt.Errorf("-load must be within 1..100000 and -concurrency within 1..256")
	}
	if !throttle {
		cfg.ThrottleRate, cfg.ThrottleBurst = math.MaxFloat64/4, math.MaxFloat64/4
	}
	cfg.RecoveryInterval = -1
	cfg.Logger = nil // request logs would dominate the measurement
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	r, err := localrun.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer r.Stop()
	if err := r.Serve("127.0.0.1:0"); err != nil {
		return err
	}
	base := "http://" + r.Addr()
	// Warm up: first calls pay for connections and handler start-up.
	if _, err := localrun.Load(ctx, base, min(n, 50), min(concurrency, 50)); err != nil {
		return err
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	res, err := localrun.Load(ctx, base, n, concurrency)
	pprof.StopCPUProfile()
	if err != nil {
		return err
	}
	store := "DynamoDB Local"
	if cfg.MemoryStore {
		store = "in-memory store"
	}
	fmt.Printf("%s (%s)\n", res, store)
	return nil
}
