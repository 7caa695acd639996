package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Limits of API Gateway that the runner applies.
const (
	// maxBody is API Gateway's payload limit (10 MB).
	maxBody = 10 << 20
	// integrationTimeout is API Gateway's integration timeout.
	integrationTimeout = 29 * time.Second
)

// RequestIDHeader carries the request id on every answer, as API Gateway's
// x-amzn-RequestId does; the payment's logs and execution use the same id.
const RequestIDHeader = "X-Amzn-Requestid"

// Handler returns the HTTP handler of the API and of the runner's own
// endpoints under /_local/.
func (r *Runner) Handler() http.Handler {
	return http.HandlerFunc(r.serveHTTP)
}

func (r *Runner) serveHTTP(w http.ResponseWriter, req *http.Request) {
	id := newRequestID()
	w.Header().Set(RequestIDHeader, id)
	w.Header().Set("X-Request-Id", id)
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w}
	path := req.URL.Path
	switch {
	case path == "/payments":
		if !allowMethod(rec, req, http.MethodPost) {
			break
		}
		if ident, ok := r.authenticate(rec, req); ok {
			r.createPayment(rec, req, id, ident)
		}
	case strings.HasPrefix(path, "/payments/") && !strings.Contains(path[len("/payments/"):], "/"):
		if !allowMethod(rec, req, http.MethodGet) {
			break
		}
		if ident, ok := r.authenticate(rec, req); ok {
			r.proxy(rec, req, id, platform.FnGetPayment, "/payments/{id}", map[string]string{"id": path[len("/payments/"):]}, r.stageBucket, ident)
		}
	case path == "/health":
		if !allowMethod(rec, req, http.MethodGet) {
			break
		}
		// A public route (no IAM authorization): API Gateway checks no
		// signature and passes no identity.
		r.proxy(rec, req, id, platform.FnHealth, health.PublicResource, nil, r.healthBucket, api.Identity{})
	case path == "/health/report":
		// An AWS_IAM route, like /payments: the function serves the full
		// report to the signing caller in the request context.
		if !allowMethod(rec, req, http.MethodGet) {
			break
		}
		if ident, ok := r.authenticate(rec, req); ok {
			r.proxy(rec, req, id, platform.FnHealth, health.ReportResource, nil, r.stageBucket, ident)
		}
	case strings.HasPrefix(path, "/_local/"):
		r.serveLocal(rec, req)
	default:
		// As API Gateway does for a route it does not have.
		writeGateway(rec, "MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden)
	}
	r.metrics.add("Local/HTTP"+strconv.Itoa(rec.status), 1)
	if !strings.HasPrefix(path, "/_local/") {
		r.apiMetrics(req.Method, route(path), rec.status, time.Since(start))
		r.log.Info("request", "request_id", id, "method", req.Method, "route", route(path), "status", rec.status,
			"latency_ms", float64(time.Since(start).Microseconds())/1000)
	}
}

// apiMetrics publishes what API Gateway publishes per request with
// detailed metrics on (AWS/ApiGateway: ApiName, Stage, Method, Resource).
func (r *Runner) apiMetrics(method, resource string, status int, latency time.Duration) {
	dims := map[string]string{"ApiName": r.apiName, "Stage": api.StageName, "Method": method, "Resource": resource}
	r.cw.put("AWS/ApiGateway", "Count", dims, 1)
	r.cw.put("AWS/ApiGateway", "Latency", dims, float64(latency.Milliseconds()))
	for metric, class := range map[string]int{"4XXError": 4, "5XXError": 5} {
		v := 0.0
		if status/100 == class {
			v = 1
		}
		r.cw.put("AWS/ApiGateway", metric, dims, v)
	}
}

// route names the resource of a path without the payment id.
func route(path string) string {
	if strings.HasPrefix(path, "/payments/") {
		return "/payments/{id}"
	}
	return path
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func allowMethod(w http.ResponseWriter, req *http.Request, methods ...string) bool {
	for _, m := range methods {
		if req.Method == m {
			return true
		}
	}
	// API Gateway answers an undefined method of a known route like an
	// unknown route.
	writeGateway(w, "MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden)
	return false
}

func writeProblem(w http.ResponseWriter, status int, title, detail string) {
	b, _ := json.Marshal(map[string]any{"type": "about:blank", "title": title, "status": status, "detail": detail})
	writeBody(w, status, api.ProblemContentType, b)
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeGateway answers with one of API Gateway's own error responses.
func writeGateway(w http.ResponseWriter, responseType string, status int) {
	s, body, ok := api.GatewayProblem(responseType)
	if !ok {
		body = api.GenericProblemBody(status)
	}
	if s != 0 {
		status = s
	}
	writeBody(w, status, api.ProblemContentType, []byte(body))
}

// jsonContent reports whether a Content-Type selects the application/json
// request template. API Gateway treats a missing Content-Type as
// application/json.
func jsonContent(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && mt == "application/json"
}

// createPayment is POST /payments: what API Gateway and the
// StartSyncExecution integration do, in their order.
func (r *Runner) createPayment(w http.ResponseWriter, req *http.Request, id string, caller api.Identity) {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody+1))
	if err != nil {
		writeGateway(w, "BAD_REQUEST_BODY", http.StatusBadRequest)
		return
	}
	// The web ACL's body-size rule, which runs before API Gateway: the
	// one rule of the WAF the runner applies.
	if len(body) > payment.MaxBodyBytes {
		writeBody(w, http.StatusRequestEntityTooLarge, "application/json", []byte(api.TooLargeProblemBody()))
		return
	}
	if !r.stageBucket.allow() {
		writeGateway(w, "THROTTLED", http.StatusTooManyRequests)
		return
	}
	isJSON := jsonContent(req.Header.Get("Content-Type"))
	validated := body
	if !isJSON {
		// The request model is declared for application/json only: for
		// another media type the validator checks the required header and
		// not the body.
		validated = []byte(`{"amount":0,"currency":0,"source":0,"merchant_id":0}`)
	}
	if resp := api.ValidateAtGateway(req.Header, validated); resp != nil {
		writeResponse(w, *resp)
		return
	}
	// PassthroughBehavior NEVER: no application/json template, no call.
	if !isJSON {
		writeGateway(w, "UNSUPPORTED_MEDIA_TYPE", http.StatusUnsupportedMediaType)
		return
	}
	input := api.ExecutionInputFor(id, caller, req.Header.Get(api.IdempotencyKeyHeader), body)
	ctx, cancel := context.WithTimeout(req.Context(), integrationTimeout)
	defer cancel()
	exec, err := r.payments.Run(ctx, "", input)
	if err != nil {
		// StartSyncExecution refused the input (over 256 KiB): Step
		// Functions' InvalidExecutionInput (400), which the integration
		// answers 413. Anything else stands for a service failure (5xx).
		var ie *aslrun.InputError
		if errors.As(err, &ie) {
			writeResponse(w, api.MapStartFailure(http.StatusBadRequest, "InvalidExecutionInput"))
			return
		}
		r.log.Error("payments workflow did not start", "request_id", id, "error", err.Error())
		writeResponse(w, api.MapStartFailure(http.StatusInternalServerError, ""))
		return
	}
	r.executionMetrics(naming.Physical(platform.PaymentsWorkflow, r.cfg.Suffix), exec.Status)
	resp := api.MapExecution(api.Execution{Status: string(exec.Status), Output: string(exec.Output), Error: exec.Error, Cause: exec.Cause})
	// As deployed, the payments workflow may log no execution data.
	raw := exec.History
	if !r.paymentsData {
		raw = withoutData(raw)
	}
	r.execs.add(&Record{ID: id, Workflow: naming.Physical(platform.PaymentsWorkflow, r.cfg.Suffix), Status: string(exec.Status), Error: exec.Error,
		HTTPStatus: resp.Status, StartDate: exec.StartDate, StopDate: exec.StopDate, raw: raw})
	if r.cfg.HistoryTo != nil {
		r.printHistory(id, redactHistory(raw))
	}
	lvl := slog.LevelInfo
	if resp.Status >= 500 {
		lvl = slog.LevelError
	}
	r.log.Log(ctx, lvl, "payments execution", "request_id", id, "execution_status", string(exec.Status),
		"error_name", exec.Error, "status", resp.Status)
	writeResponse(w, resp)
}

func writeResponse(w http.ResponseWriter, resp api.Response) {
	ct := resp.Headers["Content-Type"]
	for k, v := range resp.Headers {
		if k != "Content-Type" {
			w.Header().Set(k, v)
		}
	}
	if ct == "" {
		ct = "application/json"
	}
	writeBody(w, resp.Status, ct, []byte(resp.Body))
}

// proxy invokes a Lambda proxy integration (GET /payments/{id}, GET
// /health) with the event API Gateway would send.
func (r *Runner) proxy(w http.ResponseWriter, req *http.Request, id, fn, resource string, params map[string]string, bucket *tokenBucket, caller api.Identity) {
	if !bucket.allow() {
		writeGateway(w, "THROTTLED", http.StatusTooManyRequests)
		return
	}
	headers := map[string]string{}
	multi := map[string][]string{}
	for k, v := range req.Header {
		headers[k] = v[len(v)-1]
		multi[k] = v
	}
	query := map[string]string{}
	for k, v := range req.URL.Query() {
		query[k] = v[len(v)-1]
	}
	ev := events.APIGatewayProxyRequest{
		Resource: resource, Path: req.URL.Path, HTTPMethod: req.Method,
		Headers: headers, MultiValueHeaders: multi, QueryStringParameters: query,
		PathParameters: params,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: awsenv.LocalAccount, ResourcePath: resource, Stage: api.StageName, RequestID: id,
			HTTPMethod: req.Method, Path: "/" + api.StageName + req.URL.Path, Protocol: req.Proto,
			Identity: events.APIGatewayRequestIdentity{SourceIP: sourceIP(req.RemoteAddr), UserAgent: req.UserAgent(),
				UserArn: caller.UserArn, Caller: caller.Caller, User: caller.User, AccountID: caller.AccountID, AccessKey: caller.AccessKey},
			RequestTimeEpoch: time.Now().UnixMilli(),
		},
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		writeGateway(w, "DEFAULT_5XX", http.StatusInternalServerError)
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), integrationTimeout)
	defer cancel()
	out, err := r.invoker.lambda(ctx, naming.Physical(fn, r.cfg.Suffix), payload)
	var resp events.APIGatewayProxyResponse
	if err == nil {
		err = json.Unmarshal(out, &resp)
	}
	if err != nil || resp.StatusCode == 0 {
		// A function error or a malformed proxy answer is API Gateway's 502.
		r.log.Error("proxy integration failed", "request_id", id, "function", fn)
		writeGateway(w, "DEFAULT_5XX", http.StatusBadGateway)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	if req.Method != http.MethodHead {
		_, _ = io.WriteString(w, resp.Body)
	}
}

// DefaultCaller is the principal of DefaultCredential and, unless
// Config.RequireSignature is set, the caller of unsigned local requests
// that do not name one in api.LocalCallerHeader: one identity, so that
// the README's unsigned and signed examples see the same payments.
const DefaultCaller = "arn:aws:iam::" + awsenv.LocalAccount + ":user/local-developer"

// UnsignedCallerHeader marks an answer to an unsigned request that the
// runner accepted (Config.RequireSignature off) with the caller it was
// answered as; the deployed API would have answered 403. `make smoke`
// reads it to tell such a runner from one that checks like AWS.
const UnsignedCallerHeader = api.LocalUnsignedCallerHeader

// authenticate is API Gateway's IAM authorization of a route: a signed
// request must verify (SigV4, DefaultCredential or Config.Credentials)
// and is its signer's, as $context.identity says; a wrong signature is 403
// INVALID_SIGNATURE, an unsigned request 403 MISSING_AUTHENTICATION_TOKEN
// when signatures are required, else the X-Local-Caller header's caller or
// DefaultCaller. ok is false when the request was answered.
func (r *Runner) authenticate(w http.ResponseWriter, req *http.Request) (api.Identity, bool) {
	body, err := readBody(req, maxBody)
	if err != nil {
		writeGateway(w, "BAD_REQUEST_BODY", http.StatusBadRequest)
		return api.Identity{}, false
	}
	id, err := r.verifier.verify(req.Context(), req, body)
	switch {
	case err == nil:
		return id, true
	case !errors.Is(err, errUnsigned):
		r.log.Info("request refused: SigV4 signature does not verify", "reason", err.Error())
		writeGateway(w, "INVALID_SIGNATURE", http.StatusForbidden)
		return api.Identity{}, false
	case r.cfg.RequireSignature:
		writeGateway(w, "MISSING_AUTHENTICATION_TOKEN", http.StatusForbidden)
		return api.Identity{}, false
	}
	caller := DefaultCaller
	if c := strings.TrimSpace(req.Header.Get(api.LocalCallerHeader)); c != "" {
		caller = c
	}
	w.Header().Set(UnsignedCallerHeader, caller)
	return api.LocalIdentity(caller), true
}

// operatorOf is who acts on the runner's own endpoints (/_local/parked):
// the X-Local-Caller header's caller, or DefaultCaller. These endpoints
// stand for an operator's tools (cmd/parked records the STS caller), not
// for the API, so they take no signature.
func operatorOf(req *http.Request) string {
	if c := strings.TrimSpace(req.Header.Get(api.LocalCallerHeader)); c != "" {
		return c
	}
	return DefaultCaller
}

func sourceIP(remote string) string {
	if i := strings.LastIndexByte(remote, ':'); i > 0 {
		return strings.Trim(remote[:i], "[]")
	}
	return remote
}

// serveLocal serves the runner's own endpoints.
func (r *Runner) serveLocal(w http.ResponseWriter, req *http.Request) {
	path := req.URL.Path
	switch {
	case path == "/_local/executions":
		if allowMethod(w, req, http.MethodGet) {
			writeJSON(w, http.StatusOK, map[string]any{"executions": r.execs.list()})
		}
	case strings.HasPrefix(path, "/_local/executions/"):
		if !allowMethod(w, req, http.MethodGet) {
			return
		}
		rec, ok := r.execs.get(strings.TrimPrefix(path, "/_local/executions/"))
		if !ok {
			writeProblem(w, http.StatusNotFound, "Not Found", "No kept execution has this request id.")
			return
		}
		writeJSON(w, http.StatusOK, rec)
	case isConsolePath(path):
		r.serveConsole(w, req)
	case path == "/_local/metrics":
		if allowMethod(w, req, http.MethodGet) {
			writeJSON(w, http.StatusOK, map[string]any{"counters": r.metrics.snapshot(), "alarms": r.cw,
				"runningRecoveries": r.runningRecoveries.Load()})
		}
	case path == "/_local/faults":
		switch req.Method {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, r.faults.Snapshot())
		case http.MethodPost:
			var fr FaultRequest
			dec := json.NewDecoder(io.LimitReader(req.Body, 4096))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&fr); err != nil {
				writeProblem(w, http.StatusBadRequest, "Bad Request", `Send {"store":"unavailable|throttled|conflict|ok","queue":"unavailable|lost-answer|ok","seconds":N}.`)
				return
			}
			if err := r.faults.Apply(fr); err != nil {
				writeProblem(w, http.StatusBadRequest, "Bad Request", err.Error())
				return
			}
			writeJSON(w, http.StatusOK, r.faults.Snapshot())
		default:
			allowMethod(w, req, http.MethodGet, http.MethodPost)
		}
	case path == "/_local/parked":
		r.serveParked(w, req)
	case path == "/_local/recovery":
		// Runs the recovery workflow now and answers with its record.
		if allowMethod(w, req, http.MethodPost) {
			rec := r.RunRecovery(req.Context())
			if rec == nil {
				writeProblem(w, http.StatusInternalServerError, "Internal Server Error", "The recovery workflow did not start.")
				return
			}
			writeJSON(w, http.StatusOK, rec)
		}
	default:
		writeProblem(w, http.StatusNotFound, "Not Found", "Local endpoints: /_local/executions[/{requestId}], /_local/metrics, /_local/faults, /_local/parked, /_local/recovery.")
	}
}

// serveParked lists parked payments (GET) and replays or resolves one
// (POST {"replay":"<key>"} or {"resolve":"<key>","how":"..."}), as
// cmd/parked does for a deployed environment.
func (r *Runner) serveParked(w http.ResponseWriter, req *http.Request) {
	ops := r.Parking()
	switch req.Method {
	case http.MethodGet:
		parked, err := ops.List(req.Context(), 0)
		if err != nil {
			writeProblem(w, http.StatusServiceUnavailable, "Service Unavailable", "The parked payments could not be read.")
			return
		}
		out := make([]reprocess.Summary, len(parked))
		for i, p := range parked {
			out[i] = reprocess.Summarize(p)
		}
		writeJSON(w, http.StatusOK, map[string]any{"parked": out})
	case http.MethodPost:
		var in struct{ Replay, Resolve, How string }
		dec := json.NewDecoder(io.LimitReader(req.Body, 4096))
		dec.DisallowUnknownFields()
		var err error
		switch {
		case dec.Decode(&in) != nil || (in.Replay == "") == (in.Resolve == ""):
			writeProblem(w, http.StatusBadRequest, "Bad Request", `Send {"replay":"<key>"} or {"resolve":"<key>","how":"..."}.`)
			return
		case in.Replay != "":
			err = ops.Replay(req.Context(), in.Replay, operatorOf(req))
		default:
			if in.How == "" {
				in.How = "resolved by hand"
			}
			err = ops.Resolve(req.Context(), in.Resolve, in.How, operatorOf(req))
		}
		switch {
		case errors.Is(err, store.ErrParkedAgain):
			writeProblem(w, http.StatusConflict, "Conflict", "Replayed, but parked again before the replay resolved it: it stays parked.")
			return
		case err != nil:
			writeProblem(w, http.StatusConflict, "Conflict", "Not a parked payment's key, or already resolved.")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "done"})
	default:
		allowMethod(w, req, http.MethodGet, http.MethodPost)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeProblem(w, http.StatusInternalServerError, "Internal Server Error", "")
		return
	}
	writeBody(w, status, "application/json", b)
}
