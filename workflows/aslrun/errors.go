package aslrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Error names the executor itself reports, as the Amazon States Language
// defines them.
const (
	// ErrALL is the wildcard that matches every error except the terminal
	// ones (ErrRuntime, ErrDataLimitExceeded over a state's data).
	ErrALL = "States.ALL"
	// ErrTaskFailed matches every error except ErrTimeout (and the terminal
	// ones), in Retry and Catch of any state.
	ErrTaskFailed = "States.TaskFailed"
	// ErrTimeout is raised when a Task runs longer than its TimeoutSeconds
	// or an execution longer than its time limit.
	ErrTimeout = "States.Timeout"
	// ErrRuntime is raised for errors in the data an execution handles: a
	// path that matches nothing, a value of the wrong type, an intrinsic
	// function given bad arguments. It is never retried or caught; it
	// fails the execution.
	ErrRuntime = "States.Runtime"
	// ErrNoChoiceMatched is raised by a Choice state when no rule matches
	// and it has no Default.
	ErrNoChoiceMatched = "States.NoChoiceMatched"
	// ErrDataLimitExceeded is raised when a state's input or output, or a
	// task's result, exceeds the 256 KiB payload quota. Over a state's
	// input or output it is terminal like ErrRuntime; over a task result
	// Retry and Catch (States.ALL included) handle it.
	ErrDataLimitExceeded = "States.DataLimitExceeded"
	// ErrBranchFailed is reserved by the specification for a failed
	// Parallel or Map branch; Step Functions reports the branch's own error
	// instead, and so does aslrun.
	ErrBranchFailed = "States.BranchFailed"
)

// maxPayload is Step Functions' quota on a state's input and output (UTF-8
// bytes).
const maxPayload = 256 * 1024

// TaskError is the error an Invoker returns to make a Task fail with a
// chosen error name and cause, exactly as given. Retry and Catch match on
// Name.
type TaskError struct {
	// Name is the error name, e.g. "Payment.StoreUnavailable".
	Name string
	// Cause is the human-readable cause passed on verbatim.
	Cause string
}

// Error implements error.
func (e TaskError) Error() string {
	if e.Cause == "" {
		return e.Name
	}
	return e.Name + ": " + e.Cause
}

// stateError is an error being propagated through the state machine: the
// error name and cause Step Functions would show. terminal errors skip
// Retry and Catch and fail the execution.
type stateError struct {
	name  string
	cause string
	// halt marks the execution stopping (timed out or aborted): no
	// Retry or Catch applies and the status says which.
	halt bool
	// catchable marks a States.DataLimitExceeded that Retry and Catch see
	// (a task result over the quota).
	catchable bool
	// own marks an error the executor raised (runtimeErr, queryErr), and
	// located one whose cause already names the state (see locate).
	own, located bool
	// missing is set when a path matched nothing, for the callers that
	// word that as AWS does.
	missing *missingPath
}

// missingPath describes a path that matched nothing: its source, the
// input it read, and the Jayway-style wording AWS uses for the first step
// that was missing ("No results for path: $['a']" for the last step,
// "Missing property in path $['a']" for one on the way).
type missingPath struct {
	source, jayway string
	input          any
}

// notFoundIn words a missing path the way AWS does for a payload template
// field, ErrorPath or CausePath (LocalStack's recorded test_invalid_jsonpath).
func (m *missingPath) notFoundIn(field string) string {
	return fmt.Sprintf("The JSONPath '%s' specified for the field '%s' could not be found in the input '%s'", m.source, field, compactJSON(m.input))
}

func (e *stateError) Error() string { return e.name + ": " + e.cause }

func (e *stateError) terminal() bool {
	return e.name == ErrRuntime || e.name == ErrDataLimitExceeded && !e.catchable
}

// runtimeErr builds a States.Runtime error.
func runtimeErr(format string, args ...any) *stateError {
	return &stateError{name: ErrRuntime, cause: fmt.Sprintf(format, args...), own: true}
}

// errorMatches reports whether error name matches one ErrorEquals entry.
func errorMatches(pattern, name string) bool {
	switch pattern {
	case name:
		return true
	case ErrALL:
		return true
	case ErrTaskFailed:
		return name != ErrTimeout
	}
	return false
}

func anyMatches(patterns []string, name string) bool {
	for _, p := range patterns {
		if errorMatches(p, name) {
			return true
		}
	}
	return false
}

// lambdaErrorPayload is the JSON error document a Lambda function returns
// and Step Functions passes on as the Cause of a failed Lambda task.
type lambdaErrorPayload struct {
	ErrorMessage string                                      `json:"errorMessage"`
	ErrorType    string                                      `json:"errorType"`
	StackTrace   []*messages.InvokeResponse_Error_StackFrame `json:"stackTrace,omitempty"`
}

// classifyInvokeError turns an Invoker's error into the error name and
// cause Step Functions reports:
//
//   - a *TaskError (or TaskError) is used as is;
//   - a messages.InvokeResponse_Error (value or pointer, anywhere in the
//     chain), which is what aws-lambda-go reports for a handler that
//     returns one, has its Type as the name; the cause is the Lambda error
//     payload {"errorMessage":...,"errorType":...} as a JSON string, because
//     that is the Cause Step Functions gives a failed Lambda task — or, with
//     plainCause, the Message alone;
//   - any other error is named after its Go type, as aws-lambda-go names
//     a handler's error ("errorString" for errors.New, "wrapError" for
//     fmt.Errorf with %w), with the same payload cause.
func classifyInvokeError(err error, plainCause bool) *stateError {
	// A task's States.DataLimitExceeded is caught like any task failure
	// (AWS's recorded runs: test_states_errors, *_data_limit_exceeded_*).
	var te *TaskError
	if errors.As(err, &te) {
		return &stateError{name: te.Name, cause: te.Cause, catchable: true}
	}
	var tev TaskError
	if errors.As(err, &tev) {
		return &stateError{name: tev.Name, cause: tev.Cause, catchable: true}
	}
	var ire *messages.InvokeResponse_Error
	if errors.As(err, &ire) && ire != nil {
		return lambdaError(ire.Type, ire.Message, ire.StackTrace, plainCause)
	}
	var irev messages.InvokeResponse_Error
	if errors.As(err, &irev) {
		return lambdaError(irev.Type, irev.Message, irev.StackTrace, plainCause)
	}
	return lambdaError(goErrorType(err), err.Error(), nil, plainCause)
}

func lambdaError(typ, msg string, stack []*messages.InvokeResponse_Error_StackFrame, plainCause bool) *stateError {
	if plainCause {
		return &stateError{name: typ, cause: msg}
	}
	b, err := json.Marshal(lambdaErrorPayload{ErrorMessage: msg, ErrorType: typ, StackTrace: stack})
	if err != nil {
		return &stateError{name: typ, cause: msg}
	}
	return &stateError{name: typ, cause: string(b)}
}

// goErrorType names an error value the way aws-lambda-go does: the name of
// its type, dereferenced once if it is a pointer.
func goErrorType(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "Lambda.Unknown"
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Name() == "" {
		return "Lambda.Unknown"
	}
	return t.Name()
}

// DefinitionError reports a definition that is not valid ASL, as the
// workflow linter finds it. Path is the JSON path of the first problem,
// such as "States.Persist.Retry[0]"; Msg lists every problem with its path
// and linter rule.
type DefinitionError struct {
	Path string
	Msg  string
}

// Error implements error.
func (e *DefinitionError) Error() string {
	return fmt.Sprintf("invalid state machine definition at %s: %s", e.Path, e.Msg)
}

// UnsupportedError reports a valid ASL feature that aslrun does not
// implement, such as the JSONata query language.
type UnsupportedError struct {
	Path    string
	Feature string
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("aslrun does not support %s (at %s)", e.Feature, e.Path)
}
