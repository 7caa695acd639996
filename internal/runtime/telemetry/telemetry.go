// Package telemetry loads the AWS configuration and traces every AWS SDK
// call with X-Ray. It is the only package that speaks X-Ray, so moving to
// OpenTelemetry changes this package alone.
//
// With active tracing, Lambda records the function's segment and runs the
// X-Ray daemon; what a function adds is a subsegment per AWS SDK call
// (service, operation, region, request id, HTTP status, retries, and
// error, throttle or fault) and the trace header on the call, so that the
// service continues the trace (SQS carries it to the reprocess function).
// This package does that itself, as the X-Ray SDK's awsv2 instrumentor
// does, with two SDK middlewares and the daemon's UDP protocol: the X-Ray
// SDK for Go (in maintenance mode) links aws-sdk-go v1, gRPC and protobuf
// into every function: 12-14 MiB of each 20-24 MiB bootstrap, and part of
// its cold start, for the same subsegments.
//
// Nothing is recorded outside a sampled Lambda invocation (no trace
// header), or when AWS_XRAY_SDK_DISABLED=true.
package telemetry

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// LoadAWSConfig loads the default AWS configuration and, unless
// AWS_XRAY_SDK_DISABLED=true, traces every client built from it with X-Ray.
// Build clients after calling it.
func LoadAWSConfig(ctx context.Context, opts ...func(*config.LoadOptions) error) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, err
	}
	if os.Getenv("AWS_XRAY_SDK_DISABLED") != "true" {
		Instrument(&cfg.APIOptions, DaemonFromEnv())
	}
	return cfg, nil
}

// TraceHeader is the X-Amzn-Trace-Id header (and the context value
// aws-lambda-go sets for each invocation).
const TraceHeader = "X-Amzn-Trace-Id"

// lambdaTraceKey is the context key under which aws-lambda-go stores the
// invocation's trace header (a string key, as the X-Ray SDK reads it).
const lambdaTraceKey = "x-amzn-trace-id"

// Trace is a parsed trace header.
type Trace struct {
	Root, Parent string
	Sampled      bool
}

// ParseTrace reads "Root=1-...;Parent=...;Sampled=1" (other fields, such
// as Lineage, are ignored).
func ParseTrace(header string) (Trace, bool) {
	var t Trace
	for _, part := range strings.Split(header, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Root":
			t.Root = v
		case "Parent":
			t.Parent = v
		case "Sampled":
			t.Sampled = v == "1"
		}
	}
	return t, t.Root != "" && t.Parent != ""
}

// traceFrom returns the trace of the invocation ctx belongs to.
func traceFrom(ctx context.Context) (Trace, bool) {
	h, _ := ctx.Value(lambdaTraceKey).(string)
	if h == "" {
		h = os.Getenv("_X_AMZN_TRACE_ID")
	}
	return ParseTrace(h)
}

// Sender sends finished segment documents to the X-Ray daemon.
type Sender interface {
	Send(doc []byte)
}

// Instrument adds the X-Ray middlewares to an AWS configuration's API
// options: every call made in a sampled invocation becomes a subsegment
// sent to s.
func Instrument(apiOptions *[]func(*middleware.Stack) error, s Sender) {
	if s == nil {
		return
	}
	*apiOptions = append(*apiOptions, func(stack *middleware.Stack) error {
		if err := stack.Initialize.Add(middleware.InitializeMiddlewareFunc("TelemetryXRaySubsegment",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				trace, ok := traceFrom(ctx)
				if !ok || !trace.Sampled {
					return next.HandleInitialize(ctx, in)
				}
				seg := &subsegment{
					Type: "subsegment", ID: newID(), TraceID: trace.Root, ParentID: trace.Parent,
					Name: awsmiddleware.GetServiceID(ctx), Namespace: "aws", StartTime: epoch(time.Now()),
					AWS: map[string]any{"operation": awsmiddleware.GetOperationName(ctx), "region": awsmiddleware.GetRegion(ctx)},
				}
				ctx = context.WithValue(ctx, subsegmentKey{}, seg)
				out, md, err := next.HandleInitialize(ctx, in)
				seg.finish(err)
				if doc, merr := json.Marshal(seg); merr == nil {
					s.Send(doc)
				}
				return out, md, err
			}), middleware.After); err != nil {
			return err
		}
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("TelemetryXRayHeader",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				seg, ok := ctx.Value(subsegmentKey{}).(*subsegment)
				if !ok {
					return next.HandleDeserialize(ctx, in)
				}
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set(TraceHeader, "Root="+seg.TraceID+";Parent="+seg.ID+";Sampled=1")
				}
				seg.attempts++
				out, md, err := next.HandleDeserialize(ctx, in)
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok {
					seg.status, seg.length = resp.StatusCode, resp.ContentLength
				}
				if id, ok := awsmiddleware.GetRequestIDMetadata(md); ok {
					seg.AWS["request_id"] = id
				}
				return out, md, err
			}), middleware.Before)
	})
}

type subsegmentKey struct{}

// subsegment is an X-Ray subsegment document sent on its own ("type":
// "subsegment", with its trace and parent ids), as the X-Ray segment
// document schema describes.
type subsegment struct {
	Type      string         `json:"type"`
	ID        string         `json:"id"`
	TraceID   string         `json:"trace_id"`
	ParentID  string         `json:"parent_id"`
	Name      string         `json:"name"`
	Namespace string         `json:"namespace"`
	StartTime float64        `json:"start_time"`
	EndTime   float64        `json:"end_time"`
	AWS       map[string]any `json:"aws"`
	HTTP      *httpInfo      `json:"http,omitempty"`
	Error     bool           `json:"error,omitempty"`
	Throttle  bool           `json:"throttle,omitempty"`
	Fault     bool           `json:"fault,omitempty"`
	Cause     *cause         `json:"cause,omitempty"`

	attempts int
	status   int
	length   int64
}

type httpInfo struct {
	Response struct {
		Status        int   `json:"status"`
		ContentLength int64 `json:"content_length,omitempty"`
	} `json:"response"`
}

type cause struct {
	Exceptions []exception `json:"exceptions"`
}

type exception struct {
	ID      string `json:"id"`
	Type    string `json:"type,omitempty"`
	Message string `json:"message,omitempty"`
	Remote  bool   `json:"remote,omitempty"`
}

// finish records the end of the call: its HTTP answer and error class
// (4xx error, 429 throttle, 5xx or no answer fault).
func (s *subsegment) finish(err error) {
	s.EndTime = epoch(time.Now())
	if s.attempts > 1 {
		s.AWS["retries"] = s.attempts - 1
	}
	if s.status != 0 {
		s.HTTP = &httpInfo{}
		s.HTTP.Response.Status, s.HTTP.Response.ContentLength = s.status, s.length
	}
	switch {
	case s.status == 429:
		s.Error, s.Throttle = true, true
	case s.status >= 500:
		s.Fault = true
	case s.status >= 400:
		s.Error = true
	case err != nil:
		s.Fault = true
	}
	if err != nil {
		ex := exception{ID: newID(), Message: err.Error()}
		var api smithy.APIError
		if errors.As(err, &api) {
			// The service's code and message only: the SDK's wrapping
			// repeats the operation and request id recorded above.
			ex.Type, ex.Message, ex.Remote = api.ErrorCode(), api.ErrorMessage(), true
		}
		if len(ex.Message) > 512 {
			ex.Message = ex.Message[:512]
		}
		s.Cause = &cause{Exceptions: []exception{ex}}
	}
}

func epoch(t time.Time) float64 { return float64(t.UnixMicro()) / 1e6 }

// newID is a random 64-bit id in 16 hex digits.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Daemon sends segment documents to the X-Ray daemon over UDP.
type Daemon struct {
	addr string
	once sync.Once
	conn net.Conn
}

// DaemonFromEnv is the daemon at AWS_XRAY_DAEMON_ADDRESS ("host:port", or
// "tcp:host:port udp:host:port" as Lambda sets it), 127.0.0.1:2000 by
// default.
func DaemonFromEnv() *Daemon {
	addr := "127.0.0.1:2000"
	for _, part := range strings.Fields(os.Getenv("AWS_XRAY_DAEMON_ADDRESS")) {
		if a, ok := strings.CutPrefix(part, "udp:"); ok {
			addr = a
		} else if !strings.Contains(part, "tcp:") {
			addr = part
		}
	}
	return &Daemon{addr: addr}
}

// daemonHeader starts every UDP datagram to the daemon.
const daemonHeader = `{"format":"json","version":1}` + "\n"

// Send sends one document; the daemon may drop it (UDP), never blocking
// the call that is traced.
func (d *Daemon) Send(doc []byte) {
	d.once.Do(func() { d.conn, _ = net.Dial("udp", d.addr) })
	if d.conn == nil {
		return
	}
	_, _ = d.conn.Write(append([]byte(daemonHeader), doc...))
}
