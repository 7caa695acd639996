package cost

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// The log records below are built in the format the deployed services
// write, from what the local run produced: the execution's history, the
// handlers' log lines, the request. Their byte counts are what CloudWatch
// Logs ingests.

// executionLog renders an execution's history as Step Functions writes it
// to the workflow's log group at the workflow's log level: one JSON event
// per history event (details, redrive_count, id, type, previous_event_id,
// event_timestamp, execution_arn), the states' input and output only with
// IncludeExecutionData. The format is the one Step Functions' CloudWatch
// Logs events have (developer guide, "Log event format").
func executionLog(w Workflow, execARN string, events []aslrun.Event) [][]byte {
	var out [][]byte
	for _, ev := range events {
		if !logged(w.LogLevel, ev.Type) {
			continue
		}
		details := map[string]any{}
		data := func(key string, raw json.RawMessage) {
			if !w.IncludeData {
				return
			}
			details[key] = string(raw)
			details[key+"Details"] = map[string]bool{"truncated": false}
		}
		switch t := string(ev.Type); {
		case t == "ExecutionStarted":
			data("input", ev.Input)
			details["roleArn"] = "arn:aws:iam::" + awsenv.LocalAccount + ":role/" + w.RoleName
		case t == "ExecutionSucceeded":
			data("output", ev.Output)
		case strings.HasSuffix(t, "StateEntered"):
			details["name"] = ev.StateName
			data("input", ev.Input)
		case strings.HasSuffix(t, "StateExited"):
			details["name"] = ev.StateName
			data("output", ev.Output)
		case t == "LambdaFunctionScheduled":
			details["resource"] = ev.Resource
			data("input", ev.Input)
		case t == "TaskScheduled":
			details["resource"], details["resourceType"], details["region"] = ev.Resource, "lambda", awsenv.Region
			if w.IncludeData {
				details["parameters"] = string(ev.Input)
			}
		case t == "LambdaFunctionSucceeded" || t == "TaskSucceeded":
			data("output", ev.Output)
		}
		if ev.Error != "" || ev.Cause != "" {
			details["error"] = ev.Error
			if w.IncludeData {
				details["cause"] = ev.Cause
			}
		}
		b, _ := json.Marshal(map[string]any{
			"details": details, "redrive_count": "0", "id": strconv.FormatInt(ev.ID, 10), "type": string(ev.Type),
			"previous_event_id": strconv.FormatInt(ev.PreviousID, 10),
			"event_timestamp":   strconv.FormatInt(ev.Timestamp.UnixMilli(), 10), "execution_arn": execARN,
		})
		out = append(out, b)
	}
	return out
}

// logged reports whether a log level records an event type: ALL records
// every event, ERROR the failures, FATAL the execution's failure, OFF none.
func logged(level string, t aslrun.EventType) bool {
	s := string(t)
	switch level {
	case "ALL":
		return true
	case "ERROR":
		return strings.HasSuffix(s, "Failed") || strings.HasSuffix(s, "TimedOut") || strings.HasSuffix(s, "Aborted")
	case "FATAL":
		return t == aslrun.ExecutionFailed || t == aslrun.ExecutionTimedOut || t == aslrun.ExecutionAborted
	}
	return false
}

// functionLog keeps the lines of a handler's JSON log that Lambda's
// application log level lets through (Lambda reads the "level" field of
// JSON lines and stores them unchanged), and adds the system records the
// system log level lets through: platform.start and platform.report (with
// the trace when tracing is active) are INFO, so WARN and above drop them.
func functionLog(f Function, appLines []byte, requestID string, duration time.Duration) [][]byte {
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(appLines))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := append([]byte(nil), sc.Bytes()...)
		var l struct{ Level string }
		if json.Unmarshal(line, &l) == nil && severity(l.Level) < severity(f.AppLogLevel) {
			continue
		}
		out = append(out, line)
	}
	if severity(f.SystemLogLevel) <= severity("INFO") {
		now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
		start, _ := json.Marshal(map[string]any{"time": now, "type": "platform.start",
			"record": map[string]any{"requestId": requestID, "version": "$LATEST"}})
		report := map[string]any{"requestId": requestID, "status": "success",
			"metrics": map[string]any{"durationMs": float64(duration.Microseconds()) / 1000, "billedDurationMs": billedMs(duration),
				"memorySizeMB": f.MemoryMB, "maxMemoryUsedMB": 32}}
		if f.Tracing {
			report["tracing"] = map[string]any{"spanId": "6b8d1e2f3a4b5c6d", "type": "X-Amzn-Trace-Id",
				"value": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}
		}
		rep, _ := json.Marshal(map[string]any{"time": now, "type": "platform.report", "record": report})
		out = append(out, start, rep)
	}
	return out
}

// severity orders log levels; an unknown or empty level is INFO, as Lambda
// reads it.
func severity(level string) int {
	switch strings.ToUpper(level) {
	case "TRACE":
		return 0
	case "DEBUG":
		return 1
	case "WARN", "WARNING":
		return 3
	case "ERROR":
		return 4
	case "FATAL":
		return 5
	}
	return 2
}

// billedMs is a Lambda duration rounded up to the millisecond.
func billedMs(d time.Duration) int64 {
	ms := d.Milliseconds()
	if time.Duration(ms)*time.Millisecond < d || ms == 0 {
		ms++
	}
	return ms
}

var contextVar = regexp.MustCompile(`\$context\.[A-Za-z0-9_.]+`)

// accessLog renders the stage's access log format with a request's
// values: what API Gateway writes for it. A SigV4 caller's identity is an
// IAM principal id (21 characters); variables without a value are "-".
func accessLog(format string, requestID string, status int, responseBytes int) []byte {
	if format == "" {
		return nil
	}
	values := map[string]string{
		"$context.requestId": requestID, "$context.extendedRequestId": "B9YcTGK0IAMEfHw=",
		"$context.identity.sourceIp": "203.0.113.24", "$context.identity.user": "AIDACKCEVSQ6C2EXAMPLE",
		"$context.identity.caller": "AIDACKCEVSQ6C2EXAMPLE", "$context.requestTime": "02/Dec/2026:05:10:22 +0000",
		"$context.httpMethod": http.MethodPost, "$context.resourcePath": "/payments", "$context.status": strconv.Itoa(status),
		"$context.protocol": "HTTP/1.1", "$context.responseLength": strconv.Itoa(responseBytes),
	}
	return []byte(contextVar.ReplaceAllStringFunc(format, func(v string) string {
		if s, ok := values[v]; ok {
			return s
		}
		return "-"
	}))
}

// wafLog builds the record AWS WAF writes for an allowed request (the
// fields of the AWS WAF developer guide's "Log fields for web ACL
// traffic"): the ACL, the rule groups evaluated, and the request with its
// headers, the redacted ones as "REDACTED". The headers are the local
// request's plus the three a SigV4 client adds (Authorization,
// X-Amz-Date, X-Amz-Security-Token for a role's credentials).
func wafLog(w WAF, aclName, requestID string, header http.Header, uri string) []byte {
	if !w.Logging || !w.LogsAllowed {
		return nil
	}
	type kv struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	h := header.Clone()
	h.Set("Authorization", "AWS4-HMAC-SHA256 Credential=...")
	h.Set("X-Amz-Date", "20261202T051022Z")
	h.Set("X-Amz-Security-Token", "...")
	h.Set("Host", "abcdef1234.execute-api."+awsenv.Region+".amazonaws.com")
	var headers []kv
	for name, vs := range h {
		for _, v := range vs {
			for _, red := range w.Redacted {
				if strings.EqualFold(red, name) {
					v = "REDACTED"
				}
			}
			headers = append(headers, kv{name, v})
		}
	}
	var groups []map[string]any
	for _, g := range w.ManagedGroups {
		groups = append(groups, map[string]any{"ruleGroupId": g, "terminatingRule": nil, "nonTerminatingMatchingRules": []any{},
			"excludedRules": nil, "customerConfig": nil})
	}
	arn := fmt.Sprintf("arn:aws:wafv2:%s:%s:regional/webacl/%s/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111", awsenv.Region, awsenv.LocalAccount, aclName)
	b, _ := json.Marshal(map[string]any{
		"timestamp": time.Now().UnixMilli(), "formatVersion": 1, "webaclId": arn,
		"terminatingRuleId": "Default_Action", "terminatingRuleType": "REGULAR", "action": "ALLOW",
		"terminatingRuleMatchDetails": []any{}, "httpSourceName": "APIGW", "httpSourceId": awsenv.LocalAccount + ":abcdef1234:v1",
		"ruleGroupList": groups,
		"rateBasedRuleList": []any{map[string]any{"rateBasedRuleId": "a1b2c3d4-5678-90ab-cdef-EXAMPLE22222", "rateBasedRuleName": "RatePerIP",
			"limitKey": "IP", "maxRateAllowed": w.RateLimit, "evaluationWindowSec": "300"}},
		"nonTerminatingMatchingRules": []any{}, "requestHeadersInserted": nil, "responseCodeSent": nil,
		"httpRequest": map[string]any{"clientIp": "203.0.113.24", "country": "US", "headers": headers, "uri": uri, "args": "",
			"httpVersion": "HTTP/1.1", "httpMethod": http.MethodPost, "requestId": requestID, "fragment": "", "scheme": "https", "host": h.Get("Host")},
	})
	return b
}
