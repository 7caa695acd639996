// Command noclients is the cold-init reference of a function without AWS
// clients: the Lambda runtime loop alone (see tasks/coldinit_test.go).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, nil })
}
