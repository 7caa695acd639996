// Package aslrun executes Amazon States Language (ASL) state machine
// definitions locally, in process, without AWS.
//
// It exists so that the payment API can run end to end on a laptop or in
// CI: the CDK app's synthesized payments workflow definition is executed
// here, with the real Go task handlers invoked in process through an
// [Invoker] (see [LambdaInvoker]).
//
// The executor follows the Amazon States Language specification
// (states-language.net) and the AWS Step Functions documentation: the
// Task, Pass, Choice, Wait, Succeed, Fail, Parallel and inline Map states;
// both query languages, set for the machine or per state; for JSONPath,
// InputPath, Parameters, ResultSelector, ResultPath and OutputPath
// processing, the context object ($$) and intrinsic functions; for
// JSONata, Arguments, Output, Items, ItemSelector, Condition and the
// number, timestamp and Fail fields as "{% %}" expressions over $states
// (input, result, errorOutput, context); workflow variables (Assign in
// both languages); Retry (IntervalSeconds, MaxAttempts, BackoffRate,
// MaxDelaySeconds, JitterStrategy) and Catch. [New] reads a definition with
// workflows/asl (the project's one parser of the language: paths,
// intrinsic functions, payload templates, Choice rules), validates it with
// the workflow linter (workflows/asllint) and compiles from the parsed
// model, so a malformed definition fails at New rather than halfway
// through an execution, and the executor accepts what the linter accepts.
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
// # JSONata and variables
//
// JSONata expressions are evaluated by github.com/xiatechs/jsonata-go
// (JSONata 1.8 with most later functions), compiled once by asl.Parse.
// aslrun adds the functions Step Functions adds ($partition, $range,
// $hash, $random with a seed, $uuid, $parse), $assert, and JSONata 2.0's
// $formatInteger and $parseInteger (ported from JSONata 2.0.6), and binds
// $now and $millis to Options.Clock. Missing against the JSONata 2.0.6
// that Step Functions runs: the # and @ binding and % parent operators
// (an expression using them fails at New); objects built by JSONata come
// back with sorted keys; a null member reads as undefined; the library's
// error messages are not JSONata's T-coded ones (docs/linter.md, "JSONata
// implementation", says why the library stays). A failing
// expression, an undefined result or a value a field cannot take raises
// States.QueryEvaluationError, which Retry and Catch handle.
//
// Assign is evaluated with the variables as they were when the state was
// entered, together with Output, and takes effect after the state; a
// matched Choice rule's Assign and Output replace the state's, a
// catcher's replace the state's on the error path. A JSONPath state's
// Assign reads the state's result as $ (before ResultSelector; the
// effective input for Choice and Wait, the error output in a catcher).
// Parallel branches and Map iterations read the variables around them and
// keep their own to themselves. An unassigned variable is undefined in
// JSONata and a States.Runtime error in a JSONPath path.
//
// # Semantics worth knowing
//
//   - States.Runtime (bad paths, wrong types, intrinsic function failures)
//     and States.DataLimitExceeded over a state's input or output (256
//     KiB) are never retried or caught, not even by States.ALL; they fail
//     the execution. A task result over 256 KiB raises
//     States.DataLimitExceeded too, but Retry and Catch handle it.
//   - States.TaskFailed matches every error but States.Timeout, in the
//     Retry and Catch of any state.
//   - Only the first retrier whose ErrorEquals matches applies. It counts
//     its own retries, whatever error names they were for: its interval
//     grows and its MaxAttempts runs out with them, as in the
//     specification's example (ErrorA, ErrorB, ErrorC, ErrorB: the fourth
//     error is caught). MaxDelaySeconds caps the interval before
//     JitterStrategy FULL draws the delay uniformly from [0, interval].
//   - State data keeps its key order (objects are *asl.Object), as Step
//     Functions keeps it; States.JsonToString renders keys in that order.
//
// # Where AWS and the specification differ
//
// Where the specification (or AWS's reference pages) and AWS's recorded
// runs disagree, AWS wins. The oracle is the conformance suite
// (conformance_test.go, testdata/conformance): executions AWS ran and
// LocalStack's test suite recorded, converted by tools/sfnconformance and
// run here with the recorded Lambda results; every case matches AWS's
// status, output, error and cause but those the test's unsupported table
// lists with a reason. aslrun does what AWS does:
//
//   - A string literal of an intrinsic function may hold a lone brace:
//     States.StringToJson('{"a": "b"}') is accepted and evaluated (the
//     reference says { and } must be escaped; only "{}" is a placeholder).
//     States.JsonToString takes a nested call as well as a path.
//
//   - In a quoted bracket name, a backslash escapes only the quote and a
//     backslash: $['Test\""Name"'] names the key Test\""Name".
//
//   - Errors the executor raises in a state (States.Runtime,
//     States.QueryEvaluationError) are worded as AWS words them: "An
//     error occurred while executing the state 'S' (entered at the event
//     id #N). " then, for a path that matches nothing, Jayway's "Invalid path
//     '$.a' : No results for path: $['a']" or "The JSONPath '$.a' specified
//     for the field 'f' could not be found in the input '...'".
//
//   - A task time-out (States.Timeout) has an empty cause; a task result
//     over 256 KiB is States.DataLimitExceeded "The state/task 'R' returned
//     a result with a size exceeding the maximum number of bytes service
//     limit." (R: the Lambda ARN, or "lambda" for lambda:invoke), caught
//     like any task failure.
//
//   - $$.State has RetryCount only in states that can retry (Task,
//     Parallel, Map); a Pass state's has Name and EnteredTime.
//
//   - A JSONata Map whose input is not an array fails with
//     States.QueryEvaluationError, "Map state input must be an array but
//     was: ...". JSONata's $range of one number gives the number.
//
//   - States.MathAdd and States.MathRandom round non-integer arguments to
//     the nearest integer, halves up (1.49 + 1.5 = 3, -1.5 + 0 = -1), as
//     the AWS documentation says; the specification does not say.
//
//   - States.StringToJson of an empty or blank string returns null, and
//     States.Format renders object and array arguments as AWS does
//     ({a=1, b=[x, y]}); both were observed in AWS runs.
//
//   - AWS's error-handling page calls States.DataLimitExceeded terminal
//     for States.ALL, but AWS runs catch a task result over the quota
//     with States.ALL (LocalStack's recorded test_states_errors); aslrun
//     follows the runs for task results and keeps the error terminal for
//     a state's own input and output.
//
//   - AWS accepts a "." before a "[" in paths ($.[0], $.a.['b']), which
//     the JSONPath of the specification does not.
//
//   - A Task's TimeoutSeconds is a deadline on the Invoker's context; the
//     executor stops waiting at the deadline (States.Timeout) even if the
//     Invoker ignores its context, unless Options.InvokeInline is set (see
//     Performance). Without TimeoutSeconds a Task has no
//     limit of its own, as in AWS.
//
//   - An execution is bounded by the definition's TimeoutSeconds and by
//     Options.ExecutionTimeout (five minutes by default, the EXPRESS
//     limit): past it the status is TIMED_OUT with States.Timeout.
//     Cancelling the context passed to Run aborts it (ABORTED).
//
//   - History events follow GetExecutionHistory; Lambda function ARN
//     resources report LambdaFunction* events and other resources Task*
//     events. Failed attempts that will be retried carry the chosen
//     backoff in Event.Retry.
//
// # Performance
//
// The executor's own cost is measured without handlers by the benchmarks
// in bench_test.go: BenchmarkPaymentsExecution runs the happy path of the
// synthesized payments workflow (testdata/payments-synth.asl.json) with
// stubbed Lambda results, and one benchmark per state type covers Pass,
// Task, Choice, Wait, Map, Parallel and Retry:
//
//	go test ./workflows/aslrun -run '^$' -bench . -benchmem
//
// State data is decoded once when it enters the executor (the execution
// input, each task result) and passed between states as values; it is
// encoded once per state for the history, and that encoding is reused
// as the next state's input event, as a Task's payload when InputPath and
// Parameters leave the input as it is, and as the execution's output. A
// fast JSON path (fastjson.go) handles the texts and values it can decode
// and encode exactly as encoding/json does and hands the rest to it; the
// strings of a decoded task result share the copy the history keeps.
// Objects of up to 8 members use asl.Object's small form (no map). The
// context object is built only when an expression reads $$. Each line of
// execution (the main one, a Parallel branch, a Map iteration) reuses one
// evaluation context for its states and encodes its history data into a
// shared buffer, sized from earlier executions.
//
// Timeouts cost nothing until someone waits on them: a Task's and an
// execution's contexts (deadline.go) compare the Clock's time with their
// deadline and ask the Clock for a timeout only when an Invoker waits on
// Done (or reads Deadline or a Value).
//
// By default each Task's Invoker runs on a pooled worker goroutine
// (worker.go), so that a Task's timeout holds even for an Invoker that
// ignores its context: the execution waits for the worker or for the
// deadline, which the Machine's watchdog (watchdog.go) signals with one
// Clock timeout for all waiting executions; a worker left behind goes back
// to the pool when its call returns. An Invoker that honours its context
// (in-process handlers that pass it on, stubs) can be called on the
// execution's goroutine instead with Options.InvokeInline, which saves the
// hand-off to the worker; the outcomes and history are the same
// (TestInvokeInlineGivesTheSameExecutions).
//
// Where the behaviour is unclear aslrun errs on the strict side, so that a
// workflow that runs here is not rejected by AWS. Unsupported features
// (distributed Map, callback and .sync patterns, activities, JSONPath
// queries that RFC 9535 cannot express) are reported by New as an
// *UnsupportedError.
package aslrun
