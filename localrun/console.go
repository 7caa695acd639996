package localrun

import (
	"net/http"
	"strings"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/localrun/console"
)

// isConsolePath reports whether a path is the console's.
func isConsolePath(path string) bool {
	return path == console.Prefix || strings.HasPrefix(path, console.Prefix+"/")
}

// serveConsole serves the web console (/_local/console/) over the kept
// executions and the workflows compiled from the template.
func (r *Runner) serveConsole(w http.ResponseWriter, req *http.Request) {
	console.Handler(consoleSource{r}).ServeHTTP(w, req)
}

// consoleSource shows the runner's executions to the console. Payments
// records are redacted (redactHistory) when first read and the list gets
// their events without data: the console never sees the idempotency key,
// the request body or the token.
type consoleSource struct{ r *Runner }

var _ console.Source = consoleSource{}

// Executions returns every kept execution with its history; a history
// not redacted yet comes without its data (Record.pathHistory), which is
// all the list reads.
func (s consoleSource) Executions() []console.Execution {
	e := s.r.execs
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]console.Execution, 0, len(e.order))
	for _, id := range e.order {
		rec := e.byID[id]
		c := toConsole(rec)
		c.History = rec.pathHistory()
		out = append(out, c)
	}
	return out
}

// Execution returns one kept execution.
func (s consoleSource) Execution(id string) (console.Execution, bool) {
	rec, ok := s.r.execs.get(id)
	if !ok {
		return console.Execution{}, false
	}
	return toConsole(rec), true
}

// Definition returns the definition of one of the runner's two workflows
// as it compiled it from the template.
func (s consoleSource) Definition(workflow string) ([]byte, bool) {
	sfx := s.r.cfg.Suffix
	if s.r.names == nil || (workflow != naming.Physical(platform.PaymentsWorkflow, sfx) && workflow != naming.Physical(platform.RecoveryWorkflow, sfx)) {
		return nil, false
	}
	def, err := s.r.names.definition(workflow)
	return def, err == nil
}

func toConsole(rec *Record) console.Execution {
	return console.Execution{ID: rec.ID, Workflow: rec.Workflow, Status: rec.Status, Error: rec.Error,
		HTTPStatus: rec.HTTPStatus, StartDate: rec.StartDate, StopDate: rec.StopDate, History: rec.History}
}
