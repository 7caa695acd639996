// Package vtl executes API Gateway (REST API) mapping templates with a real
// Velocity engine, so that tests can run the templates the CDK app deploys
// instead of only reading them.
//
// The engine is velocityjs, pinned in tools/vtl/package-lock.json, driven
// by tools/vtl/render.js. render.js implements the API Gateway variables
// ($input, $util, $context and its response and request overrides) as AWS
// documents them, and restores the Java Velocity 1.7 behaviour that
// velocityjs lacks and templates rely on (see the comment at its top). One
// node process serves every Render call of a Renderer.
package vtl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/resilientpay/paymentapi/internal/harness/npmproject"
)

// DirEnv overrides where the renderer's npm project (package.json,
// package-lock.json and render.js) is; by default it is tools/vtl of this
// repository.
const DirEnv = "PAYMENTAPI_VTL_DIR"

// EngineEnv names an executable that speaks render.js's protocol (one JSON
// request per line on stdin, one JSON answer per line on stdout) and is run
// instead of node render.js: a way to cross-check velocityjs against
// another Velocity, such as Apache Velocity 1.7 on the JVM.
const EngineEnv = "PAYMENTAPI_VTL_ENGINE"

// Request is one execution of a mapping template: the template and the
// method request (or, for a response template, the integration response)
// it sees.
type Request struct {
	Template string `json:"template"`
	// Body is $input.body. Go's JSON encoding replaces invalid UTF-8 with
	// U+FFFD; use RawBody for arbitrary bytes.
	Body string `json:"body"`
	// RawBody, when not empty, replaces Body: the bytes are decoded as
	// UTF-8 with replacement characters, as API Gateway reads a request.
	RawBody []byte `json:"bodyBase64,omitempty"`
	// Headers, QueryString and Path are the method request parameters
	// ($input.params()), in the case the client sent them.
	Headers        map[string]string `json:"headers,omitempty"`
	QueryString    map[string]string `json:"querystring,omitempty"`
	Path           map[string]string `json:"path,omitempty"`
	StageVariables map[string]string `json:"stageVariables,omitempty"`
	// Context holds the $context variables the template reads, such as
	// "requestId". The overrides are provided by the renderer.
	Context map[string]any `json:"context,omitempty"`
}

// Result is what a template produced.
type Result struct {
	// Output is the rendered text: the integration request body, or the
	// method response body.
	Output string `json:"output"`
	// StatusOverride is $context.responseOverride.status, 0 when unset.
	StatusOverride int `json:"statusOverride"`
	// HeaderOverrides holds $context.responseOverride.header.<Name>.
	HeaderOverrides map[string]string `json:"headerOverrides"`
	// RequestOverrides holds $context.requestOverride.<kind>.<name>, by
	// kind (header, path, querystring).
	RequestOverrides map[string]map[string]string `json:"requestOverrides"`
}

// TemplateError is a template failure that makes API Gateway fail the
// request: invalid JSON given to $util.parseJson or $input.path, a null
// given to a $util function, an override set twice.
type TemplateError struct{ Message string }

func (e *TemplateError) Error() string { return "vtl: template failed: " + e.Message }

// Renderer is a running render.js process. It is safe for concurrent use;
// calls are served one at a time.
type Renderer struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *bytes.Buffer
	err    error // sticky: the process is unusable
}

// ErrNoNode means node is not on PATH.
var ErrNoNode = errors.New("vtl: node not found on PATH: install Node.js 20.19+ to execute mapping templates")

// Start installs the engine if needed (see Install) and starts render.js
// (or the engine EngineEnv names).
// Close stops it; so does the end of the calling process, which closes
// its standard input.
func Start(ctx context.Context) (*Renderer, error) {
	var cmd *exec.Cmd
	if engine := os.Getenv(EngineEnv); engine != "" {
		cmd = exec.Command(engine)
	} else {
		node, err := exec.LookPath("node")
		if err != nil {
			return nil, ErrNoNode
		}
		dir, err := Install(ctx)
		if err != nil {
			return nil, err
		}
		cmd = exec.Command(node, filepath.Join(dir, "render.js"))
		cmd.Dir = dir
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("vtl: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("vtl: %w", err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vtl: starting render.js: %w", err)
	}
	return &Renderer{cmd: cmd, stdin: stdin, stdout: bufio.NewReaderSize(stdout, 1<<16), stderr: &stderr}, nil
}

// Render executes one template. A *TemplateError reports a failure of the
// template itself; other errors are failures of the renderer.
func (r *Renderer) Render(req Request) (Result, error) {
	line, err := json.Marshal(req)
	if err != nil {
		return Result{}, fmt.Errorf("vtl: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return Result{}, r.err
	}
	if _, err := r.stdin.Write(append(line, '\n')); err != nil {
		r.err = fmt.Errorf("vtl: render.js is gone: %w\n%s", err, r.stderr.String())
		return Result{}, r.err
	}
	answer, err := r.stdout.ReadBytes('\n')
	if err != nil {
		r.err = fmt.Errorf("vtl: render.js is gone: %w\n%s", err, r.stderr.String())
		return Result{}, r.err
	}
	var out struct {
		Result
		Error *string `json:"error"`
	}
	if err := json.Unmarshal(answer, &out); err != nil {
		return Result{}, fmt.Errorf("vtl: render.js answered %q: %w", answer, err)
	}
	if out.Error != nil {
		return Result{}, &TemplateError{Message: *out.Error}
	}
	return out.Result, nil
}

// Close stops the process and waits for it.
func (r *Renderer) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = errors.New("vtl: renderer closed")
	}
	r.stdin.Close()
	return r.cmd.Wait()
}

// Dir returns the renderer's npm project directory.
func Dir() (string, error) {
	d, err := npmproject.Find("vtl", "render.js", DirEnv)
	if err != nil {
		return "", fmt.Errorf("vtl: %w", err)
	}
	return d, nil
}
