// Command lambda is the failed-transactions queue consumer; see reprocess.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
)

func main() { awslambda.Start(reprocess.NewClients, reprocess.New) }
