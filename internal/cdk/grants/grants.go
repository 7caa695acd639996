// Package grants gives principals exactly the actions they use, with no
// action wildcards: CDK's grant* methods for encrypted queues, topics and
// tables add kms:GenerateDataKey* and kms:ReEncrypt*, which this app never
// needs and cdk-nag (AwsSolutions-IAM5) rightly flags.
package grants

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
)

// KMS actions, by use. Sending an encrypted message or item makes a data
// key; reading one decrypts it.
var (
	kmsEncrypt = jsii.Strings("kms:GenerateDataKey", "kms:Decrypt")
	kmsDecrypt = jsii.Strings("kms:Decrypt", "kms:DescribeKey")
	// DynamoDB with a customer-managed key also describes the key and
	// encrypts with it on the caller's behalf.
	kmsTable = jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey")
)

// SendTo lets p send messages to an encrypted queue.
func SendTo(p awsiam.IGrantable, q awssqs.IQueue, key awskms.IKey) {
	q.Grant(p, jsii.String("sqs:SendMessage"), jsii.String("sqs:GetQueueAttributes"), jsii.String("sqs:GetQueueUrl"))
	key.Grant(p, *kmsEncrypt...)
}

// PublishTo lets p publish to an encrypted topic.
func PublishTo(p awsiam.IGrantable, t awssns.ITopic, key awskms.IKey) {
	t.GrantPublish(p) // sns:Publish only
	key.Grant(p, *kmsEncrypt...)
}

// PersistInto lets p run the idempotent persist transaction on table: the
// conditional puts and the consistent read of an idempotency record.
func PersistInto(p awsiam.IGrantable, table awsdynamodb.ITable, key awskms.IKey) {
	onTable(p, table, "dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:ConditionCheckItem")
	key.Grant(p, *kmsTable...)
}

// DescribeTable lets p read table's status.
func DescribeTable(p awsiam.IGrantable, table awsdynamodb.ITable) {
	onTable(p, table, "dynamodb:DescribeTable")
}

// onTable allows actions on the table itself. table.Grant would add
// <table>/index/* as soon as the table has an index (the parked-payments
// index), which these principals never read: a wildcard for nothing.
func onTable(p awsiam.IGrantable, table awsdynamodb.ITable, actions ...string) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: p, Actions: jsii.Strings(actions...), ResourceArns: jsii.Strings(*table.TableArn()),
	})
}

// ParkInto lets p park queued payments in table: the upsert of a parked
// item (store.Park).
func ParkInto(p awsiam.IGrantable, table awsdynamodb.ITable, key awskms.IKey) {
	onTable(p, table, "dynamodb:UpdateItem")
	key.Grant(p, *kmsTable...)
}

// ReadFrom lets p read single items of table.
func ReadFrom(p awsiam.IGrantable, table awsdynamodb.ITable, key awskms.IKey) {
	onTable(p, table, "dynamodb:GetItem")
	key.Grant(p, *kmsDecrypt...)
}

// MoveMessages lets p start and follow SQS message move tasks from dlq
// back to source: the move task receives and deletes on the DLQ and sends
// to the source with p's permissions.
func MoveMessages(p awsiam.IGrantable, dlq, source awssqs.IQueue, key awskms.IKey) {
	dlq.Grant(p, jsii.String("sqs:StartMessageMoveTask"), jsii.String("sqs:ListMessageMoveTasks"),
		jsii.String("sqs:ReceiveMessage"), jsii.String("sqs:DeleteMessage"), jsii.String("sqs:GetQueueAttributes"))
	source.Grant(p, jsii.String("sqs:SendMessage"), jsii.String("sqs:GetQueueAttributes"))
	key.Grant(p, *kmsEncrypt...)
}

// ProbeStore lets p read the one item key of table and nothing else: the
// health checks' probe of the data plane (store.Probe). The
// dynamodb:LeadingKeys condition is how DynamoDB scopes item access by
// partition key (DynamoDB developer guide, "Using IAM policy conditions
// for fine-grained access control"); no grant method offers it.
func ProbeStore(p awsiam.IGrantable, table awsdynamodb.ITable, key awskms.IKey, probeKey string) {
	p.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:GetItem"), Resources: jsii.Strings(*table.TableArn()),
		Conditions: &map[string]interface{}{
			"ForAllValues:StringEquals": map[string]interface{}{"dynamodb:LeadingKeys": []string{probeKey}},
		},
	}))
	key.Grant(p, *kmsDecrypt...)
}

// CountIndex lets p count the items of one index of table, never read
// them: Query with the dynamodb:Select condition at COUNT (the parked
// payments' count, store.CountParked). No grant method offers it.
func CountIndex(p awsiam.IGrantable, table awsdynamodb.ITable, key awskms.IKey, index string) {
	p.GrantPrincipal().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("dynamodb:Query"), Resources: jsii.Strings(*table.TableArn() + "/index/" + index),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"dynamodb:Select": "COUNT"},
		},
	}))
	key.Grant(p, *kmsDecrypt...)
}
