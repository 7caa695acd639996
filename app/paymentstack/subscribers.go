package paymentstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// notifyOnCallTopic makes every alarm of the stack notify the existing
// topic at arn too, on ALARM and on OK, as they notify the stack's own
// alarm topic.
//
// Why the alarms publish to both topics rather than the stack's topic
// forwarding to the other: SNS has no topic-to-topic subscription (its
// protocols are http(s), email(-json), sms, sqs, application, lambda and
// firehose: SNS API Reference, Subscribe), so forwarding would need a
// function holding sns:Publish on the other topic and, when that topic is
// encrypted, kms:GenerateDataKey on a key this stack does not know. With
// the alarms publishing, CloudWatch is the publisher: the stack grants
// nothing, and the other topic's owner lets cloudwatch.amazonaws.com
// publish (its topic policy, and its key policy when it is encrypted with
// a customer-managed key), as this stack does for its own topic. The
// recovery workflow's notifications stay on the stack's topic; the alarms
// that call for a person reach both.
func notifyOnCallTopic(stack awscdk.Stack, arn string) {
	action := cwactions.NewSnsAction(awssns.Topic_FromTopicArn(stack, jsii.String("OnCallTopic"), jsii.String(arn)))
	for _, c := range *stack.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if alarm, ok := c.(cw.Alarm); ok {
			alarm.AddAlarmAction(action)
			alarm.AddOkAction(action)
		}
	}
}
