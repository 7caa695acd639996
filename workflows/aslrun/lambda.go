package aslrun

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// LambdaHandler is what aws-lambda-go's lambda.NewHandler returns: a
// function that takes the raw event and returns the raw response. Handler
// errors come back as the handler returned them, which is what Step
// Functions' error names are derived from.
type LambdaHandler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// LambdaHandlerFunc adapts a function to LambdaHandler.
type LambdaHandlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

// Invoke calls f.
func (f LambdaHandlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// LambdaInvoker is an Invoker that runs Lambda functions in process. It
// serves both Task forms:
//
//   - Resource "arn:aws:lambda:<region>:<account>:function:<name>[:qualifier]"
//     (the payload is the state's effective input, the result is the
//     function's response);
//   - Resource "arn:aws:states:::lambda:invoke" with Parameters
//     {"FunctionName": ..., "Payload": ...} (the result is
//     {"ExecutedVersion", "Payload", "StatusCode", "SdkHttpMetadata"...}
//     as the optimized integration returns it).
//
// Functions are looked up by the full ARN first, then by function name.
// An unknown function fails the task with Lambda.ResourceNotFoundException.
//
// Calls to the same function are serialised, like a Lambda function with
// one instance, and the response is copied before the next call: a handler
// built by aws-lambda-go's lambda.NewHandler returns its response in a
// pooled buffer that the next call reuses, so concurrent calls would
// overwrite each other's responses. Different functions run concurrently.
type LambdaInvoker struct {
	// Functions maps a function name or ARN to its handler.
	Functions map[string]LambdaHandler

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// call invokes the handler registered under key, one call at a time, and
// returns a copy of its response.
func (l *LambdaInvoker) call(ctx context.Context, key string, h LambdaHandler, payload []byte) ([]byte, error) {
	l.mu.Lock()
	if l.locks == nil {
		l.locks = map[string]*sync.Mutex{}
	}
	lock := l.locks[key]
	if lock == nil {
		lock = &sync.Mutex{}
		l.locks[key] = lock
	}
	l.mu.Unlock()
	lock.Lock()
	defer lock.Unlock()
	out, err := h.Invoke(ctx, payload)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(out), nil
}

// lambdaInvokeResource is the optimized Lambda integration.
const lambdaInvokeResource = "arn:aws:states:::lambda:invoke"

// Invoke implements Invoker.
func (l *LambdaInvoker) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	if resource == lambdaInvokeResource {
		return l.invokeIntegration(ctx, input)
	}
	if !strings.Contains(resource, ":lambda:") || !strings.Contains(resource, ":function:") {
		return nil, &TaskError{Name: "States.Runtime", Cause: fmt.Sprintf("LambdaInvoker cannot run resource %q", resource)}
	}
	key, h, err := l.lookup(resource)
	if err != nil {
		return nil, err
	}
	return l.call(ctx, key, h, input)
}

func (l *LambdaInvoker) lookup(ref string) (string, LambdaHandler, error) {
	if h, ok := l.Functions[ref]; ok {
		return ref, h, nil
	}
	name := functionName(ref)
	if h, ok := l.Functions[name]; ok {
		return name, h, nil
	}
	return "", nil, &TaskError{
		Name:  "Lambda.ResourceNotFoundException",
		Cause: fmt.Sprintf("Function not found: %s (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)", ref),
	}
}

// functionName extracts the function name from a name, a partial ARN
// (123456789012:function:name) or a full ARN, dropping any qualifier.
func functionName(ref string) string {
	if i := strings.Index(ref, "function:"); i >= 0 {
		ref = ref[i+len("function:"):]
		if j := strings.IndexByte(ref, ':'); j >= 0 {
			ref = ref[:j]
		}
		return ref
	}
	if j := strings.IndexByte(ref, ':'); j >= 0 {
		return ref[:j]
	}
	return ref
}

func (l *LambdaInvoker) invokeIntegration(ctx context.Context, input json.RawMessage) (json.RawMessage, error) {
	var params struct {
		FunctionName string          `json:"FunctionName"`
		Payload      json.RawMessage `json:"Payload"`
	}
	if err := json.Unmarshal(input, &params); err != nil || params.FunctionName == "" {
		return nil, &TaskError{Name: "States.Runtime", Cause: "lambda:invoke needs Parameters with a FunctionName"}
	}
	key, h, err := l.lookup(params.FunctionName)
	if err != nil {
		return nil, err
	}
	payload := params.Payload
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	out, err := l.call(ctx, key, h, payload)
	if err != nil {
		return nil, err
	}
	if len(strings.TrimSpace(string(out))) == 0 {
		out = json.RawMessage("null")
	}
	return json.Marshal(map[string]any{
		"ExecutedVersion": "$LATEST",
		"Payload":         json.RawMessage(out),
		"SdkHttpMetadata": map[string]any{"HttpStatusCode": 200},
		"StatusCode":      200,
	})
}
