package paymentstack

import "fmt"

// Memory sizes, in MB. Lambda gives a function CPU in proportion to its
// memory, one full vCPU at 1,769 MB (Lambda developer guide, "Configure
// Lambda function memory"): at 128 MB a function has about 1/14 of a vCPU,
// at 512 MB about 2/7.
const (
	// SynchronousMemoryMB is the size of the functions a client waits
	// for. Their cold start (the Go runtime, the SDK's configuration and
	// clients: about 12 ms of one core on this machine, docs NOTES) and
	// their warm CPU time stretch by 1,769/size: about 170 ms of init at
	// 128 MB, 40 ms at 512 MB. Lambda bills per 1 ms: a billed ms of 1M
	// invocations costs $0.0067 at 512 MB against $0.0017 at 128 MB
	// (arm64, $0.0000133334 per GB-s), $0.005 more per 1M invocations
	// per billed ms (make cost prices each function; README, "Lambda
	// memory"). Above 512 MB the gain is a few ms of a path that waits
	// for DynamoDB and Step Functions anyway.
	SynchronousMemoryMB = 512
	// BackgroundMemoryMB is the size of the functions no client waits
	// for (the queue's reprocessing, the recovery workflow's health
	// check): the cheapest, Lambda's minimum, whose cold start only
	// delays work that is retried on a schedule.
	BackgroundMemoryMB = 128
)

// MemoryDecision is the memory size chosen for one function and why.
type MemoryDecision struct {
	MB float64
	// Why names the path the function serves.
	Why string
}

// FunctionMemory is the recorded memory decision of every function, by
// resource type: latency first on the synchronous path (POST /payments
// runs validate, persist and, when the store is down, enqueue inside the
// client's request; GET /payments/{id} and GET /health answer directly),
// the cheapest adequate size elsewhere. A template test checks that every
// function of the stack has its size here; the README's "Lambda memory"
// section gives each choice's cost from make cost.
var FunctionMemory = map[string]MemoryDecision{
	FnValidate:      {SynchronousMemoryMB, "POST /payments waits for it"},
	FnPersist:       {SynchronousMemoryMB, "POST /payments waits for it"},
	FnEnqueue:       {SynchronousMemoryMB, "POST /payments waits for it when the store is down (the 202 path)"},
	FnGetPayment:    {SynchronousMemoryMB, "GET /payments/{id} waits for it"},
	FnHealth:        {SynchronousMemoryMB, "GET /health waits for it"},
	FnReprocess:     {BackgroundMemoryMB, "the failed-transactions queue's consumer: no client waits"},
	FnHealthMonitor: {BackgroundMemoryMB, "the recovery workflow's health check, every few minutes: no client waits"},
}

// MemoryMB is the recorded memory size of a function, by resource type.
// It panics for a function without a decision: add it to FunctionMemory.
func MemoryMB(resourceType string) float64 {
	d, ok := FunctionMemory[resourceType]
	if !ok {
		panic(fmt.Sprintf("paymentstack: no memory decision for %s: add it to FunctionMemory", resourceType))
	}
	return d.MB
}
