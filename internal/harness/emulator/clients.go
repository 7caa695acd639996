package emulator

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/internal/awsenv"
)

// AWSConfig returns an SDK configuration that sends every request to
// endpoint with static fake credentials: no AWS account, profile or
// environment variable is read.
func AWSConfig(endpoint string) aws.Config {
	return aws.Config{
		Region:       awsenv.Region,
		Credentials:  credentials.NewStaticCredentialsProvider("emulator", "emulator", ""),
		BaseEndpoint: aws.String(endpoint),
	}
}

// DynamoDBClient returns a DynamoDB client for an emulator endpoint.
func DynamoDBClient(endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(AWSConfig(endpoint))
}

// SQSClient returns an SQS client for an emulator endpoint.
func SQSClient(endpoint string) *sqs.Client {
	return sqs.NewFromConfig(AWSConfig(endpoint))
}
