// Package health is the GET /health Lambda behind API Gateway: it returns
// the same health report as the recovery workflow's health monitor (see
// package healthcheck for the JSON shape), with 200 when the service is
// healthy or degraded and 503 when it is unhealthy. The route is public, so
// queue URLs and ARNs are left out (Report.Public).
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

// Handle answers one API Gateway proxy request.
func (h *Handler) Handle(ctx context.Context, req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	if req.HTTPMethod != "" && req.HTTPMethod != http.MethodGet && req.HTTPMethod != http.MethodHead {
		resp := problem(http.StatusMethodNotAllowed, "Method not allowed", "GET /health only")
		resp.Headers["Allow"] = "GET, HEAD"
		return resp, nil
	}
	r := h.report(ctx)
	status := http.StatusOK
	if r.Status == healthcheck.Unhealthy {
		status = http.StatusServiceUnavailable
	}
	// The route is public: no URLs or ARNs (they carry the account id).
	body, err := json.Marshal(r.Public())
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
			slog.String("status", string(r.Status)), slog.Int("statusCode", status))
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
