package localrun

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"time"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// newRequestID returns a random id in the form of API Gateway's request
// ids (a UUID).
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Record is one execution kept for inspection: the payments workflow run
// of a request, or a recovery workflow run.
type Record struct {
	// ID is the request id (payments) or the execution name (recovery).
	ID         string    `json:"id"`
	Workflow   string    `json:"workflow"`
	Status     string    `json:"status"`
	Error      string    `json:"error,omitempty"`
	HTTPStatus int       `json:"httpStatus,omitempty"`
	StartDate  time.Time `json:"startDate"`
	StopDate   time.Time `json:"stopDate"`
	// History is the execution's events with secrets redacted.
	History []aslrun.Event `json:"history,omitempty"`
	// raw is the history before redaction: redacting costs more than the
	// rest of a request, so a record is redacted when it is first read.
	raw []aslrun.Event
}

// executions keeps the last N records.
type executions struct {
	mu    sync.Mutex
	max   int
	order []string
	byID  map[string]*Record
}

func newExecutions(n int) *executions {
	return &executions{max: max(n, 1), byID: map[string]*Record{}}
}

func (e *executions) add(r *Record) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.byID[r.ID]; !ok {
		e.order = append(e.order, r.ID)
	}
	e.byID[r.ID] = r
	for len(e.order) > e.max {
		delete(e.byID, e.order[0])
		e.order = e.order[1:]
	}
}

func (e *executions) get(id string) (*Record, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, ok := e.byID[id]
	if ok && r.raw != nil {
		r.History, r.raw = redactHistory(r.raw), nil
	}
	return r, ok
}

// pathHistory is a record's history as the console's list reads it (for
// the states an execution went through): the redacted history once the
// record was read, before that the raw events without their data. A
// record is redacted when first read, but the list must show every
// execution's path as soon as it ends.
func (r *Record) pathHistory() []aslrun.Event {
	if r.raw != nil {
		return withoutData(r.raw)
	}
	return r.History
}

// list returns the records without their histories, newest first.
func (e *executions) list() []Record {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Record, 0, len(e.order))
	for i := len(e.order) - 1; i >= 0; i-- {
		r := *e.byID[e.order[i]]
		r.History, r.raw = nil, nil
		out = append(out, r)
	}
	return out
}

// withoutData returns a copy of events without execution data (inputs,
// outputs, causes), as Step Functions logs them for a workflow that does
// not include execution data: what its console shows.
func withoutData(events []aslrun.Event) []aslrun.Event {
	out := make([]aslrun.Event, len(events))
	for i, ev := range events {
		ev.Input, ev.Output, ev.Cause = nil, nil, ""
		out[i] = ev
	}
	return out
}

// secretFields are the JSON members whose values never leave the process
// through the history: the idempotency key, the raw request body (which
// may hold card data that Validate rejects) and the payment token.
var secretFields = map[string]bool{"idempotencyKey": true, "body": true, "source": true}

// redactHistory returns a copy of events with secret members of every
// input and output replaced by "[redacted]". Its rules are the payments
// workflow's: apply it to that workflow's histories only (see
// recoveryRecord).
func redactHistory(events []aslrun.Event) []aslrun.Event {
	out := make([]aslrun.Event, len(events))
	for i, ev := range events {
		ev.Input = redactJSON(ev.Input)
		ev.Output = redactJSON(ev.Output)
		out[i] = ev
	}
	return out
}

func redactJSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return json.RawMessage(`"[redacted]"`)
	}
	b, err := json.Marshal(redactValue(v))
	if err != nil {
		return json.RawMessage(`"[redacted]"`)
	}
	return b
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		// A body next to a statusCode is a response (payment.Result),
		// already sent to the client with the source masked.
		_, isResult := x["statusCode"]
		for k, val := range x {
			if secretFields[k] && !(k == "body" && isResult) {
				if _, isStr := val.(string); isStr {
					x[k] = "[redacted]"
					continue
				}
			}
			x[k] = redactValue(val)
		}
	case []any:
		for i := range x {
			x[i] = redactValue(x[i])
		}
	}
	return v
}
