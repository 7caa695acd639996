package paymentstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppression is one accepted cdk-nag finding: the rule, the resources it
// applies to (construct paths under the stack), optionally the exact
// findings (cdk-nag's appliesTo, e.g. "Resource::*"), and the reason a
// reviewer accepted it. docs/security.md lists the same table; a test
// checks the two agree and that cdk-nag finds nothing else.
type Suppression struct {
	Rule      string
	Paths     []string
	AppliesTo []string
	Reason    string
}

var functionPolicies = []string{
	"Validate/Role/DefaultPolicy/Resource", "Persist/Role/DefaultPolicy/Resource", "Enqueue/Role/DefaultPolicy/Resource",
	"Reprocess/Role/DefaultPolicy/Resource", "GetPayment/Role/DefaultPolicy/Resource", "Health/Role/DefaultPolicy/Resource",
	"HealthMonitor/Role/DefaultPolicy/Resource",
}

var functions = []string{
	"Validate/Function/Resource", "Persist/Function/Resource", "Enqueue/Function/Resource", "Reprocess/Function/Resource",
	"GetPayment/Function/Resource", "Health/Function/Resource", "HealthMonitor/Function/Resource",
}

// Suppressions are every cdk-nag finding the app accepts.
var Suppressions = []Suppression{
	{
		Rule:      "AwsSolutions-IAM5",
		Paths:     append(append([]string{}, functionPolicies...), "PaymentsWorkflow/Role/DefaultPolicy/Resource", "Recovery/Role/DefaultPolicy/Resource"),
		AppliesTo: []string{"Resource::*"},
		Reason: "Only actions without resource-level permissions get '*': xray:PutTraceSegments/PutTelemetryRecords (active tracing), " +
			"the logs:*LogDelivery and Describe* actions Step Functions needs to log, and cloudwatch:PutMetricData (recovery metrics). " +
			"TestNoWildcardResourceOutsideServicesThatRequireIt enforces that list.",
	},
	{
		Rule:  "AwsSolutions-IAM5",
		Paths: []string{"PaymentsWorkflow/Role/DefaultPolicy/Resource", "Recovery/Role/DefaultPolicy/Resource"},
		AppliesTo: []string{"Resource::<ValidateFunction2E581753.Arn>:*", "Resource::<PersistFunction29066D4E.Arn>:*",
			"Resource::<EnqueueFunction7C3706D6.Arn>:*", "Resource::<HealthMonitorFunction0FC05059.Arn>:*"},
		Reason: "lambda:InvokeFunction on the versions and aliases (':*') of the workflow's own functions, as CDK's LambdaInvoke grants; no other function.",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Paths:     []string{"Recovery/Role/DefaultPolicy/Resource"},
		AppliesTo: []string{"Action::kms:GenerateDataKey*"},
		Reason:    "Added by CDK's SnsPublish task for the encrypted alarm topic; the statement is limited to the app's own key.",
	},
	{
		Rule:      "AwsSolutions-IAM5",
		Paths:     []string{"Api/CloudWatchRole/DefaultPolicy/Resource"},
		AppliesTo: []string{"Resource::arn:aws:logs:us-east-1:<AWS::AccountId>:log-group:*"},
		Reason: "The account-level API Gateway logging role writes execution and access logs for every API of the account; " +
			"it is AWS's AmazonAPIGatewayPushToCloudWatchLogs limited to this account and region.",
	},
	{
		Rule: "PCI.DSS.321-IAMNoInlinePolicy",
		Paths: append(append([]string{}, functionPolicies...), "PaymentsWorkflow/Role/DefaultPolicy/Resource",
			"Recovery/Role/DefaultPolicy/Resource", "Recovery/EventsRole/DefaultPolicy/Resource",
			"Api/CloudWatchRole/DefaultPolicy/Resource", "Api/StartSyncExecutionRole/DefaultPolicy/Resource"),
		Reason: "Each policy is CDK's grant policy of one role that serves one function or workflow, written from grant methods on named " +
			"resources; a customer-managed policy would hold the same statements and be attached to the same single role, so " +
			"central reuse (the control's aim) does not apply.",
	},
	{
		Rule:  "PCI.DSS.321-LambdaInsideVPC",
		Paths: functions,
		Reason: "The functions reach only AWS APIs (DynamoDB, SQS, CloudWatch, X-Ray) over TLS with IAM, hold no card data (it is refused " +
			"at validation) and serve no inbound network; a VPC would add NAT or six interface endpoints without shrinking the data path.",
	},
	{
		Rule:  "Serverless-SQSRedrivePolicy",
		Paths: []string{"FailedTransactions/DLQ/Resource", "Recovery/TriggerDLQ/Resource", "LambdaAsyncDLQ/Resource"},
		Reason: "These are dead-letter queues: a DLQ of a DLQ only moves the problem. Each has a depth alarm, keeps messages 14 days, " +
			"and the failed-transactions DLQ is redriven by the recovery workflow.",
	},
	{
		Rule:   "AwsSolutions-SQS3",
		Paths:  []string{"Recovery/TriggerDLQ/Resource", "LambdaAsyncDLQ/Resource"},
		Reason: "Dead-letter queues of EventBridge targets and of asynchronous Lambda invocations, which cdk-nag cannot see as DLQs.",
	},
	{
		Rule:  "Serverless-LambdaEventSourceMappingDestination",
		Paths: []string{"Reprocess/Function/SqsEventSource:PaymentPlatformFailedTransactionsQueueD5D7D655/Resource"},
		Reason: "SQS event source mappings do not support on-failure destinations; a message that keeps failing is dead-lettered " +
			"(by the function on its 5th receive, counting its redrives; by SQS after maxReceiveCount if the function crashes), " +
			"alarmed and redriven, and parked with its reason past 3 redrives.",
	},
	{
		Rule: "AwsSolutions-COG4",
		Paths: []string{"Api/RestApi/Default/payments/POST/Resource", "Api/RestApi/Default/payments/{id}/GET/Resource",
			"Api/RestApi/Default/health/GET/Resource", "Api/RestApi/Default/health/report/GET/Resource"},
		Reason: "Payment routes and GET /health/report use IAM (SigV4) authorization: callers are services and operators of the " +
			"payments company, not end users with Cognito identities. GET /health is public by design (see AwsSolutions-APIG4).",
	},
	{
		Rule:  "AwsSolutions-APIG4",
		Paths: []string{"Api/RestApi/Default/health/GET/Resource"},
		Reason: "GET /health is public for load balancers and status pages; it answers {\"status\": ...} only (the report is the " +
			"signed GET /health/report), is throttled to 20 requests/s (burst 40) and has its own WAF rule of 100 requests per " +
			"5 minutes per IP.",
	},
	{
		Rule:  "PCI.DSS.321-APIGWCacheEnabledAndEncrypted",
		Paths: []string{"Api/RestApi/DeploymentStage.v1/Resource"},
		Reason: "Caching is off on purpose: responses are per-request payment results; a cache could serve one client's payment to " +
			"another or a stale status. With no cache there is no cached data to encrypt.",
	},
}

// AddSuppressions attaches Suppressions to the stack's resources. A path
// that matches nothing fails the synthesis, so no suppression outlives its
// resource.
func AddSuppressions(stack awscdk.Stack) {
	for _, s := range Suppressions {
		var applies *[]interface{}
		if len(s.AppliesTo) > 0 {
			a := make([]interface{}, len(s.AppliesTo))
			for i, x := range s.AppliesTo {
				a[i] = x
			}
			applies = &a
		}
		for _, p := range s.Paths {
			cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*stack.Node().Id()+"/"+p),
				&[]*cdknag.NagPackSuppression{{Id: jsii.String(s.Rule), Reason: jsii.String(s.Reason), AppliesTo: applies}}, jsii.Bool(false))
		}
	}
}
