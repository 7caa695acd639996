// Command lambda is the Validate task's Lambda function.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/tasks/validate"
)

func main() {
	h := &validate.Handler{Log: logging.NewLogger(os.Stdout)}
	lambda.Start(h.Handle)
}
