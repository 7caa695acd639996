// Package console is the local runner's web console: the executions of
// the payments and recovery workflows, shown the way the Step Functions
// console shows them, at /_local/console/ on the runner's own port.
//
//   - GET /_local/console/ lists recent executions, newest first: request
//     id, status, HTTP answer, the states they went through, start time and
//     duration, filtered by status, answer and workflow. The page refreshes
//     its rows while it is open (it polls /_local/console/rows, an HTML
//     fragment rendered by the same template).
//   - GET /_local/console/executions/{id} draws the workflow from its
//     definition as an SVG graph with the path the execution took (states
//     entered, retries with their backoff, the Catch taken, the state that
//     failed), the event table, and each state's input and output.
//
// The console shows only what its Source gives it: the runner hands over
// histories with the idempotency key, request body and payment token
// already redacted. Pages are rendered on the server with html/template;
// the small script and stylesheet are embedded (no CDN, no build step) and
// served under a Content-Security-Policy that allows nothing else.
package console

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// Prefix is the path the console is served under.
const Prefix = "/_local/console"

// Source is what the console reads: the executions the runner keeps and
// the definitions of their workflows. Implementations must return
// histories that are safe to show (secrets redacted).
type Source interface {
	// Executions returns the kept executions, in any order.
	Executions() []Execution
	// Execution returns one execution by its id.
	Execution(id string) (Execution, bool)
	// Definition returns the Amazon States Language definition of a
	// workflow, by state machine name (Execution.Workflow).
	Definition(workflow string) ([]byte, bool)
}

// Execution is one workflow execution as the console shows it.
type Execution struct {
	// ID is the request id of a payments execution (the X-Amzn-Requestid
	// of its answer) or the name of a recovery execution.
	ID string
	// Workflow is the state machine's name, e.g. payments-workflow-dev.
	Workflow string
	// Status is the execution status: SUCCEEDED, FAILED, TIMED_OUT or
	// ABORTED.
	Status string
	// Error is the error name of a failed execution.
	Error string
	// HTTPStatus is the API's answer to the request, 0 when the execution
	// answered none (recovery).
	HTTPStatus int
	// StartDate and StopDate bound the execution.
	StartDate, StopDate time.Time
	// History is the execution's events, secrets redacted.
	History []aslrun.Event
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// pages are the parsed templates, one set per page with the shared
// layout.
var pages = parsePages("list.html", "execution.html", "notfound.html")

func parsePages(names ...string) map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, n := range names {
		out[n] = template.Must(template.New(n).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/rows.html", "templates/"+n))
	}
	return out
}

// Handler serves the console under Prefix. It answers GET and HEAD.
func Handler(src Source) http.Handler {
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return &handler{src: src, assets: http.StripPrefix(Prefix+"/assets/", http.FileServerFS(assets))}
}

type handler struct {
	src    Source
	assets http.Handler
}

// securityHeaders keep the pages to their own script and stylesheet.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	securityHeaders(w.Header())
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	path := req.URL.Path
	switch {
	case path == Prefix:
		http.Redirect(w, req, Prefix+"/", http.StatusMovedPermanently)
	case path == Prefix+"/":
		h.render(w, http.StatusOK, "list.html", "page", h.listPage(req.URL.Query()))
	case path == Prefix+"/rows":
		h.render(w, http.StatusOK, "list.html", "rows", h.listPage(req.URL.Query()))
	case strings.HasPrefix(path, Prefix+"/executions/"):
		id := strings.TrimPrefix(path, Prefix+"/executions/")
		exec, ok := h.src.Execution(id)
		if !ok || id == "" {
			h.render(w, http.StatusNotFound, "notfound.html", "page", map[string]string{"Title": "Execution not found", "ID": id})
			return
		}
		def, _ := h.src.Definition(exec.Workflow)
		h.render(w, http.StatusOK, "execution.html", "page", executionPage(exec, def))
	case strings.HasPrefix(path, Prefix+"/assets/"):
		w.Header().Set("Cache-Control", "no-cache")
		h.assets.ServeHTTP(w, req)
	default:
		h.render(w, http.StatusNotFound, "notfound.html", "page", map[string]string{"Title": "Not found"})
	}
}

// render executes a template into a buffer first, so that a template
// error is a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, status int, page, name string, data any) {
	var b bytes.Buffer
	if err := pages[page].ExecuteTemplate(&b, name, data); err != nil {
		// A template error is a defect of this package (the tests render
		// every page); say what it is, this is a local tool.
		http.Error(w, "console: rendering "+page+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}
