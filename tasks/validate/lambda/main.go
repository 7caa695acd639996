// Command lambda is the Validate task's Lambda function.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/lambdamain"
	"github.com/resilientpay/paymentapi/tasks/validate"
)

func main() { lambdamain.Start(validate.New) }
