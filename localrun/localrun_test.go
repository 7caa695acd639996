package localrun

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

func TestTokenBucket(t *testing.T) {
	now := time.Unix(0, 0)
	b := newTokenBucket(2, 3)
	b.now = func() time.Time { return now }
	for i := range 3 {
		if !b.allow() {
			t.Fatalf("request %d within the burst was throttled", i+1)
		}
	}
	if b.allow() {
		t.Fatal("a request past the burst was allowed")
	}
	now = now.Add(500 * time.Millisecond) // refills one token at 2/s
	if !b.allow() {
		t.Fatal("a request after the refill was throttled")
	}
	if b.allow() {
		t.Fatal("the refill gave more than one token")
	}
}

func TestParseFault(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     FaultRequest
		wantErr  bool
	}{
		{"a store outage with a duration", "store=unavailable:10s", FaultRequest{Store: "unavailable", Seconds: 10}, false},
		{"a queue outage until cleared", "queue=unavailable", FaultRequest{Queue: "unavailable"}, false},
		{"an unknown target is refused", "table=unavailable", FaultRequest{}, true},
		{"a missing kind separator is refused", "store", FaultRequest{}, true},
		{"a malformed duration is refused", "store=throttled:ten", FaultRequest{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFault(tc.in)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("ParseFault(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func FuzzParseFault(f *testing.F) {
	for _, s := range []string{"store=unavailable:10s", "queue=ok", "store=", "=:", "store=conflict:-1s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fr, err := ParseFault(s)
		if err != nil {
			return
		}
		if fr.Seconds < 0 {
			t.Errorf("ParseFault(%q) gave negative seconds", s)
		}
		// Whatever parses is either applied or refused with an error.
		_ = newFaults().Apply(fr)
	})
}

func TestFaultsMakeStoreCallsFailTheWayDynamoDBDoes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     FaultRequest
		op        string
		wantCode  string
		transient bool
	}{
		{"an outage fails data calls with a server fault", FaultRequest{Store: FaultUnavailable}, "GetItem", "ServiceUnavailable", true},
		{"throttling fails data calls with ProvisionedThroughputExceededException", FaultRequest{Store: FaultThrottled}, "TransactWriteItems", "ProvisionedThroughputExceededException", true},
		{"a conflict cancels transactions", FaultRequest{Store: FaultConflict}, "TransactWriteItems", "TransactionCanceledException", false},
		{"a conflict leaves reads alone", FaultRequest{Store: FaultConflict}, "GetItem", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaults()
			if err := f.Apply(tc.fault); err != nil {
				t.Fatal(err)
			}
			err := (&faultyDynamoDB{faults: f}).dataFault(tc.op)
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("got %v, want no fault", err)
				}
				return
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tc.wantCode {
				t.Fatalf("got %v, want an API error %s", err, tc.wantCode)
			}
			if store.Transient(err) != tc.transient {
				t.Errorf("store.Transient = %v, want %v", !tc.transient, tc.transient)
			}
			var canceled *ddbtypes.TransactionCanceledException
			if errors.As(err, &canceled) && aws.ToString(canceled.CancellationReasons[0].Code) != "TransactionConflict" {
				t.Errorf("cancellation reasons %v, want TransactionConflict first", canceled.CancellationReasons)
			}
		})
	}
}

func TestFaultsExpire(t *testing.T) {
	now := time.Unix(100, 0)
	f := newFaults()
	f.now = func() time.Time { return now }
	if err := f.Apply(FaultRequest{Queue: FaultUnavailable, Seconds: 2}); err != nil {
		t.Fatal(err)
	}
	if f.Active(TargetQueue) != FaultUnavailable {
		t.Fatal("the fault is not active")
	}
	now = now.Add(2 * time.Second)
	if got := f.Active(TargetQueue); got != "" {
		t.Fatalf("the fault is still %q after its duration", got)
	}
}

func TestRedactHistoryHidesKeysBodiesAndTokens(t *testing.T) {
	events := []aslrun.Event{
		{Type: aslrun.ExecutionStarted, Input: json.RawMessage(`{"requestId":"r1","idempotencyKey":"key-secret","body":"eyJzb3VyY2UiOiI0MjQyIn0="}`)},
		{Type: aslrun.TaskStateExited, Output: json.RawMessage(`{"payment":{"id":"pay_x","source":"tok_secret1234"},"result":{"statusCode":201,"body":"{\"id\":\"pay_x\"}"}}`)},
	}
	got, err := json.Marshal(redactHistory(events))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"key-secret", "eyJzb3VyY2UiOiI0MjQyIn0=", "tok_secret1234"} {
		if strings.Contains(string(got), secret) {
			t.Errorf("the history still shows %q: %s", secret, got)
		}
	}
	for _, kept := range []string{`"requestId":"r1"`, `pay_x`, `"statusCode":201`} {
		if !strings.Contains(string(got), kept) {
			t.Errorf("the history lost %s: %s", kept, got)
		}
	}
	if !strings.Contains(string(events[0].Input), "key-secret") {
		t.Error("redaction changed the original events")
	}
}

func TestWithoutDataKeepsOnlyTheEvents(t *testing.T) {
	in := []aslrun.Event{
		{ID: 1, Type: "ExecutionStarted", Input: json.RawMessage(`{"body":"NDExMSAxMTExIDExMTEgMTExMQ=="}`)},
		{ID: 2, Type: "TaskFailed", StateName: "Validate", Error: "Payment.CardDataRejected", Cause: `{"errorMessage":"x"}`},
		{ID: 3, Type: "ExecutionFailed", Error: "Payment.CardDataRejected", Cause: "c", Output: json.RawMessage(`{}`)},
	}
	out := withoutData(in)
	b, _ := json.Marshal(out)
	if bytes.Contains(b, []byte("NDEx")) || bytes.Contains(b, []byte(`"cause"`)) || bytes.Contains(b, []byte(`"input"`)) || bytes.Contains(b, []byte(`"output"`)) {
		t.Errorf("events keep data: %s", b)
	}
	if len(out) != 3 || out[1].StateName != "Validate" || out[2].Error != "Payment.CardDataRejected" {
		t.Errorf("events lost their type, state or error: %+v", out)
	}
	if len(in[0].Input) == 0 {
		t.Error("the input events were changed")
	}
}

func TestJSONContentFollowsAPIGatewayTemplateSelection(t *testing.T) {
	for _, tc := range []struct {
		ct   string
		want bool
	}{
		{"", true}, {"application/json", true}, {"application/json; charset=utf-8", true},
		{"Application/JSON", true}, {"text/plain", false}, {"application/problem+json", false}, {"application/x-www-form-urlencoded", false},
	} {
		if got := jsonContent(tc.ct); got != tc.want {
			t.Errorf("jsonContent(%q) = %v, want %v", tc.ct, got, tc.want)
		}
	}
}

func TestExecutionsKeepTheLastN(t *testing.T) {
	e := newExecutions(2)
	for _, id := range []string{"a", "b", "c"} {
		e.add(&Record{ID: id})
	}
	if _, ok := e.get("a"); ok {
		t.Error("the oldest record was kept past the limit")
	}
	list := e.list()
	if len(list) != 2 || list[0].ID != "c" || list[1].ID != "b" {
		t.Errorf("list = %+v, want c then b", list)
	}
}
