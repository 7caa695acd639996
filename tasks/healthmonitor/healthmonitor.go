// Package healthmonitor is the health-monitor Lambda of the recovery
// workflow: it runs a health check and returns the report, which the
// workflow stores at $.health and branches on (see package healthcheck for
// the JSON shape).
package healthmonitor

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

// Checker runs one health check.
type Checker interface {
	Check(ctx context.Context) healthcheck.Report
}

var _ Checker = (*healthcheck.Checker)(nil)

// Event is the state input from the recovery workflow (or an EventBridge
// schedule or alarm state change). It is accepted in any JSON form and
// ignored: every check reads live state.
type Event = json.RawMessage

// Handler answers the recovery workflow's CheckHealth task.
type Handler struct {
	Checker Checker
	// Logger records the verdict; nil discards it.
	Logger *slog.Logger
}

// Handle runs the check and returns its report. It never returns an error:
// failures to read state are part of the report (degraded or unhealthy), so
// the workflow can always decide.
func (h *Handler) Handle(ctx context.Context, _ Event) (healthcheck.Report, error) {
	r := h.Checker.Check(ctx)
	if h.Logger != nil {
		h.Logger.InfoContext(ctx, "health checked",
			slog.String("status", string(r.Status)),
			slog.Any("reasons", r.Reasons),
			slog.Bool("redriveNeeded", r.RedriveNeeded),
			slog.Int("redriveCandidates", len(r.Redrive)))
	}
	return r, nil
}

// The health monitor's time limits, inside its 30 s function timeout and
// the recovery workflow's task timeout: a whole check takes at most
// CheckBudget and each AWS call at most CallTimeout.
const (
	CheckBudget = 20 * time.Second
	CallTimeout = 5 * time.Second
)

// New builds the health-monitor handler from its function's configuration
// (see healthcheck.ConfigFromEnv). The Lambda main and the local runner
// both build it here.
func New(getenv func(string) string, c healthcheck.Clients, log *slog.Logger) (*Handler, error) {
	checker, err := healthcheck.NewChecker(getenv, c, log, CheckBudget, CallTimeout)
	if err != nil {
		return nil, err
	}
	return &Handler{Checker: checker, Logger: log}, nil
}
