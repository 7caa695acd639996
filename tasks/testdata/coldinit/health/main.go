// Command health is the cold-init reference of the health functions: the
// default AWS configuration, their CloudWatch, DynamoDB and SQS clients and
// the Lambda runtime loop, nothing else (see tasks/coldinit_test.go).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	_, _, _ = cloudwatch.NewFromConfig(cfg), dynamodb.NewFromConfig(cfg), sqs.NewFromConfig(cfg)
	lambda.Start(func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, nil })
}
