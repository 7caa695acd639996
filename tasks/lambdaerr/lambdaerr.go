// Package lambdaerr turns domain errors into Lambda function errors whose
// type is the shared workflow error name, so Step Functions' Retry and Catch
// can match on it.
package lambdaerr

import (
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

// From converts err for returning from a Lambda handler: the error type is
// the workflow error name (e.g. Payment.Invalid) and the message is the
// client-safe problem document. Errors that are not *payment.Error become
// Payment.Internal with a message that reveals nothing. From(nil) is nil.
func From(err error) error {
	if err == nil {
		return nil
	}
	e := payment.AsError(err)
	return messages.InvokeResponse_Error{Type: string(e.Name), Message: e.ProblemJSON()}
}
