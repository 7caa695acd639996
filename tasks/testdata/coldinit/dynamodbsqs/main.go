// Command dynamodbsqs is the cold-init reference of a function with a
// DynamoDB and an SQS client (the reprocess function): the default AWS
// configuration, the clients and the Lambda runtime loop, nothing else
// (see tasks/coldinit_test.go).
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		panic(err)
	}
	_ = dynamodb.NewFromConfig(cfg)
	_ = sqs.NewFromConfig(cfg)
	lambda.Start(func(context.Context, json.RawMessage) (json.RawMessage, error) { return nil, nil })
}
