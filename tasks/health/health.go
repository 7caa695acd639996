// Package health is the Lambda behind GET /health and GET /health/report:
// it checks the platform as the recovery workflow's health monitor does
// (see package healthcheck) and answers 200 when the service is healthy or
// degraded and 503 when it is unhealthy.
//
// GET /health is public: load balancers and Route 53 read it unsigned, so
// its body is {"status": ...} and nothing else: no resource name, queue
// depth or alarm name (issue 22). The full report goes to callers API
// Gateway authenticated with SigV4 on GET /health/report (queue URLs and
// ARNs still left out, Report.Public), and to the function's log each
// time a check runs.
package health

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Checker runs one health check.
type Checker interface {
	Check(ctx context.Context) healthcheck.Report
}

var _ Checker = (*healthcheck.Checker)(nil)

// Handler answers GET /health. It is safe for concurrent use.
type Handler struct {
	Checker Checker
	// MaxAge lets a report be reused for this long, so that a burst of
	// /health requests cannot exhaust the CloudWatch DescribeAlarms quota
	// the recovery workflow also needs. Zero checks on every request.
	MaxAge time.Duration
	// Logger records the verdict; nil discards it.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	last   healthcheck.Report
	lastAt time.Time
}

// Resources of the two routes the function serves, as API Gateway names
// them in the proxy event (events.APIGatewayProxyRequest.Resource).
const (
	// PublicResource answers anyone with the status only.
	PublicResource = "/health"
	// ReportResource answers SigV4-authenticated callers (an AWS_IAM
	// method) with the full report.
	ReportResource = "/health/report"
)

// PublicAnswer is the whole body of GET /health.
type PublicAnswer struct {
	Status healthcheck.Status `json:"status"`
}

// Handle answers one API Gateway proxy request: the status alone on the
// public route, the report on ReportResource to an authenticated caller.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if req.HTTPMethod != "" && req.HTTPMethod != http.MethodGet && req.HTTPMethod != http.MethodHead {
		resp := problem(http.StatusMethodNotAllowed, "Method not allowed", "GET only")
		resp.Headers["Allow"] = "GET, HEAD"
		return resp, nil
	}
	full := req.Resource == ReportResource
	if full && req.RequestContext.Identity.UserArn == "" {
		// The route is AWS_IAM, so API Gateway never passes an
		// unauthenticated request; refuse one should it be reconfigured.
		return problem(http.StatusForbidden, "Forbidden", "The health report needs a signed (SigV4) request."), nil
	}
	r := h.report(ctx)
	status := http.StatusOK
	if r.Status == healthcheck.Unhealthy {
		status = http.StatusServiceUnavailable
	}
	var answer any = PublicAnswer{Status: r.Status}
	if full {
		// No URLs or ARNs even for a signed caller (they carry the
		// account id): the names say enough.
		answer = r.Public()
	}
	body, err := json.Marshal(answer)
	if err != nil {
		// A Report always marshals; this guards against a future field
		// that does not, without leaking the error.
		if h.Logger != nil {
			h.Logger.ErrorContext(ctx, "encoding health report failed", slog.String("error", err.Error()))
		}
		return problem(http.StatusInternalServerError, "Internal error", ""), nil
	}
	if h.Logger != nil {
		h.Logger.InfoContext(ctx, "health served", slog.String("requestId", req.RequestContext.RequestID),
			slog.String("status", string(r.Status)), slog.Int("statusCode", status), slog.Bool("report", full))
	}
	resp := events.APIGatewayProxyResponse{StatusCode: status, Headers: headers("application/json"), Body: string(body)}
	if req.HTTPMethod == http.MethodHead {
		resp.Body = ""
	}
	return resp, nil
}

// report returns a fresh report, or the last one while it is younger than
// MaxAge. Checks are serialised so that concurrent requests share one.
func (h *Handler) report(ctx context.Context) healthcheck.Report {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.MaxAge > 0 && !h.lastAt.IsZero() && now().Sub(h.lastAt) < h.MaxAge {
		return h.last
	}
	r := h.Checker.Check(ctx)
	h.last, h.lastAt = r, now()
	if h.Logger != nil {
		// The full report goes to the log once per check (at most once
		// per MaxAge), whoever asked.
		h.Logger.InfoContext(ctx, "health checked", slog.Any("report", r.Public()))
	}
	return r
}

func headers(contentType string) map[string]string {
	return map[string]string{
		"Content-Type":           contentType,
		"Cache-Control":          "no-store",
		"X-Content-Type-Options": "nosniff",
	}
}

func problem(status int, title, detail string) events.APIGatewayProxyResponse {
	body, _ := json.Marshal(payment.Problem{
		Type:   payment.ProblemTypeBase + "health",
		Title:  title,
		Status: status,
		Detail: detail,
	})
	return events.APIGatewayProxyResponse{StatusCode: status, Headers: headers("application/problem+json"), Body: string(body)}
}

// The health function's time limits: API Gateway waits 29 s at most and the
// function's timeout is 10 s, so a whole check takes at most CheckBudget
// and each AWS call at most CallTimeout.
const (
	CheckBudget = 6 * time.Second
	CallTimeout = 3 * time.Second
)

// DefaultMaxAge is how long a report is reused unless HEALTH_CACHE_SECONDS
// says otherwise.
const DefaultMaxAge = 5 * time.Second

// New builds the GET /health handler from its function's configuration:
// the checker's (see healthcheck.ConfigFromEnv) and HEALTH_CACHE_SECONDS
// (how long a report is reused; default 5, 0 to check on every request).
// The Lambda main and the local runner both build it here.
func New(getenv func(string) string, c healthcheck.Clients, log *slog.Logger) (*Handler, error) {
	maxAge := DefaultMaxAge
	if v := getenv("HEALTH_CACHE_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return nil, errors.New("HEALTH_CACHE_SECONDS must be a non-negative integer")
		}
		maxAge = time.Duration(n) * time.Second
	}
	checker, err := healthcheck.NewChecker(getenv, c, log, CheckBudget, CallTimeout)
	if err != nil {
		return nil, err
	}
	return &Handler{Checker: checker, MaxAge: maxAge, Logger: log}, nil
}
