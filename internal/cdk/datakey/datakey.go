// Package datakey creates the one customer-managed KMS key that encrypts
// the app's data at rest: the transactions table, every queue, the alarm
// topic and every log group.
package datakey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

// PendingWindowDays is how long the key waits, disabled, between the
// stack's deletion and its own: KMS's maximum (7 to 30 days). A deleted
// table's PITR system backup (kept 35 days) and anything else encrypted
// with the key can be read only while the key exists; within these days
// an operator can cancel the deletion (docs/runbook.md, "Destroying an
// environment").
const PendingWindowDays = 30

// New returns a rotating key, destroyed with the stack after the longest
// pending window KMS allows, PendingWindowDays. Besides the account (whose IAM policies grant each role
// what it needs), its policy lets exactly the services that encrypt on the
// app's behalf use it: CloudWatch alarms publishing to the encrypted
// topic, EventBridge writing to the encrypted trigger dead-letter queue,
// and, once AllowLogGroups names them, CloudWatch Logs for the app's log
// groups.
func New(scope constructs.Construct, id string) awskms.Key {
	stack := awscdk.Stack_Of(scope)
	key := awskms.NewKey(scope, jsii.String(id), &awskms.KeyProps{
		Alias:             jsii.String("alias/" + naming.Name(scope, "data-key")),
		Description:       jsii.String("Encrypts payment data, queues, alarm topic and logs of " + naming.Suffix(scope)),
		EnableKeyRotation: jsii.Bool(true),
		PendingWindow:     awscdk.Duration_Days(jsii.Number(PendingWindowDays)),
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
	})
	for sid, service := range map[string]string{
		"CloudWatchAlarmsToEncryptedTopic":  "cloudwatch.amazonaws.com",
		"EventBridgeToEncryptedDeadLetters": "events.amazonaws.com",
	} {
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceAccount": stack.Account()},
			},
		}), jsii.Bool(false))
	}
	return key
}

// LogsActions are the actions CloudWatch Logs calls on the key of an
// encrypted log group: AWS's documented key policy grants Encrypt*,
// Decrypt*, ReEncrypt*, GenerateDataKey* and Describe*; these are the
// same, spelled out, without the data key pairs it never asks for.
var LogsActions = []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
	"kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"}

// AllowLogGroups lets CloudWatch Logs use key for the named log groups of
// this account and region, and for no other log group: the encryption
// context of every use names the log group
// (kms:EncryptionContext:aws:logs:arn). A name may hold a token (the API
// stage's execution log group is named after the API's id): its ARN is
// then an Fn::Join that CloudFormation resolves in the policy, still one
// exact log group, never a wildcard. Call it once, when every log group of
// the stack exists.
func AllowLogGroups(key awskms.Key, logGroupNames []string) {
	if len(logGroupNames) == 0 {
		panic("datakey: AllowLogGroups needs the log group names")
	}
	stack := awscdk.Stack_Of(key)
	arns := make([]*string, len(logGroupNames))
	for i, name := range logGroupNames {
		arns[i] = stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsOfTheAppsLogGroups"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logs."+*stack.Region()+".amazonaws.com"), nil)},
		Actions:    jsii.Strings(LogsActions...),
		// In a key policy "*" means this key.
		Resources: jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"ArnEquals": map[string]interface{}{"kms:EncryptionContext:aws:logs:arn": arns},
		},
	}), jsii.Bool(false))
}
