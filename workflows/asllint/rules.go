package asllint

import "fmt"

// Coverage says whether another tool enforces a rule: "yes", "partial" or
// "no", as read from its source (see docs/linter.md).
type Coverage string

// Coverage values.
const (
	Yes     Coverage = "yes"
	Partial Coverage = "partial"
	No      Coverage = "no"
)

// Category says why a rule exists.
type Category string

// Categories.
const (
	// Spec rules report what Step Functions rejects at CreateStateMachine,
	// or what fails for certain once the state runs (an intrinsic function
	// with the wrong arity, a loop no execution can leave). A definition AWS
	// accepts and runs must pass them: a spec finding on such a definition
	// is a false alarm.
	Spec Category = "spec"
	// Policy rules are house rules that AWS does not enforce: timeouts,
	// catch-alls, bounded retries, the synchronous budget, declared error
	// names, dead code.
	Policy Category = "policy"
)

// Profile names a set of rule categories.
type Profile string

// Profiles.
const (
	// ProfileSpec runs the Spec rules: the default for any definition.
	ProfileSpec Profile = "spec"
	// ProfileStrict runs Spec and Policy rules: what go test applies to
	// this project's own workflows.
	ProfileStrict Profile = "strict"
)

// ParseProfile returns the profile named s; "" is ProfileSpec.
func ParseProfile(s string) (Profile, error) {
	switch Profile(s) {
	case "", ProfileSpec:
		return ProfileSpec, nil
	case ProfileStrict:
		return ProfileStrict, nil
	}
	return "", fmt.Errorf("unknown profile %q (want %s or %s)", s, ProfileSpec, ProfileStrict)
}

// Includes reports whether the profile runs rules of category c.
func (p Profile) Includes(c Category) bool {
	switch p {
	case "", ProfileSpec:
		return c == Spec
	case ProfileStrict:
		return c == Spec || c == Policy
	}
	return false
}

// Rule is one registered check.
type Rule struct {
	// ID is stable; findings, opt-out comments and Options.Disable use it.
	ID       string
	Severity Severity
	// Category decides which profiles run the rule.
	Category Category
	// Summary is one line for the rules list.
	Summary string
	// Help says why the rule matters and how to fix a finding (SARIF help
	// text).
	Help string
	// Statelint and ASLValidator record what those tools do for the same
	// check, for the comparison table in docs/linter.md.
	Statelint    Coverage
	ASLValidator Coverage
	// Self is this linter's own coverage: "partial" where the check is
	// knowingly shallower than the specification (see the rule's doc).
	Self  Coverage
	check func(*linter)
}

// Rules returns the registered rules in their run order. The slice is a
// copy; Rule values carry no behaviour callers can invoke.
func Rules() []Rule {
	out := make([]Rule, len(registry))
	for i, r := range registry {
		out[i] = *r
		out[i].check = nil
		if out[i].Self == "" {
			out[i].Self = Yes
		}
	}
	return out
}

// ruleByID returns the registered rule with that id, or nil.
func ruleByID(id string) *Rule {
	for _, r := range registry {
		if r.ID == id {
			return r
		}
	}
	return nil
}

var registry = []*Rule{
	{ID: "definition-json", Severity: Error, Category: Spec, Summary: "The definition is one JSON object with no duplicate keys.",
		Statelint: Partial, ASLValidator: Partial, check: checkDefinitionJSON,
		Help: "Step Functions rejects a definition that is not one JSON object, and duplicate state names (DUPLICATE_STATE_NAME); of any other duplicate key a JSON parser keeps one value, so the definition does not say what it seems to. Fix the JSON syntax or remove the duplicate key."},
	{ID: "machine-fields", Severity: Error, Category: Spec, Summary: "A machine, branch or ItemProcessor has StartAt and a non-empty States object, and only known top-level fields of the right type.",
		Statelint: Yes, ASLValidator: Yes, check: checkMachineFields,
		Help: "CreateStateMachine rejects a machine, branch or ItemProcessor without StartAt and States, with a state that is not an object, or with unknown top-level fields. Add the missing field or remove the unknown one."},
	{ID: "start-at", Severity: Error, Category: Spec, Summary: "StartAt names a state of the same States object.",
		Statelint: Yes, ASLValidator: Yes, check: checkStartAt,
		Help: "StartAt must name a state of its own States object or CreateStateMachine fails (MISSING_TRANSITION_TARGET). Correct the name."},
	{ID: "state-type", Severity: Error, Category: Spec, Summary: "Every state has a Type that is one of the eight state types.",
		Statelint: Yes, ASLValidator: Yes, check: checkStateType,
		Help: "A state's Type must be Pass, Task, Choice, Wait, Succeed, Fail, Parallel or Map. Correct the Type."},
	{ID: "state-name", Severity: Error, Category: Spec, Summary: "State names are at most 80 characters and unique across the machine, nested Parallel and Map states included.",
		Statelint: Partial, ASLValidator: Yes, check: checkStateName,
		Help: "State names are unique across the whole machine (DUPLICATE_STATE_NAME) and at most 80 characters. Rename one of the states."},
	{ID: "next-target", Severity: Error, Category: Spec, Summary: "Next, Default, Choice and Catch targets name a state in the same scope (no jumps into or out of a branch).",
		Statelint: Yes, ASLValidator: Partial, check: checkNextTarget,
		Help: "A transition must name a state of the same States object; a jump into or out of a Parallel branch or Map processor is refused. Correct the target."},
	{ID: "next-end", Severity: Error, Category: Spec, Summary: "Pass, Task, Wait, Parallel and Map states have exactly one of Next and End: true; Choice, Succeed and Fail have neither.",
		Statelint: Yes, ASLValidator: Yes, check: checkNextEnd,
		Help: "Pass, Task, Wait, Parallel and Map states need exactly one of Next and End: true; Choice, Succeed and Fail take neither. Add or remove Next/End."},
	{ID: "terminal-state", Severity: Error, Category: Spec, Summary: "Every States object has at least one terminal state.",
		Statelint: Yes, ASLValidator: Yes, check: checkTerminalState,
		Help: "Every States object needs a Succeed, Fail or End: true state (MISSING_END_STATE). Give the flow an end."},
	{ID: "choice-rules", Severity: Error, Category: Spec, Summary: "Choice rules are well formed: Next on top-level rules only, exactly one operator, Variable with a comparison, And/Or/Not nesting, operand types, Condition for JSONata.",
		Statelint: Partial, ASLValidator: Partial, check: checkChoiceRules,
		Help: "Malformed Choice rules are rejected at CreateStateMachine. Give each top-level rule one comparison (or And/Or/Not) and a Next; nested rules take no Next."},
	{ID: "choice-default", Severity: Warning, Category: Policy, Summary: "A Choice state has a Default, unless its rules visibly cover every input.",
		Statelint: No, ASLValidator: No, check: checkChoiceDefault,
		Help: "Without Default, an input that no rule matches fails the execution with States.NoChoiceMatched. Add a Default, or a final rule that always matches."},
	{ID: "fail-fields", Severity: Error, Category: Spec, Summary: "A Fail state has at most one of Error and ErrorPath and at most one of Cause and CausePath.",
		Statelint: Yes, ASLValidator: Yes, check: checkFailFields,
		Help: "A Fail state takes at most one of Error/ErrorPath and one of Cause/CausePath. Keep one of each pair."},
	{ID: "retry-fields", Severity: Error, Category: Spec, Summary: "Retriers are in range: non-empty ErrorEquals, IntervalSeconds >= 1, 0 <= MaxAttempts < 99999999, BackoffRate >= 1, 0 < MaxDelaySeconds < 31622401, JitterStrategy FULL or NONE.",
		Statelint: Partial, ASLValidator: Partial, check: checkRetryFields,
		Help: "Retrier fields out of range are rejected at CreateStateMachine. Keep IntervalSeconds >= 1, BackoffRate >= 1, MaxAttempts >= 0 and a non-empty ErrorEquals."},
	{ID: "catch-fields", Severity: Error, Category: Spec, Summary: "Catchers have a non-empty ErrorEquals, a Next, and only the fields of their query language.",
		Statelint: Yes, ASLValidator: Partial, check: checkCatchFields,
		Help: "Each catcher needs a non-empty ErrorEquals and a Next, and only the fields of its query language. Add the field or remove the foreign one."},
	{ID: "states-all-last", Severity: Error, Category: Spec, Summary: "States.ALL stands alone in the last retrier and the last catcher.",
		Statelint: Yes, ASLValidator: No, check: checkStatesAllLast,
		Help: "States.ALL must be alone in its ErrorEquals and in the last retrier or catcher. Move it last and on its own."},
	{ID: "path-syntax", Severity: Error, Category: Spec, Summary: "InputPath and OutputPath are Paths; ResultPath, ItemsPath and every *Path field are Reference Paths (ResultPath never into $$ or a variable).",
		Statelint: Yes, ASLValidator: Partial, check: checkPathSyntax,
		Help: "An invalid JSONPath, or a ResultPath into the Context Object, is rejected at CreateStateMachine. Write a path such as $.field."},
	{ID: "payload-template", Severity: Error, Category: Spec, Summary: "In Parameters, ResultSelector, ItemSelector and Assign, a key ending in .$ holds a valid path, a $$ context path or an intrinsic function, and keys stay unique once .$ is stripped.",
		Statelint: Partial, ASLValidator: Yes, check: checkPayloadTemplate,
		Help: "A key ending in .$ must hold a path or an intrinsic function call, and keys must stay unique once .$ is removed. Fix the value or rename the key."},
	{ID: "intrinsic-function", Severity: Error, Category: Spec, Summary: "Intrinsic functions are known States.* functions called with the right number of arguments (States.Format placeholders, States.Hash algorithms included).",
		Statelint: Partial, ASLValidator: Partial, check: checkIntrinsicFunction,
		Help: "An intrinsic function call with an unknown name or the wrong arguments fails the state with States.IntrinsicFailure, or is rejected at CreateStateMachine. Check the function reference."},
	{ID: "jsonata-expression", Severity: Error, Category: Spec, Summary: "In JSONata states, {% %} strings are closed, non-empty, balanced, and do not use $$; Condition is a boolean or a JSONata string.",
		Statelint: No, ASLValidator: Yes, Self: Partial, check: checkJSONataExpression,
		Help: "A {% %} expression that does not close, is empty or uses $$ fails at CreateStateMachine or at run time (States.QueryEvaluationError). Fix the expression."},
	{ID: "query-language", Severity: Error, Category: Spec, Summary: "QueryLanguage is JSONPath or JSONata; JSONPath-only fields are not used in JSONata states and vice versa; no JSONPath state inside a JSONata machine.",
		Statelint: No, ASLValidator: Partial, check: checkQueryLanguage,
		Help: "Step Functions refuses JSONPath-only fields in JSONata states and the reverse, and a JSONPath state inside a JSONata machine. Use the fields of the state's query language."},
	{ID: "language-lookalike", Severity: Warning, Category: Policy, Summary: "No value looks like the other query language's syntax: a {% %} string in a JSONPath state, a \".$\" key in a JSONata state, a {% %} string with whitespace around it.",
		Statelint: No, ASLValidator: No, check: checkLanguageLookalike,
		Help: "AWS accepts these and treats them as plain strings and keys (LocalStack's recorded runs), so they are not errors; they are usually a mistake. Use the state's query language, or remove the whitespace."},
	{ID: "unknown-field", Severity: Error, Category: Spec, Summary: "A state has only the fields its type allows.",
		Statelint: Yes, ASLValidator: Yes, check: checkUnknownField,
		Help: "CreateStateMachine rejects fields a state type does not define (SCHEMA_VALIDATION_FAILED). Remove or rename the field."},
	{ID: "field-type", Severity: Error, Category: Spec, Summary: "Well-known fields have the JSON type the specification requires (Next a string, End a boolean, Retry an array ...).",
		Statelint: Yes, ASLValidator: Yes, check: checkFieldType,
		Help: "CreateStateMachine rejects fields of the wrong JSON type, e.g. Seconds as a string (\"Expected value of type Integer\"). Give the field its documented type."},
	{ID: "wait-fields", Severity: Error, Category: Spec, Summary: "A Wait state has exactly one of Seconds, Timestamp, SecondsPath and TimestampPath, with a non-negative integer or an RFC 3339 timestamp.",
		Statelint: Yes, ASLValidator: Yes, check: checkWaitFields,
		Help: "A Wait state needs exactly one of Seconds, Timestamp, SecondsPath and TimestampPath, with a valid value. Keep one."},
	{ID: "task-fields", Severity: Error, Category: Spec, Summary: "A Task has a Resource, at most one of TimeoutSeconds/TimeoutSecondsPath and of HeartbeatSeconds/HeartbeatSecondsPath, positive integers, and HeartbeatSeconds below TimeoutSeconds.",
		Statelint: Partial, ASLValidator: Partial, check: checkTaskFields,
		Help: "A Task needs a Resource, at most one of each timeout field and its Path form, and HeartbeatSeconds below TimeoutSeconds. Fix the fields."},
	{ID: "map-fields", Severity: Error, Category: Spec, Summary: "A Map state has exactly one of ItemProcessor/Iterator and consistent ItemSelector, MaxConcurrency, tolerated-failure, ItemReader and ItemBatcher fields.",
		Statelint: Partial, ASLValidator: Yes, check: checkMapFields,
		Help: "Map fields that exclude each other, or values out of range, are rejected at CreateStateMachine. Keep one of each pair and values in range."},
	{ID: "parallel-fields", Severity: Error, Category: Spec, Summary: "A Parallel state has a non-empty Branches array of objects.",
		Statelint: Partial, ASLValidator: Partial, check: checkParallelFields,
		Help: "A Parallel state needs a non-empty Branches array of state machines. Add a branch."},
	{ID: "unreachable-state", Severity: Error, Category: Spec, Summary: "Every state other than StartAt is named by a Next, Default, Choice or Catch transition of its States object, as CreateStateMachine requires.",
		Statelint: Yes, ASLValidator: Partial, check: checkUnreachable,
		Help: "Step Functions rejects a state that neither StartAt nor any transition names (MISSING_TRANSITION_TARGET: State is not reachable). Connect it or delete it."},
	{ID: "dead-state", Severity: Error, Category: Policy, Summary: "No state is named only by states that StartAt never reaches (an island of states that name each other).",
		Statelint: No, ASLValidator: No, check: checkDeadState,
		Help: "A state that only unreachable states name is dead code AWS accepts; it usually marks a forgotten edge. Connect the island to the flow or delete it."},
	{ID: "no-terminal-path", Severity: Error, Category: Spec, Summary: "Every reachable state has a path to a terminal state.",
		Statelint: No, ASLValidator: No, check: checkNoTerminalPath,
		Help: "An execution that reaches a state with no path to a terminal state can never succeed. Give the flow an exit."},
	{ID: "loop-without-exit", Severity: Error, Category: Spec, Summary: "No cycle of states lacks an edge that leaves it towards a terminal state.",
		Statelint: No, ASLValidator: No, check: checkLoopWithoutExit,
		Help: "An execution that enters a loop with no exit runs until it fails or times out. Add a Choice branch, Default or Catch that leaves the loop."},
	{ID: "express-integration", Severity: Error, Category: Spec, Summary: "EXPRESS machines use no .sync or .waitForTaskToken integrations and no activities.",
		Statelint: No, ASLValidator: No, check: checkExpressIntegration,
		Help: "EXPRESS state machines support neither .sync nor .waitForTaskToken integrations nor activities; CreateStateMachine refuses them. Use the request-response form or a STANDARD machine."},
	{ID: "sync-budget", Severity: Error, Category: Policy, Summary: "A synchronous EXPRESS machine's worst-case duration (timeouts x attempts + backoff delays + waits, along the worst path) fits the budget (29 s).",
		Statelint: No, ASLValidator: No, check: checkSyncBudget,
		Help: "A synchronous EXPRESS workflow behind API Gateway must answer within the integration timeout (29 s). Lower timeouts, retries or backoff on the worst path."},
	{ID: "task-timeout", Severity: Error, Category: Policy, Summary: "Every Task sets TimeoutSeconds (or TimeoutSecondsPath).",
		Statelint: No, ASLValidator: No, check: checkTaskTimeout,
		Help: "Without TimeoutSeconds a hung call waits for the execution timeout (a year for STANDARD). Set TimeoutSeconds a little above the callee's own timeout."},
	{ID: "retry-bounded", Severity: Error, Category: Policy, Summary: "Every retrier states MaxAttempts (warning when left to the default 3) and stays within the attempts cap (default 10).",
		Statelint: No, ASLValidator: No, check: checkRetryBounded,
		Help: "Retry counts are part of the time and cost budget: state MaxAttempts explicitly and keep it under the cap. Set MaxAttempts."},
	{ID: "lambda-retry", Severity: Error, Category: Policy, Summary: "Every Lambda Task retries Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException and Lambda.TooManyRequestsException (or States.TaskFailed/States.ALL).",
		Statelint: No, ASLValidator: No, check: checkLambdaRetry,
		Help: "AWS recommends retrying Lambda's transient service exceptions on every Lambda Task. Add a retrier for them."},
	{ID: "catch-all", Severity: Error, Category: Policy, Summary: "Every Task is covered by a States.ALL catcher, its own or an enclosing Parallel/Map's, unless it opts out.",
		Statelint: No, ASLValidator: No, check: checkCatchAll,
		Help: "An uncaught Task error fails the whole execution; a States.ALL catcher routes it to a handled path. Add a catch-all or opt out with a documented asllint:ignore comment."},
	{ID: "error-name", Severity: Error, Category: Policy, Summary: "Error names in Retry, Catch and Fail are declared (or, with no list, States.* names are real ones), so a typo is an error.",
		Statelint: No, ASLValidator: No, check: checkErrorName,
		Help: "AWS accepts any error name, so a misspelled one silently never matches. Use a declared name or a real States.* name."},
	{ID: "handler-shadowed", Severity: Warning, Category: Policy, Summary: "No retrier or catcher is dead because earlier ones already match all of its errors.",
		Statelint: No, ASLValidator: No, check: checkHandlerShadowed,
		Help: "A retrier or catcher after one that already matches all its errors never runs. Remove it or reorder the handlers."},
	{ID: "states-reference", Severity: Error, Category: Spec, Summary: "JSONata expressions read only the $states members their field has: $states.result in the Output and Assign of a Task, Parallel or Map, $states.errorOutput in a catcher's Output and Assign, input and context anywhere.",
		Statelint: No, ASLValidator: No, check: checkStatesReference,
		Help: "A $states member the field does not have (or a misspelled one) fails the state with States.QueryEvaluationError. Read $states.result only in the Output or Assign of a Task, Parallel or Map, and $states.errorOutput only in a catcher."},
	{ID: "variable-undefined", Severity: Error, Category: Spec, Summary: "No variable is read on a path where no state has assigned it yet (reads inside $exists excepted).",
		Statelint: No, ASLValidator: No, check: checkVariableUndefined,
		Help: "Reading a variable no state has assigned on the way fails the state with States.QueryEvaluationError. Assign it on every path before the read, or guard the read with $exists."},
	{ID: "variable-scope", Severity: Error, Category: Spec, Summary: "Variables assigned inside a Parallel branch or Map iteration are not read outside it, and inner scopes do not assign outer variables.",
		Statelint: No, ASLValidator: No, check: checkVariableScope,
		Help: "Variables assigned in a Parallel branch or Map iteration do not leave it, and an inner scope may not assign an outer variable. Return the value in the state's output and assign it outside."},
	{ID: "variable-unused", Severity: Warning, Category: Policy, Summary: "Every assigned variable is read somewhere.",
		Statelint: No, ASLValidator: No, check: checkVariableUnused,
		Help: "A variable that nothing reads is dead weight (and counts against the variable size limit). Read it or stop assigning it."},
	{ID: "variable-name", Severity: Error, Category: Spec, Summary: "Variable names are identifiers of at most 80 characters, and not states, which Step Functions reserves.",
		Statelint: No, ASLValidator: No, check: checkVariableName,
		Help: "Step Functions rejects variable names that are not identifiers, longer than 80 characters, or the reserved states. Rename the variable."},
}
