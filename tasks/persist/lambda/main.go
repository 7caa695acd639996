// Command lambda is the Persist task's Lambda function; see persist.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/persist"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() { awslambda.Start(store.Client, persist.New) }
