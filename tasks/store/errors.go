package store

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

// UnavailableLogMessage is the message of the log line a function writes
// each time the store fails it as an outage does (StoreUnavailable): the
// persist and reprocess functions on a payment, the health monitor on its
// probe. A metric filter on each of their log groups counts these lines,
// and the alarm on that count gates recovery: the data plane, as the
// handlers see it, says whether the store is well.
const UnavailableLogMessage = "transaction store unavailable"

// transientCodes are the DynamoDB error codes that may succeed when tried
// again later: throttling and service-side failures.
var transientCodes = []string{
	"ProvisionedThroughputExceededException",
	"ThrottlingException",
	"Throttling",
	"RequestLimitExceeded",
	"InternalServerError",
	"ServiceUnavailable",
	"ServiceUnavailableException",
	"TransactionInProgressException",
}

// classify maps an error from the DynamoDB client to a domain error:
// StoreUnavailable for throttling, service failures, timeouts and network
// errors (the workflow retries, then queues the payment), Internal for the
// rest (a request the store will never accept: a bug or a misconfiguration).
// The SDK error is kept as the cause, for logs only.
func classify(err error) *payment.Error {
	if err == nil {
		return nil
	}
	if e, ok := errors.AsType[*payment.Error](err); ok {
		return e
	}
	if Transient(err) {
		return errUnavailable.Wrap(err)
	}
	return errInternal.Wrap(err)
}

// Transient reports whether err from an AWS SDK call may pass if the call is
// made again later.
func Transient(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		if isCode(api.ErrorCode(), transientCodes...) || api.ErrorFault() == smithy.FaultServer {
			return true
		}
	}
	var resp *smithyhttp.ResponseError
	if errors.As(err, &resp) && (resp.HTTPStatusCode() >= 500 || resp.HTTPStatusCode() == 429) {
		return true
	}
	var send *smithyhttp.RequestSendError
	if errors.As(err, &send) {
		return true
	}
	var nerr net.Error
	return errors.As(err, &nerr)
}
