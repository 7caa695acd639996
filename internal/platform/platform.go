// Package platform holds the platform's resource types (function and queue
// names before their environment suffix) and the one rule that turns a
// resource type into a physical name. It imports nothing, so that the
// local runner and the cost model, which only need names, do not import
// the stack (app/paymentstack, which links every construct) to learn them;
// app/paymentstack keeps its constants (FnPersist, ...) as aliases of
// these.
package platform

// Function resource types: also the logical grouping of their alarms and
// dashboard graphs.
const (
	FnValidate      = "validate-function"
	FnPersist       = "persist-function"
	FnEnqueue       = "enqueue-function"
	FnReprocess     = "reprocess-function"
	FnGetPayment    = "get-payment-function"
	FnHealth        = "health-function"
	FnHealthMonitor = "health-monitor-function"
)

// Resource types of the failed-transactions queue and its DLQ.
const (
	FailedQueue = "failed-transactions-queue"
	FailedDLQ   = "failed-transactions-dlq"
)

// Resource types of the state machines and the transactions table.
const (
	PaymentsWorkflow  = "payments-workflow"
	RecoveryWorkflow  = "recovery-workflow"
	TransactionsTable = "transactions-table"
)

// Physical is the one naming rule, {resource-type}-{environment-suffix}:
// e.g. Physical("transactions-table", "dev") == "transactions-table-dev".
// internal/cdk/naming applies it to a construct's scope.
func Physical(resourceType, suffix string) string {
	return resourceType + "-" + suffix
}
