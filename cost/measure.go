package cost

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/internal/harness/memddb"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/localrun"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// The priced paths of POST /payments.
const (
	PathProcessed = "201 processed"
	PathReplay    = "201 idempotent replay"
	PathQueued    = "202 queued, then reprocessed"
	PathInvalid   = "400 refused (invalid)"
	PathCardData  = "422 refused (card data)"
	// PathRead is GET /payments/{id} of a stored payment: not a payment,
	// priced beside them.
	PathRead = "GET /payments/{id} 200"
)

// Paths lists the priced paths in the order of the table.
var Paths = []string{PathProcessed, PathReplay, PathQueued, PathInvalid, PathCardData, PathRead}

// Measurement is what one path of POST /payments does, per payment, as
// measured by running the synthesized payments workflow on the local
// executor with the real handlers over an in-memory DynamoDB (memddb,
// which counts request units as DynamoDB bills them).
type Measurement struct {
	Path     string
	Status   int
	Payments int
	// Executions is the payments workflow's executions per payment.
	Executions float64
	// ExpressMs is the execution's duration: measured, plus the retry
	// waits Step Functions would have slept (recorded, not slept).
	ExpressMs float64
	// ExpressDataBytes is the largest state input or output of the
	// execution (the "execution data" of Express memory).
	ExpressDataBytes int
	// Invocations and DurationMs are per function, per payment:
	// invocations, and the median measured duration of one invocation.
	Invocations map[string]float64
	DurationMs  map[string]float64
	// WRU and RRU are DynamoDB's request units.
	WRU, RRU float64
	// SQSRequests counts the queue's requests: the task's SendMessage, and
	// the event source's ReceiveMessage and DeleteMessageBatch (one each
	// per batch, batches of one message: the low-traffic case).
	SQSRequests float64
	// StoredGBMonths is the table storage a payment leaves for its first
	// month: the items it wrote (each with DynamoDB's 100-byte overhead),
	// an item with a TTL for the part of the month it lives.
	StoredGBMonths float64
	// LogBytes and LogBytesCompressed are per log group: the bytes
	// ingested, and the same gzip-compressed (what storage bills).
	LogBytes, LogBytesCompressed map[string]float64
}

// Idle is what the recovery schedule does once at zero traffic.
type Idle struct {
	// Transitions counts the states the recovery workflow entered.
	Transitions int
	// Invocations and DurationMs of the functions it ran (the health
	// monitor), per run.
	Invocations map[string]float64
	DurationMs  map[string]float64
	LogBytes    map[string]float64
	LogCompress map[string]float64
}

// Measure runs n payments down every path (and one idle recovery) on the
// executor and measures them.
func Measure(ctx context.Context, t *cfn.Template, suffix string, s *Settings, n int) (map[string]*Measurement, *Idle, error) {
	if n < 1 {
		return nil, nil, fmt.Errorf("cost: measure at least one payment per path")
	}
	out := map[string]*Measurement{}
	for _, path := range Paths {
		m, err := measurePath(ctx, t, suffix, s, path, n)
		if err != nil {
			return nil, nil, fmt.Errorf("cost: measuring %s: %w", path, err)
		}
		out[path] = m
	}
	idle, err := measureIdle(ctx, t, suffix, s)
	if err != nil {
		return nil, nil, err
	}
	return out, idle, nil
}

// outage is the table while DynamoDB fails: writes answer 503, as during
// a regional outage (not billed).
type outage struct{ store.DB }

func (outage) TransactWriteItems(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, &smithy.GenericAPIError{Code: "ServiceUnavailable", Message: "outage", Fault: smithy.FaultServer}
}

// switchable is a table that can be swapped while the executor runs.
type switchable struct {
	mu sync.Mutex
	db store.DB
}

func (s *switchable) get() store.DB { s.mu.Lock(); defer s.mu.Unlock(); return s.db }
func (s *switchable) set(db store.DB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db = db
}

func (s *switchable) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return s.get().TransactWriteItems(ctx, in, o...)
}

func (s *switchable) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return s.get().GetItem(ctx, in, o...)
}

func (s *switchable) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return s.get().UpdateItem(ctx, in, o...)
}

func (s *switchable) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return s.get().Query(ctx, in, o...)
}

func (s *switchable) DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, o ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	return s.get().DescribeTable(ctx, in, o...)
}

// Body is the payment the measurements send: the README's example, with
// a description and metadata of typical length.
func Body(i int) []byte {
	return []byte(fmt.Sprintf(`{"amount":%d,"currency":"EUR","source":"tok_visa4242abcd%04d","merchant_id":"m_123",`+
		`"description":"Order 2026-%06d","metadata":{"order_id":"ord_%06d","channel":"web"}}`, 1250+i%100, i%10000, i, i))
}

// logSink collects each log group's lines.
type logSink struct {
	mu     sync.Mutex
	groups map[string]*bytes.Buffer
}

func (l *logSink) writer(group string) io.Writer {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.groups == nil {
		l.groups = map[string]*bytes.Buffer{}
	}
	b, ok := l.groups[group]
	if !ok {
		b = &bytes.Buffer{}
		l.groups[group] = b
	}
	return syncWriter{&l.mu, b}
}

type syncWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func measurePath(ctx context.Context, t *cfn.Template, suffix string, s *Settings, path string, n int) (*Measurement, error) {
	db := memddb.New()
	tableName := naming.Physical(platform.TransactionsTable, suffix)
	if err := store.CreateTable(ctx, db, tableName); err != nil {
		return nil, err
	}
	table := &switchable{db: db}
	appLogs := &logSink{}
	var mu sync.Mutex
	var invocations []localrun.Invocation
	measuring := false
	e, err := localrun.NewExecutor(localrun.ExecutorConfig{Template: t, Suffix: suffix, DB: table,
		Logs: func(fn string) io.Writer { return appLogs.writer(fn) },
		Observe: func(inv localrun.Invocation) {
			mu.Lock()
			defer mu.Unlock()
			if measuring {
				invocations = append(invocations, inv)
			}
		}})
	if err != nil {
		return nil, err
	}
	m := &Measurement{Path: path, Payments: n, Invocations: map[string]float64{}, DurationMs: map[string]float64{},
		LogBytes: map[string]float64{}, LogBytesCompressed: map[string]float64{}}
	records := map[string][][]byte{} // log group -> records of the measured payments
	durations := map[string][]float64{}
	wfName := s.Payments.Name
	var paymentID string
	for i := range n {
		key := fmt.Sprintf("cost-%s-%d", strconv.Quote(path)[1:3], i)
		body := Body(i)
		switch path {
		case PathReplay, PathRead: // the first request is not measured
			_, first, err := e.Pay(ctx, "first-"+strconv.Itoa(i), key, body)
			if err != nil {
				return nil, err
			}
			var created struct{ ID string }
			if err := json.Unmarshal([]byte(first.Body), &created); err != nil || created.ID == "" {
				return nil, fmt.Errorf("the first payment was answered %d %s", first.Status, first.Body)
			}
			paymentID = created.ID
		case PathInvalid:
			body = []byte(`{"amount":0,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123"}`)
		case PathCardData:
			body = []byte(`{"amount":1250,"currency":"EUR","source":"tok_visa4242abcd","merchant_id":"m_123","description":"card 4242 4242 4242 4242"}`)
		case PathQueued:
			table.set(outage{db})
		}
		for _, b := range appLogs.groups {
			b.Reset()
		}
		before := db.Meter()
		mu.Lock()
		measuring = true
		mu.Unlock()
		requestID := fmt.Sprintf("%08x-0000-4000-8000-%012x", i, i)
		var exec *aslrun.Execution
		var resp api.Response
		if path == PathRead {
			got, err := e.GetPayment(ctx, requestID, paymentID)
			if err != nil {
				return nil, err
			}
			resp = api.Response{Status: got.StatusCode, Body: got.Body}
		} else if exec, resp, err = e.Pay(ctx, requestID, key, body); err != nil {
			return nil, err
		}
		if path == PathQueued {
			table.set(db)
			msgs := e.Queued()
			m.SQSRequests += float64(len(msgs)) // SendMessage
			for _, msg := range msgs {
				failed, err := e.Reprocess(ctx, []*sqs.SendMessageInput{msg})
				if err != nil {
					return nil, err
				}
				if len(failed) > 0 {
					return nil, fmt.Errorf("the reprocess function did not persist a queued payment")
				}
				m.SQSRequests += 2 // the event source's ReceiveMessage and DeleteMessageBatch
			}
		}
		mu.Lock()
		measuring = false
		mu.Unlock()
		after := db.Meter()
		m.WRU += after.WriteUnits - before.WriteUnits
		m.RRU += after.ReadUnits - before.ReadUnits
		m.Status = resp.Status
		if exec != nil {
			m.Executions++
			waits := time.Duration(0)
			for _, ev := range exec.History {
				if ev.Retry != nil {
					waits += ev.Retry.Delay
				}
				m.ExpressDataBytes = max(m.ExpressDataBytes, len(ev.Input), len(ev.Output))
			}
			m.ExpressMs += float64((exec.StopDate.Sub(exec.StartDate) + waits).Microseconds()) / 1000
			execARN := fmt.Sprintf("arn:aws:states:%s:%s:express:%s:%s:%s", awsenv.Region, awsenv.LocalAccount, wfName, requestID, requestID)
			records[s.Payments.LogGroup] = append(records[s.Payments.LogGroup], executionLog(s.Payments, execARN, exec.History)...)
		}
		respBody := len(resp.Body)
		if s.StageLogGroup != "" {
			records[s.StageLogGroup] = append(records[s.StageLogGroup], accessLog(s.AccessLogFormat, requestID, resp.Status, respBody))
		}
		header := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {key},
			"Content-Length": {strconv.Itoa(len(body))}, "User-Agent": {"Go-http-client/1.1"}}
		if rec := wafLog(s.WAF, wafACLName(s), requestID, header, "/"+api.StageName+"/payments"); rec != nil {
			records[s.WAFLogGroup] = append(records[s.WAFLogGroup], rec)
		}
		mu.Lock()
		for _, inv := range invocations {
			m.Invocations[inv.Function]++
			durations[inv.Function] = append(durations[inv.Function], float64(inv.Duration.Microseconds())/1000)
		}
		for fn, buf := range appLogs.groups {
			f := s.Functions[fn]
			count := 0
			var dur time.Duration
			for _, inv := range invocations {
				if inv.Function == fn {
					count++
					dur = inv.Duration
				}
			}
			lines := functionLog(f, buf.Bytes(), requestID, dur)
			if count > 1 && severity(f.SystemLogLevel) <= severity("INFO") {
				// functionLog adds one invocation's system records.
				lines = append(lines, functionLog(Function{SystemLogLevel: f.SystemLogLevel, MemoryMB: f.MemoryMB, Tracing: f.Tracing}, nil, requestID, dur)...)
			}
			records[f.LogGroup] = append(records[f.LogGroup], lines...)
		}
		invocations = nil
		mu.Unlock()
	}
	for fn, ds := range durations {
		m.DurationMs[fn] = median(ds)
	}
	now := time.Now().Unix()
	for _, it := range db.Items(tableName) {
		size := float64(memddb.ItemSize(it) + DynamoDBItemOverhead)
		months := 1.0
		if exp, ok := it[store.TTLAttribute].(*ddbtypes.AttributeValueMemberN); ok {
			if at, err := strconv.ParseInt(exp.Value, 10, 64); err == nil {
				months = math.Min(1, math.Max(0, float64(at-now)/secondsInMonth))
			}
		}
		m.StoredGBMonths += size * months / gb
	}
	if path == PathReplay || path == PathRead {
		m.StoredGBMonths = 0 // the first request stored it
	}
	m.StoredGBMonths /= float64(n)
	for fn := range m.Invocations {
		m.Invocations[fn] /= float64(n)
	}
	if m.Executions > 0 {
		m.ExpressMs /= m.Executions
	}
	m.Executions /= float64(n)
	m.WRU /= float64(n)
	m.RRU /= float64(n)
	m.SQSRequests /= float64(n)
	for group, recs := range records {
		raw, compressed := sizes(recs)
		if raw == 0 {
			continue
		}
		m.LogBytes[group] = float64(raw) / float64(n)
		m.LogBytesCompressed[group] = float64(compressed) / float64(n)
	}
	return m, nil
}

// wafACLName is the web ACL's name, as in its log records.
func wafACLName(s *Settings) string {
	const prefix = "aws-waf-logs-"
	if len(s.WAFLogGroup) > len(prefix) {
		return s.WAFLogGroup[len(prefix):]
	}
	return "payments-waf"
}

// sizes returns the bytes of log records (each one log event) and of the
// same gzip-compressed, as CloudWatch Logs stores them.
func sizes(records [][]byte) (raw, compressed int) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	for _, r := range records {
		raw += len(r)
		_, _ = zw.Write(r)
		_, _ = zw.Write([]byte("\n"))
	}
	_ = zw.Close()
	return raw, b.Len()
}

func measureIdle(ctx context.Context, t *cfn.Template, suffix string, s *Settings) (*Idle, error) {
	logs := &logSink{}
	var invocations []localrun.Invocation
	var mu sync.Mutex
	exec, err := localrun.RecoveryOnIdle(ctx, t, suffix, func(fn string) io.Writer { return logs.writer(fn) },
		func(inv localrun.Invocation) { mu.Lock(); invocations = append(invocations, inv); mu.Unlock() })
	if err != nil {
		return nil, err
	}
	if exec.Status != aslrun.Succeeded {
		return nil, fmt.Errorf("cost: the idle recovery run ended %s (%s: %s)", exec.Status, exec.Error, exec.Cause)
	}
	idle := &Idle{Invocations: map[string]float64{}, DurationMs: map[string]float64{}, LogBytes: map[string]float64{}, LogCompress: map[string]float64{}}
	for _, ev := range exec.History {
		if len(ev.Type) > len("StateEntered") && string(ev.Type)[len(ev.Type)-len("StateEntered"):] == "StateEntered" {
			idle.Transitions++
		}
	}
	records := map[string][][]byte{}
	execARN := fmt.Sprintf("arn:aws:states:%s:%s:execution:%s:%s", awsenv.Region, awsenv.LocalAccount, s.Recovery.Name,
		"a1b2c3d4-5678-90ab-cdef-EXAMPLE33333")
	records[s.Recovery.LogGroup] = executionLog(s.Recovery, execARN, exec.History)
	for _, inv := range invocations {
		idle.Invocations[inv.Function]++
		idle.DurationMs[inv.Function] += float64(inv.Duration.Microseconds()) / 1000
		f := s.Functions[inv.Function]
		var lines []byte
		if b, ok := logs.groups[inv.Function]; ok {
			lines = b.Bytes()
		}
		records[f.LogGroup] = append(records[f.LogGroup], functionLog(f, lines, "idle", inv.Duration)...)
	}
	for group, recs := range records {
		raw, compressed := sizes(recs)
		idle.LogBytes[group], idle.LogCompress[group] = float64(raw), float64(compressed)
	}
	return idle, nil
}

// median is the middle of a sample (robust to the slow first invocation
// and to a busy machine).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}
