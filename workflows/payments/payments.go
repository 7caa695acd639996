// Package payments is the payments workflow: an EXPRESS state machine that
// API Gateway runs synchronously for POST /payments.
//
//	Validate -> Validated? -> Persist -> Persisted? -> Processed
//	Persist fails after bounded retries --Catch--> EnqueueOnFailure -> Queued
//	client outcomes (400, 409, 422) --Choice--> a Succeed state per error name
//	platform failures --Catch--> a Fail state per error name (5xx)
//
// A client's mistake is the handler's result, not an error, and ends in a
// Succeed state: it counts neither as a Lambda function error nor as a
// failed execution, so the alarms that gate recovery see only the platform
// failing (see errorname.Spec.Outcome).
//
// Every Task has a timeout and one bounded retrier (see Budget), so the
// worst case stays inside API Gateway's 29 s integration timeout; the
// workflow linter proves it on the synthesized definition. Its logs hold
// every event at level ALL but no execution data: the input is the raw
// request, which may hold card data.
package payments

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	tasks "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/cdk/statemachine"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/errorname"
)

// ResourceType is the payments workflow's resource type: its state machine
// is named payments-workflow-<suffix>.
const ResourceType = platform.PaymentsWorkflow

// State names, as they appear in the Step Functions console.
const (
	StateValidate  = "Validate"
	StatePersist   = "Persist"
	StateEnqueue   = "EnqueueOnFailure"
	StateProcessed = "Processed"
	StateQueued    = "Queued"
)

// OutcomeStates names the Succeed state that answers each client outcome.
var OutcomeStates = map[errorname.Name]string{
	errorname.Invalid:    "InvalidRequest",
	errorname.CardData:   "CardDataRejected",
	errorname.KeyReused:  "IdempotencyKeyReused",
	errorname.InProgress: "RequestInProgress",
}

// TaskBudget is the timeout and retry policy of one Task and the timeout
// of its function. The function's timeout is at least TimeoutMarginSeconds
// shorter than the Task's, so Step Functions never gives up on an
// invocation that may still succeed (a send that lands after the Task
// timed out would be a payment queued but answered 503); the handlers
// answer before their own deadline (internal/runtime/deadline) and bound
// each SDK call (store.DefaultCallTimeout, queue.DefaultCallTimeout).
type TaskBudget struct {
	TimeoutSeconds         float64
	FunctionTimeoutSeconds float64
	MaxAttempts            float64 // retries after the first attempt
	IntervalSeconds        float64
	BackoffRate            float64
	MaxDelaySeconds        float64
}

// TimeoutMarginSeconds is how much longer a Task waits than its function
// may run: room for the invocation's own overhead.
const TimeoutMarginSeconds = 1

// Budget is the time budget of the three Tasks. Worst case: Validate
// 2+1+2 = 5 s, Persist 3+1+3+2+3 = 12 s, EnqueueOnFailure 3+1+3 = 7 s:
// 24 s, inside API Gateway's 29 s.
var Budget = struct{ Validate, Persist, Enqueue TaskBudget }{
	Validate: TaskBudget{TimeoutSeconds: 2, FunctionTimeoutSeconds: 1, MaxAttempts: 1, IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 2},
	Persist:  TaskBudget{TimeoutSeconds: 3, FunctionTimeoutSeconds: 2, MaxAttempts: 2, IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 2},
	Enqueue:  TaskBudget{TimeoutSeconds: 3, FunctionTimeoutSeconds: 2, MaxAttempts: 1, IntervalSeconds: 1, BackoffRate: 2, MaxDelaySeconds: 2},
}

// Props wires the workflow to its functions.
type Props struct {
	Validate, Persist, Enqueue awslambda.IFunction
	LogRetention               awslogs.RetentionDays
	Key                        awskms.IKey
}

// Workflow is the synthesized payments state machine and its log group.
type Workflow struct {
	StateMachine sfn.StateMachine
	LogGroup     awslogs.LogGroup
}

// New creates the payments workflow.
func New(scope constructs.Construct, id string, props *Props) *Workflow {
	if props == nil || props.Validate == nil || props.Persist == nil || props.Enqueue == nil || props.Key == nil || props.LogRetention == "" {
		panic("payments: Validate, Persist, Enqueue, Key and LogRetention are required")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))

	fail := func(name errorname.Name, stateName string) sfn.Fail {
		return sfn.NewFail(c, jsii.String(stateName), &sfn.FailProps{
			Comment:   jsii.String("Answered with the HTTP status of " + string(name)),
			Error:     jsii.String(string(name)),
			CausePath: jsii.String("$.error.Cause"),
		})
	}
	catchInto := func(task sfn.TaskStateBase, next sfn.IChainable, resultPath string, names ...errorname.Name) {
		task.AddCatch(next, &sfn.CatchProps{Errors: jsii.Strings(errorname.Strings(names)...), ResultPath: jsii.String(resultPath)})
	}

	// answered routes a Task's client outcome ($.result.error) to the
	// Succeed state of its name, whose output is the result; anything
	// else goes on.
	answered := func(id string, names ...errorname.Name) sfn.Choice {
		choice := sfn.NewChoice(c, jsii.String(id), &sfn.ChoiceProps{
			Comment: jsii.String("Client outcomes end here, answered with their HTTP status; the rest goes on"),
		})
		for _, name := range names {
			spec, _ := errorname.Lookup(name)
			if !spec.Outcome || OutcomeStates[name] == "" {
				panic(fmt.Sprintf("payments: %s is not a client outcome with a state name", name))
			}
			choice.When(sfn.Condition_And(
				sfn.Condition_IsPresent(jsii.String("$.result.error")),
				sfn.Condition_StringEquals(jsii.String("$.result.error"), jsii.String(string(name))),
			), sfn.NewSucceed(c, jsii.String(OutcomeStates[name]), &sfn.SucceedProps{
				Comment:    jsii.String(fmt.Sprintf("%d: %s (a client outcome, not a failure)", spec.Status, name)),
				OutputPath: jsii.String("$.result"),
			}), nil)
		}
		return choice
	}

	validate := lambdaTask(c, StateValidate, props.Validate, Budget.Validate, nil,
		"Parses and validates the request; derives the payment id from the idempotency key.")
	RetryTransient(validate, Budget.Validate)
	catchInto(validate, fail(errorname.Internal, "ValidationFailed"), "$.error", errorname.StatesALL)

	persist := lambdaTask(c, StatePersist, props.Persist, Budget.Persist, jsii.String("$.result"),
		"Writes the payment and its idempotency record in one conditional transaction.")
	RetryTransient(persist, Budget.Persist, errorname.StoreUnavailable)

	enqueue := lambdaTask(c, StateEnqueue, props.Enqueue, Budget.Enqueue, jsii.String("$.result"),
		"Puts the payment on the failed-transactions queue; it is persisted later (202).")
	RetryTransient(enqueue, Budget.Enqueue, errorname.QueueUnavailable)
	catchInto(enqueue, fail(errorname.QueueUnavailable, "PaymentNotAccepted"), "$.error", errorname.StatesALL)

	// Anything, including retries exhausted on a store outage: the
	// payment is safe on the queue rather than lost.
	catchInto(persist, enqueue.Next(sfn.NewSucceed(c, jsii.String(StateQueued), &sfn.SucceedProps{
		Comment: jsii.String("202: queued for later persistence"), OutputPath: jsii.String("$.result"),
	})), "$.failure", errorname.StatesALL)

	validated := answered("Validated?", errorname.Invalid, errorname.CardData).Otherwise(persist)
	persisted := answered("Persisted?", errorname.KeyReused, errorname.InProgress).
		Otherwise(sfn.NewSucceed(c, jsii.String(StateProcessed), &sfn.SucceedProps{
			Comment: jsii.String("201, or the replayed first response"), OutputPath: jsii.String("$.result"),
		}))
	persist.Next(persisted)
	definition := validate.Next(validated)

	name := naming.Name(c, ResourceType)
	sm, logGroup := statemachine.New(c, &statemachine.Props{
		Name: name, Type: sfn.StateMachineType_EXPRESS,
		Comment:      "Validate, persist idempotently, or queue a payment for later persistence",
		Definition:   definition,
		Timeout:      awscdk.Duration_Seconds(jsii.Number(29)),
		LogRetention: props.LogRetention, Key: props.Key,
		// The execution input is the raw request, which may hold card
		// data that Validate refuses: it must reach no log. Every event
		// is still logged, without its data (docs/security.md); the
		// payloads were also two thirds of the log (make cost).
		OmitExecutionData: true,
	})
	return &Workflow{StateMachine: sm, LogGroup: logGroup}
}

// lambdaTask invokes fn with the state's input as the event and its return
// value as the result (no Lambda response envelope), with the budget's
// timeout and without CDK's default minute-long service retries.
func lambdaTask(scope constructs.Construct, name string, fn awslambda.IFunction, b TaskBudget, resultPath *string, comment string) tasks.LambdaInvoke {
	if b.FunctionTimeoutSeconds < 1 || b.FunctionTimeoutSeconds+TimeoutMarginSeconds > b.TimeoutSeconds {
		panic(fmt.Sprintf("payments: %s's function timeout %v s must be at least %d s under its Task timeout %v s",
			name, b.FunctionTimeoutSeconds, TimeoutMarginSeconds, b.TimeoutSeconds))
	}
	return tasks.NewLambdaInvoke(scope, jsii.String(name), &tasks.LambdaInvokeProps{
		Comment:                  jsii.String(comment),
		LambdaFunction:           fn,
		PayloadResponseOnly:      jsii.Bool(true),
		RetryOnServiceExceptions: jsii.Bool(false),
		TaskTimeout:              sfn.Timeout_Duration(awscdk.Duration_Seconds(jsii.Number(b.TimeoutSeconds))),
		ResultPath:               resultPath,
	})
}

// RetryTransient is the app's single retry policy for a Lambda Task: one
// retrier that covers the Lambda service exceptions, a function that timed
// out or crashed (Lambda.Unknown), a Task timeout and the task's own
// transient errors, bounded by the budget, with full jitter so that a
// recovering dependency is not hit in lockstep. Retrying is safe: Persist
// is idempotent and a payment queued twice is persisted once. One retrier
// (not several) keeps the worst case at 1+MaxAttempts attempts.
func RetryTransient(task sfn.TaskStateBase, b TaskBudget, transient ...errorname.Name) {
	if b.MaxAttempts < 0 || b.MaxAttempts > 3 {
		panic(fmt.Sprintf("payments: MaxAttempts %v outside the bounded 0..3", b.MaxAttempts))
	}
	names := append(errorname.LambdaServiceErrors(), errorname.LambdaUnknown, errorname.StatesTimeout)
	names = append(names, transient...)
	task.AddRetry(&sfn.RetryProps{
		Errors:         jsii.Strings(errorname.Strings(names)...),
		Interval:       awscdk.Duration_Seconds(jsii.Number(b.IntervalSeconds)),
		MaxAttempts:    jsii.Number(b.MaxAttempts),
		BackoffRate:    jsii.Number(b.BackoffRate),
		MaxDelay:       awscdk.Duration_Seconds(jsii.Number(b.MaxDelaySeconds)),
		JitterStrategy: sfn.JitterType_FULL,
	})
}
