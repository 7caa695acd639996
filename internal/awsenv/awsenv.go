// Package awsenv names the AWS environment the project assumes wherever
// no real account answers: the region the app deploys to, and the account
// and partition that ARNs are rendered with when templates are evaluated
// offline (the linter's placeholders, the local runner's resources).
package awsenv

// Region is the one region the app deploys to (the product contract fixes
// us-east-1); offline evaluation renders ARNs and URLs in it too.
const Region = "us-east-1"

// LocalAccount is the account id used where there is no AWS account: the
// ARNs of rebuilt workflow definitions and of the local runner's
// resources. It is the example account of the AWS documentation, so it
// never names a real account.
const LocalAccount = "123456789012"

// Partition is the AWS partition of Region, as ${AWS::Partition} reads.
const Partition = "aws"

// LocalAccessKeyID and LocalSecretAccessKey are the local runner's
// documented SigV4 credentials (README "Signed requests"): they sign
// requests to the local API only and are no AWS credential, so they are
// no secret. The local runner verifies them; `make smoke LOCAL=1` signs
// with them.
const (
	LocalAccessKeyID     = "AKIALOCALDEVELOPER01"
	LocalSecretAccessKey = "local-runner-secret-not-an-aws-credential"
)
