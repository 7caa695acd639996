package localrun

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go"

	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// function is one Lambda function: a handler factory and its idle
// execution environments. Like Lambda, it runs one invocation per
// environment at a time and starts a new environment when all are busy,
// so concurrent requests are served concurrently (aws-lambda-go's
// handlers reuse their response buffer, so an environment cannot be
// shared by two invocations).
type function struct {
	newHandler func() lambda.Handler
	mu         sync.Mutex
	idle       []lambda.Handler
	started    atomic.Int64
}

func newFunction[E, O any](handle func(context.Context, E) (O, error)) *function {
	return &function{newHandler: func() lambda.Handler { return lambda.NewHandler(handle) }}
}

func (f *function) invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	var h lambda.Handler
	if n := len(f.idle); n > 0 {
		h, f.idle = f.idle[n-1], f.idle[:n-1]
	}
	f.mu.Unlock()
	if h == nil {
		h = f.newHandler()
		f.started.Add(1)
	}
	out, err := h.Invoke(ctx, payload)
	out = bytes.Clone(out)
	f.mu.Lock()
	f.idle = append(f.idle, h)
	f.mu.Unlock()
	return out, err
}

// invoker runs the Task states of the workflows: Lambda functions in
// process, and the AWS SDK service integrations of the recovery workflow
// against the emulators and in-memory stand-ins.
type invoker struct {
	functions map[string]*function
	sqs       *sqs.Client
	metrics   *metrics
	cw        *cloudWatch
	log       *slog.Logger
	// runningRecoveries is what sfn:listExecutions counts.
	runningRecoveries *atomic.Int64
	// timeScale is Config.TimeScale: the recovery's waits are that many
	// times shorter, so its redrives move that many times faster.
	timeScale float64
}

// maxMoveRate is SQS's largest MaxNumberOfMessagesPerSecond for a message
// move task (SQS API reference, StartMessageMoveTask).
const maxMoveRate = 500

// scaledMoveRate is a move task's rate when the recovery workflow's waits
// are divided by scale: the workflow follows a move for at most MaxPolls
// waits, so a move at the deployed rate would outlast the shortened waits
// and never be counted. Capped at SQS's maximum; nil (SQS's default, no
// limit) stays nil.
func scaledMoveRate(rate *int32, scale float64) *int32 {
	if rate == nil || scale <= 1 {
		return rate
	}
	r := int32(min(float64(maxMoveRate), math.Round(float64(*rate)*scale)))
	return &r
}

var _ aslrun.Invoker = (*invoker)(nil)

// Invoke implements aslrun.Invoker.
func (iv *invoker) Invoke(ctx context.Context, resource string, input json.RawMessage) (json.RawMessage, error) {
	if name, ok := strings.CutPrefix(resource, "arn:aws:lambda:"+awsenv.Region+":"+awsenv.LocalAccount+":function:"); ok {
		name, _, _ = strings.Cut(name, ":")
		return iv.lambda(ctx, name, input)
	}
	switch resource {
	case "arn:aws:states:::aws-sdk:sqs:startMessageMoveTask":
		var in sqs.StartMessageMoveTaskInput
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "startMessageMoveTask parameters: " + err.Error()}
		}
		in.MaxNumberOfMessagesPerSecond = scaledMoveRate(in.MaxNumberOfMessagesPerSecond, iv.timeScale)
		out, err := iv.sqs.StartMessageMoveTask(ctx, &in)
		return sdkResult("Sqs", out, err)
	case "arn:aws:states:::aws-sdk:sqs:listMessageMoveTasks":
		var in sqs.ListMessageMoveTasksInput
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "listMessageMoveTasks parameters: " + err.Error()}
		}
		out, err := iv.sqs.ListMessageMoveTasks(ctx, &in)
		return sdkResult("Sqs", out, err)
	case "arn:aws:states:::aws-sdk:sqs:cancelMessageMoveTask":
		var in sqs.CancelMessageMoveTaskInput
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "cancelMessageMoveTask parameters: " + err.Error()}
		}
		out, err := iv.sqs.CancelMessageMoveTask(ctx, &in)
		return sdkResult("Sqs", out, err)
	case "arn:aws:states:::aws-sdk:sfn:listExecutions":
		// Only the recovery workflow lists executions, its own.
		n := iv.runningRecoveries.Load()
		execs := make([]map[string]string, n)
		for i := range execs {
			execs[i] = map[string]string{"Status": "RUNNING"}
		}
		return json.Marshal(map[string]any{"Executions": execs})
	case "arn:aws:states:::aws-sdk:cloudwatch:putMetricData":
		var in struct {
			Namespace  string
			MetricData []struct {
				MetricName string
				Value      float64
				Dimensions []struct{ Name, Value string }
			}
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "putMetricData parameters: " + err.Error()}
		}
		for _, d := range in.MetricData {
			iv.metrics.add(in.Namespace+"/"+d.MetricName, d.Value)
			dims := map[string]string{}
			for _, dim := range d.Dimensions {
				dims[dim.Name] = dim.Value
			}
			if iv.cw != nil {
				iv.cw.put(in.Namespace, d.MetricName, dims, d.Value)
			}
		}
		return json.RawMessage(`{}`), nil
	case "arn:aws:states:::sns:publish":
		var in struct {
			TopicArn string
			Subject  string
			Message  json.RawMessage
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: "sns:publish parameters: " + err.Error()}
		}
		iv.metrics.add("SNS/Published", 1)
		iv.log.Info("notification published (SNS stand-in)", "topic_arn", in.TopicArn, "subject", in.Subject,
			"message", string(in.Message))
		return json.Marshal(map[string]string{"MessageId": newRequestID()})
	}
	return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: fmt.Sprintf("the local runner cannot run resource %q", resource)}
}

func (iv *invoker) lambda(ctx context.Context, name string, payload []byte) ([]byte, error) {
	f, ok := iv.functions[name]
	if !ok {
		return nil, &aslrun.TaskError{Name: "Lambda.ResourceNotFoundException",
			Cause: fmt.Sprintf("Function not found: %s (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException)", name)}
	}
	out, err := f.invoke(ctx, payload)
	if iv.cw != nil {
		// What Lambda publishes per invocation (AWS/Lambda, FunctionName).
		dims := map[string]string{"FunctionName": name}
		iv.cw.put("AWS/Lambda", "Invocations", dims, 1)
		errs := 0.0
		if err != nil {
			errs = 1
		}
		iv.cw.put("AWS/Lambda", "Errors", dims, errs)
	}
	return out, err
}

// sdkResult renders an AWS SDK integration's answer as Step Functions
// does: the response shape with its PascalCase member names, or an error
// named <Service>.<ErrorCode>.
func sdkResult(service string, out any, err error) (json.RawMessage, error) {
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			return nil, &aslrun.TaskError{Name: service + "." + api.ErrorCode(), Cause: api.ErrorMessage()}
		}
		return nil, &aslrun.TaskError{Name: service + ".SdkClientException", Cause: "the call failed before the service answered"}
	}
	b, merr := json.Marshal(out)
	if merr != nil {
		return nil, &aslrun.TaskError{Name: "States.Runtime", Cause: merr.Error()}
	}
	// Drop the SDK's ResultMetadata, which Step Functions does not return.
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) == nil {
		delete(m, "ResultMetadata")
		return json.Marshal(m)
	}
	return b, nil
}
