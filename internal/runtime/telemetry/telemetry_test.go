package telemetry_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/internal/runtime/telemetry"
)

// sent collects the documents a Sender was given.
type sent struct {
	mu   sync.Mutex
	docs []map[string]any
}

func (s *sent) Send(doc []byte) {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs = append(s.docs, m)
}

var _ telemetry.Sender = (*sent)(nil)

func client(t *testing.T, url string, s telemetry.Sender) *dynamodb.Client {
	t.Helper()
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 2; o.MaxBackoff = time.Millisecond })
		},
	}
	telemetry.Instrument(&cfg.APIOptions, s)
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
}

const sampled = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1"

func TestEverySampledSDKCallIsASubsegmentOfTheInvocation(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		trace                    string
		status                   int
		body                     string
		wantDocs                 int
		wantError, wantThrottle  bool
		wantFault                bool
		wantRetries, wantHeaders int
		wantCauseType            string
	}{
		{name: "a successful call in a sampled invocation is one subsegment", trace: sampled,
			status: 200, body: `{}`, wantDocs: 1, wantHeaders: 1},
		{name: "a refused call records the service's error code", trace: sampled,
			status: 400, body: `{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}`,
			wantDocs: 1, wantError: true, wantHeaders: 1, wantCauseType: "ResourceNotFoundException"},
		{name: "a failing service is a fault with its retries", trace: sampled,
			status: 500, body: `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"}`,
			wantDocs: 1, wantFault: true, wantRetries: 1, wantHeaders: 2, wantCauseType: "InternalServerError"},
		{name: "an unsampled invocation records nothing and sends no header",
			trace:  "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
			status: 200, body: `{}`, wantDocs: 0, wantHeaders: 1},
		{name: "a call outside an invocation records nothing", trace: "",
			status: 200, body: `{}`, wantDocs: 0, wantHeaders: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("_X_AMZN_TRACE_ID", "")
			var headers []string
			var mu sync.Mutex
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				headers = append(headers, r.Header.Get(telemetry.TraceHeader))
				mu.Unlock()
				w.Header().Set("X-Amzn-Requestid", "REQ123")
				w.Header().Set("Content-Type", "application/x-amz-json-1.0")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			s := &sent{}
			db := client(t, srv.URL, s)
			ctx := context.Background()
			if tc.trace != "" {
				//lint:ignore SA1029 aws-lambda-go stores the trace header under this string key
				ctx = context.WithValue(ctx, "x-amzn-trace-id", tc.trace)
			}
			_, _ = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("t")})

			if len(s.docs) != tc.wantDocs {
				t.Fatalf("%d documents sent, want %d: %v", len(s.docs), tc.wantDocs, s.docs)
			}
			if len(headers) != tc.wantHeaders {
				t.Fatalf("%d requests, want %d", len(headers), tc.wantHeaders)
			}
			if tc.wantDocs == 0 {
				for _, h := range headers {
					if h != "" {
						t.Errorf("trace header %q sent outside a sampled invocation", h)
					}
				}
				return
			}
			doc := s.docs[0]
			want := map[string]any{"type": "subsegment", "trace_id": "1-5759e988-bd862e3fe1be46a994272793",
				"parent_id": "53995c3f42cd8ad8", "name": "DynamoDB", "namespace": "aws"}
			for k, v := range want {
				if doc[k] != v {
					t.Errorf("%s = %v, want %v", k, doc[k], v)
				}
			}
			awsInfo, _ := doc["aws"].(map[string]any)
			if awsInfo["operation"] != "DescribeTable" || awsInfo["region"] != "us-east-1" || awsInfo["request_id"] != "REQ123" {
				t.Errorf("aws = %v, want operation DescribeTable, region us-east-1, request id REQ123", awsInfo)
			}
			if got, _ := awsInfo["retries"].(float64); int(got) != tc.wantRetries {
				t.Errorf("retries = %v, want %d", awsInfo["retries"], tc.wantRetries)
			}
			httpInfo, _ := doc["http"].(map[string]any)
			resp, _ := httpInfo["response"].(map[string]any)
			if got, _ := resp["status"].(float64); int(got) != tc.status {
				t.Errorf("http.response.status = %v, want %d", resp["status"], tc.status)
			}
			for k, want := range map[string]bool{"error": tc.wantError, "throttle": tc.wantThrottle, "fault": tc.wantFault} {
				if got, _ := doc[k].(bool); got != want {
					t.Errorf("%s = %v, want %v", k, got, want)
				}
			}
			start, _ := doc["start_time"].(float64)
			end, _ := doc["end_time"].(float64)
			if start <= 0 || end < start {
				t.Errorf("start %v, end %v: want 0 < start <= end", start, end)
			}
			id, _ := doc["id"].(string)
			if len(id) != 16 {
				t.Errorf("id %q is not 16 hex digits", id)
			}
			for _, h := range headers {
				if h != "Root=1-5759e988-bd862e3fe1be46a994272793;Parent="+id+";Sampled=1" {
					t.Errorf("the call carried %q, want the trace with the subsegment as parent", h)
				}
			}
			if tc.wantCauseType != "" {
				c, _ := doc["cause"].(map[string]any)
				ex, _ := c["exceptions"].([]any)
				if len(ex) != 1 || ex[0].(map[string]any)["type"] != tc.wantCauseType {
					t.Errorf("cause = %v, want one exception of type %s", doc["cause"], tc.wantCauseType)
				}
			}
		})
	}
}

func TestTheDaemonReceivesEachDocumentWithTheProtocolHeader(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	for _, env := range []string{pc.LocalAddr().String(), "tcp:127.0.0.1:2000 udp:" + pc.LocalAddr().String()} {
		t.Setenv("AWS_XRAY_DAEMON_ADDRESS", env)
		telemetry.DaemonFromEnv().Send([]byte(`{"id":"x"}`))
		buf := make([]byte, 1024)
		_ = pc.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := pc.ReadFrom(buf)
		if err != nil {
			t.Fatalf("AWS_XRAY_DAEMON_ADDRESS=%q: nothing received: %v", env, err)
		}
		if got := string(buf[:n]); got != "{\"format\":\"json\",\"version\":1}\n{\"id\":\"x\"}" {
			t.Errorf("AWS_XRAY_DAEMON_ADDRESS=%q: datagram %q", env, got)
		}
	}
}

func TestTraceHeadersParse(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   telemetry.Trace
		ok     bool
	}{
		{sampled, telemetry.Trace{Root: "1-5759e988-bd862e3fe1be46a994272793", Parent: "53995c3f42cd8ad8", Sampled: true}, true},
		{"Root=1-a-b;Parent=c;Sampled=0", telemetry.Trace{Root: "1-a-b", Parent: "c"}, true},
		{"Root=1-a-b", telemetry.Trace{Root: "1-a-b"}, false},
		{"", telemetry.Trace{}, false},
		{strings.Repeat(";", 10), telemetry.Trace{}, false},
	} {
		got, ok := telemetry.ParseTrace(tc.header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseTrace(%q) = %+v, %v; want %+v, %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}
