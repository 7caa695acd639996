// Command lambda is the failed-transactions queue consumer; see reprocess.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() { awslambda.Start(store.Client, reprocess.New) }
