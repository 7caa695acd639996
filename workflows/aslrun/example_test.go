package aslrun_test

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

// A workflow whose Lambda tasks run in process: handlers are wrapped with
// aws-lambda-go's lambda.NewHandler, exactly as lambda.Start would run
// them, and registered by function name.
func Example() {
	definition := []byte(`{
	  "StartAt": "Validate",
	  "States": {
	    "Validate": {
	      "Type": "Task",
	      "Resource": "arn:aws:lambda:eu-west-1:111122223333:function:validate",
	      "ResultPath": "$.validated",
	      "Catch": [{"ErrorEquals": ["Payment.Invalid"], "ResultPath": "$.error", "Next": "Invalid"}],
	      "End": true
	    },
	    "Invalid": {"Type": "Fail", "Error": "Payment.Invalid", "CausePath": "$.error.Cause"}
	  }
	}`)
	validate := func(_ context.Context, ev struct {
		Amount int `json:"amount"`
	}) (bool, error) {
		if ev.Amount <= 0 {
			return false, messages.InvokeResponse_Error{Type: "Payment.Invalid", Message: "amount must be positive"}
		}
		return true, nil
	}
	m, err := aslrun.New(definition, aslrun.Options{
		Invoker: &aslrun.LambdaInvoker{Functions: map[string]aslrun.LambdaHandler{
			"validate": lambda.NewHandler(validate),
		}},
	})
	if err != nil {
		panic(err)
	}
	for _, input := range []string{`{"amount":100}`, `{"amount":0}`} {
		exec, err := m.Run(context.Background(), "", json.RawMessage(input))
		if err != nil {
			panic(err)
		}
		if exec.Status == aslrun.Succeeded {
			fmt.Println(exec.Status, string(exec.Output))
		} else {
			fmt.Println(exec.Status, exec.Error, exec.Cause)
		}
	}
	// Output:
	// SUCCEEDED {"amount":100,"validated":true}
	// FAILED Payment.Invalid {"errorMessage":"amount must be positive","errorType":"Payment.Invalid"}
}
