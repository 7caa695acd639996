// Command lambda is the EnqueueOnFailure task's Lambda function; see enqueue.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/enqueue"
	"github.com/resilientpay/paymentapi/tasks/queue"
)

func main() { awslambda.Start(queue.Client, enqueue.New) }
