// Package aslrun executes Amazon States Language (ASL) state machine
// definitions locally, in process, without AWS.
//
// It exists so that the payment API can run end to end on a laptop or in
// CI: the CDK app's synthesized payments workflow definition is executed
// here, with the real Go task handlers invoked in process through an
// [Invoker] (see [LambdaInvoker]).
//
// The executor follows the Amazon States Language specification
// (states-language.net) and the AWS Step Functions documentation for the
// JSONPath query language: the Task, Pass, Choice, Wait, Succeed, Fail,
// Parallel and inline Map states; InputPath, Parameters, ResultSelector,
// ResultPath and OutputPath processing; the context object ($$);
// intrinsic functions; Retry (IntervalSeconds, MaxAttempts, BackoffRate,
// MaxDelaySeconds, JitterStrategy) and Catch. Definitions are compiled
// once by [New]: every path, payload template, intrinsic function call and
// Choice rule is parsed up front, so a malformed definition fails at New
// rather than halfway through an execution.
//
// # Running a workflow
//
//	def, _ := aslrun.DefinitionFromTemplate(template, "", nil) // from cdk.out
//	m, err := aslrun.New(def, aslrun.Options{
//		Invoker: &aslrun.LambdaInvoker{Functions: map[string]aslrun.LambdaHandler{
//			"validate-function-dev": lambda.NewHandler(validateHandler.Handle),
//		}},
//	})
//	exec, err := m.Run(ctx, "", input) // exec.Status, exec.Output, exec.Error, exec.Cause
//	aslrun.FormatHistory(os.Stderr, exec.History)
//
// # Errors from task handlers
//
// A Task fails with the error name and cause Step Functions would report
// for the same Lambda function: a handler error of type
// messages.InvokeResponse_Error (what tasks/lambdaerr returns) is named by
// its Type; any other Go error by its type name ("errorString",
// "wrapError"), as aws-lambda-go reports it. The cause is the Lambda error
// payload as a JSON string, {"errorMessage":"...","errorType":"..."},
// because that is the Cause Step Functions gives a failed Lambda task; a
// Catch with ResultPath $.error therefore sees the handler's message at
// $.error.Cause inside that JSON (States.StringToJson reads it).
// [Options.PlainLambdaCause] switches to the message alone. An Invoker can
// choose name and cause exactly by returning a *[TaskError].
//
// # Semantics worth knowing
//
//   - States.Runtime (bad paths, wrong types, intrinsic function failures)
//     and States.DataLimitExceeded (a payload over 256 KiB) are never
//     retried or caught, not even by States.ALL; they fail the execution.
//   - States.TaskFailed matches every error but States.Timeout, in the
//     Retry and Catch of any state.
//   - Only the first retrier whose ErrorEquals matches applies. Its
//     interval grows with each retry it makes; its MaxAttempts counts
//     retries per error name, as in the specification's example.
//     MaxDelaySeconds caps the interval before JitterStrategy FULL draws
//     the delay uniformly from [0, interval].
//   - A Task's TimeoutSeconds is a deadline on the Invoker's context; the
//     executor stops waiting at the deadline (States.Timeout) even if the
//     Invoker ignores its context. Without TimeoutSeconds a Task has no
//     limit of its own, as in AWS.
//   - An execution is bounded by the definition's TimeoutSeconds and by
//     Options.ExecutionTimeout (five minutes by default, the EXPRESS
//     limit): past it the status is TIMED_OUT with States.Timeout.
//     Cancelling the context passed to Run aborts it (ABORTED).
//   - History events follow GetExecutionHistory; Lambda function ARN
//     resources report LambdaFunction* events and other resources Task*
//     events. Failed attempts that will be retried carry the chosen
//     backoff in Event.Retry.
//
// Where AWS and the specification disagree, aslrun does what AWS does, and
// where the behaviour is unclear it errs on the strict side, so that a
// workflow that runs here is not rejected by AWS. Unsupported features
// (JSONata, variables and Assign, distributed Map, callback patterns) are
// reported by New as an *UnsupportedError.
package aslrun
