// Command lambda is the GET /payments/{id} Lambda function; see getpayment.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/getpayment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() { awslambda.Start(store.Client, getpayment.New) }
