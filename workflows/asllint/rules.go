package asllint

// Coverage says whether another tool enforces a rule: "yes", "partial" or
// "no", as read from its source (see docs/linter.md).
type Coverage string

// Coverage values.
const (
	Yes     Coverage = "yes"
	Partial Coverage = "partial"
	No      Coverage = "no"
)

// Rule is one registered check.
type Rule struct {
	// ID is stable; findings, opt-out comments and Options.Disable use it.
	ID       string
	Severity Severity
	// Summary is one line for the rules list.
	Summary string
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

var registry = []*Rule{
	{ID: "definition-json", Severity: Error, Summary: "The definition is one JSON object with no duplicate keys.",
		Statelint: Partial, ASLValidator: Partial, check: checkDefinitionJSON},
	{ID: "machine-fields", Severity: Error, Summary: "A machine, branch or ItemProcessor has StartAt and a non-empty States object, and only known top-level fields of the right type.",
		Statelint: Yes, ASLValidator: Yes, check: checkMachineFields},
	{ID: "start-at", Severity: Error, Summary: "StartAt names a state of the same States object.",
		Statelint: Yes, ASLValidator: Yes, check: checkStartAt},
	{ID: "state-type", Severity: Error, Summary: "Every state has a Type that is one of the eight state types.",
		Statelint: Yes, ASLValidator: Yes, check: checkStateType},
	{ID: "state-name", Severity: Error, Summary: "State names are at most 80 characters and unique across the machine, nested Parallel and Map states included.",
		Statelint: Partial, ASLValidator: Yes, check: checkStateName},
	{ID: "next-target", Severity: Error, Summary: "Next, Default, Choice and Catch targets name a state in the same scope (no jumps into or out of a branch).",
		Statelint: Yes, ASLValidator: Partial, check: checkNextTarget},
	{ID: "next-end", Severity: Error, Summary: "Pass, Task, Wait, Parallel and Map states have exactly one of Next and End: true; Choice, Succeed and Fail have neither.",
		Statelint: Yes, ASLValidator: Yes, check: checkNextEnd},
	{ID: "terminal-state", Severity: Error, Summary: "Every States object has at least one terminal state.",
		Statelint: Yes, ASLValidator: Yes, check: checkTerminalState},
	{ID: "choice-rules", Severity: Error, Summary: "Choice rules are well formed: Next on top-level rules only, exactly one operator, Variable with a comparison, And/Or/Not nesting, operand types, Condition for JSONata.",
		Statelint: Partial, ASLValidator: Partial, check: checkChoiceRules},
	{ID: "choice-default", Severity: Warning, Summary: "A Choice state has a Default, unless its rules visibly cover every input.",
		Statelint: No, ASLValidator: No, check: checkChoiceDefault},
	{ID: "fail-fields", Severity: Error, Summary: "A Fail state has at most one of Error and ErrorPath and at most one of Cause and CausePath.",
		Statelint: Yes, ASLValidator: Yes, check: checkFailFields},
	{ID: "retry-fields", Severity: Error, Summary: "Retriers are in range: non-empty ErrorEquals, IntervalSeconds >= 1, 0 <= MaxAttempts < 99999999, BackoffRate >= 1, 0 < MaxDelaySeconds < 31622401, JitterStrategy FULL or NONE.",
		Statelint: Partial, ASLValidator: Partial, check: checkRetryFields},
	{ID: "catch-fields", Severity: Error, Summary: "Catchers have a non-empty ErrorEquals, a Next, and only the fields of their query language.",
		Statelint: Yes, ASLValidator: Partial, check: checkCatchFields},
	{ID: "states-all-last", Severity: Error, Summary: "States.ALL stands alone in the last retrier and the last catcher.",
		Statelint: Yes, ASLValidator: No, check: checkStatesAllLast},
	{ID: "path-syntax", Severity: Error, Summary: "InputPath and OutputPath are Paths; ResultPath, ItemsPath and every *Path field are Reference Paths (ResultPath never into $$ or a variable).",
		Statelint: Yes, ASLValidator: Partial, check: checkPathSyntax},
	{ID: "payload-template", Severity: Error, Summary: "In Parameters, ResultSelector, ItemSelector and Assign, a key ending in .$ holds a valid path, a $$ context path or an intrinsic function, and keys stay unique once .$ is stripped.",
		Statelint: Partial, ASLValidator: Yes, check: checkPayloadTemplate},
	{ID: "intrinsic-function", Severity: Error, Summary: "Intrinsic functions are known States.* functions called with the right number of arguments (States.Format placeholders, States.Hash algorithms included).",
		Statelint: Partial, ASLValidator: Partial, check: checkIntrinsicFunction},
	{ID: "jsonata-expression", Severity: Error, Summary: "In JSONata states, {% %} strings are closed, non-empty, balanced, and do not use $$; Condition is a boolean or a JSONata string.",
		Statelint: No, ASLValidator: Yes, Self: Partial, check: checkJSONataExpression},
	{ID: "query-language", Severity: Error, Summary: "QueryLanguage is JSONPath or JSONata; JSONPath-only fields are not used in JSONata states and vice versa; no JSONPath state inside a JSONata machine.",
		Statelint: No, ASLValidator: Partial, check: checkQueryLanguage},
	{ID: "unknown-field", Severity: Error, Summary: "A state has only the fields its type allows.",
		Statelint: Yes, ASLValidator: Yes, check: checkUnknownField},
	{ID: "field-type", Severity: Error, Summary: "Well-known fields have the JSON type the specification requires (Next a string, End a boolean, Retry an array ...).",
		Statelint: Yes, ASLValidator: Yes, check: checkFieldType},
	{ID: "wait-fields", Severity: Error, Summary: "A Wait state has exactly one of Seconds, Timestamp, SecondsPath and TimestampPath, with a non-negative integer or an RFC 3339 timestamp.",
		Statelint: Yes, ASLValidator: Yes, check: checkWaitFields},
	{ID: "task-fields", Severity: Error, Summary: "A Task has a Resource, at most one of TimeoutSeconds/TimeoutSecondsPath and of HeartbeatSeconds/HeartbeatSecondsPath, positive integers, and HeartbeatSeconds below TimeoutSeconds.",
		Statelint: Partial, ASLValidator: Partial, check: checkTaskFields},
	{ID: "map-fields", Severity: Error, Summary: "A Map state has exactly one of ItemProcessor/Iterator and consistent ItemSelector, MaxConcurrency, tolerated-failure, ItemReader and ItemBatcher fields.",
		Statelint: Partial, ASLValidator: Yes, check: checkMapFields},
	{ID: "parallel-fields", Severity: Error, Summary: "A Parallel state has a non-empty Branches array of objects.",
		Statelint: Partial, ASLValidator: Partial, check: checkParallelFields},
	{ID: "unreachable-state", Severity: Error, Summary: "Every state is reachable from StartAt over Next, Default, Choice and Catch edges (not merely named by some other state).",
		Statelint: Partial, ASLValidator: Partial, check: checkUnreachable},
	{ID: "no-terminal-path", Severity: Error, Summary: "Every reachable state has a path to a terminal state.",
		Statelint: No, ASLValidator: No, check: checkNoTerminalPath},
	{ID: "loop-without-exit", Severity: Error, Summary: "No cycle of states lacks an edge that leaves it towards a terminal state.",
		Statelint: No, ASLValidator: No, check: checkLoopWithoutExit},
	{ID: "express-integration", Severity: Error, Summary: "EXPRESS machines use no .sync or .waitForTaskToken integrations and no activities.",
		Statelint: No, ASLValidator: No, check: checkExpressIntegration},
	{ID: "sync-budget", Severity: Error, Summary: "A synchronous EXPRESS machine's worst-case duration (timeouts x attempts + backoff delays + waits, along the worst path) fits the budget (29 s).",
		Statelint: No, ASLValidator: No, check: checkSyncBudget},
	{ID: "task-timeout", Severity: Error, Summary: "Every Task sets TimeoutSeconds (or TimeoutSecondsPath).",
		Statelint: No, ASLValidator: No, check: checkTaskTimeout},
	{ID: "retry-bounded", Severity: Error, Summary: "Every retrier states MaxAttempts (warning when left to the default 3) and stays within the attempts cap (default 10).",
		Statelint: No, ASLValidator: No, check: checkRetryBounded},
	{ID: "lambda-retry", Severity: Error, Summary: "Every Lambda Task retries Lambda.ServiceException, Lambda.AWSLambdaException, Lambda.SdkClientException and Lambda.TooManyRequestsException (or States.TaskFailed/States.ALL).",
		Statelint: No, ASLValidator: No, check: checkLambdaRetry},
	{ID: "catch-all", Severity: Error, Summary: "Every Task is covered by a States.ALL catcher, its own or an enclosing Parallel/Map's, unless it opts out.",
		Statelint: No, ASLValidator: No, check: checkCatchAll},
	{ID: "error-name", Severity: Error, Summary: "Error names in Retry, Catch and Fail are declared (or, with no list, States.* names are real ones), so a typo is an error.",
		Statelint: No, ASLValidator: No, check: checkErrorName},
	{ID: "handler-shadowed", Severity: Warning, Summary: "No retrier or catcher is dead because earlier ones already match all of its errors.",
		Statelint: No, ASLValidator: No, check: checkHandlerShadowed},
	{ID: "states-reference", Severity: Error, Summary: "JSONata expressions read only the $states members their field has: $states.result in the Output and Assign of a Task, Parallel or Map, $states.errorOutput in a catcher's Output and Assign, input and context anywhere.",
		Statelint: No, ASLValidator: No, check: checkStatesReference},
	{ID: "variable-undefined", Severity: Error, Summary: "No variable is read on a path where no state has assigned it yet (reads inside $exists excepted).",
		Statelint: No, ASLValidator: No, check: checkVariableUndefined},
	{ID: "variable-scope", Severity: Error, Summary: "Variables assigned inside a Parallel branch or Map iteration are not read outside it, and inner scopes do not assign outer variables.",
		Statelint: No, ASLValidator: No, check: checkVariableScope},
	{ID: "variable-unused", Severity: Warning, Summary: "Every assigned variable is read somewhere.",
		Statelint: No, ASLValidator: No, check: checkVariableUnused},
	{ID: "variable-name", Severity: Error, Summary: "Variable names are identifiers of at most 80 characters, and not states, which Step Functions reserves.",
		Statelint: No, ASLValidator: No, check: checkVariableName},
}
