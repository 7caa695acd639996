// Package awsenv names the AWS environment the platform is built for, once:
// the region it deploys to and, for everything that stands in for AWS
// without an account (the local runner, the emulators, the ASL executor,
// the linter's placeholders), the account id and partition it pretends.
package awsenv

const (
	// Region is where the platform is deployed, and the region the local
	// stand-ins claim.
	Region = "us-east-1"
	// LocalAccount is the account id of ARNs made without an AWS account
	// (AWS's documentation example account).
	LocalAccount = "123456789012"
	// Partition is the ARN partition of Region.
	Partition = "aws"
)
