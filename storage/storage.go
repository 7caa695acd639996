// Package storage holds the payment platform's stateful resources: the
// transactions table and the queues, each queue with its dead-letter queue.
package storage

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/internal/platform"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Physical names' resource types (see naming.Name).
const (
	TransactionsTable = platform.TransactionsTable
)

// NewTransactionsTable creates the transactions table: on-demand,
// point-in-time recovery, encrypted with key, TTL on idempotency records,
// the sparse index of parked payments (store.ParkedIndex), destroyed with
// the stack.
func NewTransactionsTable(scope constructs.Construct, id string, key awskms.IKey) awsdynamodb.Table {
	return newTransactionsTable(scope, id, key, naming.Name(scope, TransactionsTable))
}

// NewRestoredTransactionsTable is the transactions table for a table that
// was restored outside CloudFormation (cmd/restore) and that the stack
// adopts with `cdk import` (docs/runbook.md, "Restore"): the same
// definition as NewTransactionsTable's — on demand, point-in-time
// recovery, the key, TTL, the parked index, destroyed with the stack —
// named name, under the CloudFormation logical id logicalID (also the
// construct id). CloudFormation imports a resource only under a logical
// id its stack does not hold yet, and the import's resource mapping names
// it, so the id is set rather than derived from the construct path.
func NewRestoredTransactionsTable(scope constructs.Construct, logicalID string, key awskms.IKey, name string) awsdynamodb.Table {
	if logicalID == "" || name == "" {
		panic("storage: NewRestoredTransactionsTable needs a logical id and a table name")
	}
	table := newTransactionsTable(scope, logicalID, key, name)
	table.Node().DefaultChild().(awsdynamodb.CfnTable).OverrideLogicalId(jsii.String(logicalID))
	return table
}

func newTransactionsTable(scope constructs.Construct, id string, key awskms.IKey, name string) awsdynamodb.Table {
	table := awsdynamodb.NewTable(scope, jsii.String(id), &awsdynamodb.TableProps{
		TableName:    jsii.String(name),
		PartitionKey: &awsdynamodb.Attribute{Name: jsii.String(store.PartitionKey), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:  awsdynamodb.BillingMode_PAY_PER_REQUEST,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		Encryption:          awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:       key,
		TimeToLiveAttribute: jsii.String(store.TTLAttribute),
		DeletionProtection:  jsii.Bool(false),
		RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
	})
	// Only parked items carry the index's keys, so it holds nothing else.
	table.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
		IndexName:      jsii.String(store.ParkedIndex),
		PartitionKey:   &awsdynamodb.Attribute{Name: jsii.String(store.ParkedAttribute), Type: awsdynamodb.AttributeType_STRING},
		SortKey:        &awsdynamodb.Attribute{Name: jsii.String(store.ParkedAtAttribute), Type: awsdynamodb.AttributeType_STRING},
		ProjectionType: awsdynamodb.ProjectionType_ALL,
	})
	return table
}

// QueueProps configures a queue and its dead-letter queue.
type QueueProps struct {
	// ResourceType names the pair: "failed-transactions-queue" and
	// "failed-transactions-dlq".
	ResourceType string
	DLQType      string
	Key          awskms.IKey
	// Retention of the source queue; its DLQ always keeps 14 days, the
	// maximum, so operators have time to redrive.
	Retention         awscdk.Duration
	VisibilityTimeout awscdk.Duration
	MaxReceiveCount   float64
}

// QueueWithDLQ is a queue and the dead-letter queue its failures go to.
type QueueWithDLQ struct {
	Queue awssqs.Queue
	DLQ   awssqs.Queue
}

// NewQueueWithDLQ creates an encrypted, TLS-only queue whose messages move
// to an encrypted, TLS-only dead-letter queue after MaxReceiveCount
// receives. The DLQ's redrive-allow policy names this queue: no other
// queue may dead-letter into it.
func NewQueueWithDLQ(scope constructs.Construct, id string, props *QueueProps) QueueWithDLQ {
	if props == nil || props.ResourceType == "" || props.DLQType == "" || props.Key == nil ||
		props.Retention == nil || props.MaxReceiveCount < 1 {
		panic("storage: NewQueueWithDLQ needs ResourceType, DLQType, Key, Retention and MaxReceiveCount >= 1")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := naming.Name(c, props.ResourceType)
	// The source's ARN from its name: a reference to the queue itself
	// would make the two queues depend on each other.
	sourceArn := awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{Service: jsii.String("sqs"), Resource: jsii.String(name),
		ArnFormat: awscdk.ArnFormat_NO_RESOURCE_NAME})
	dlq := newDLQ(c, "DLQ", props.DLQType, props.Key, &awssqs.RedriveAllowPolicy{
		RedrivePermission: awssqs.RedrivePermission_BY_QUEUE,
		SourceQueues:      &[]awssqs.IQueue{awssqs.Queue_FromQueueArn(c, jsii.String("Source"), sourceArn)},
	})
	q := awssqs.NewQueue(c, jsii.String("Queue"), &awssqs.QueueProps{
		QueueName:           jsii.String(name),
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: props.Key,
		DataKeyReuse:        awscdk.Duration_Minutes(jsii.Number(5)),
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     props.Retention,
		VisibilityTimeout:   props.VisibilityTimeout,
		DeadLetterQueue:     &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(props.MaxReceiveCount)},
		RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
	})
	return QueueWithDLQ{Queue: q, DLQ: dlq}
}

// NewDeadLetterQueue creates an encrypted, TLS-only dead-letter queue that
// keeps messages for 14 days, for a service that sends to it directly
// (EventBridge, Lambda's asynchronous invocations): its redrive-allow
// policy lets no SQS queue dead-letter into it.
func NewDeadLetterQueue(scope constructs.Construct, id, resourceType string, key awskms.IKey) awssqs.Queue {
	return newDLQ(scope, id, resourceType, key, &awssqs.RedriveAllowPolicy{RedrivePermission: awssqs.RedrivePermission_DENY_ALL})
}

func newDLQ(scope constructs.Construct, id, resourceType string, key awskms.IKey, allow *awssqs.RedriveAllowPolicy) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		QueueName:           naming.NamePtr(scope, resourceType),
		Encryption:          awssqs.QueueEncryption_KMS,
		EncryptionMasterKey: key,
		DataKeyReuse:        awscdk.Duration_Minutes(jsii.Number(5)),
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     awscdk.Duration_Days(jsii.Number(14)),
		RedriveAllowPolicy:  allow,
		RemovalPolicy:       awscdk.RemovalPolicy_DESTROY,
	})
}

// NewServiceDeadLetterQueue creates a TLS-only dead-letter queue that keeps
// messages for 14 days, encrypted with SQS-managed keys rather than the
// data key: the dead-letter queue of asynchronous Lambda invocations, to
// which every function's role sends, while only the roles that read or
// write payment data may use the data key. The app makes no asynchronous
// invocation, so the queue holds nothing unless someone invokes a function
// by hand. Like NewDeadLetterQueue's, its redrive-allow policy lets no SQS
// queue dead-letter into it.
func NewServiceDeadLetterQueue(scope constructs.Construct, id, resourceType string) awssqs.Queue {
	return awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		QueueName:          naming.NamePtr(scope, resourceType),
		Encryption:         awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:         jsii.Bool(true),
		RetentionPeriod:    awscdk.Duration_Days(jsii.Number(14)),
		RedriveAllowPolicy: &awssqs.RedriveAllowPolicy{RedrivePermission: awssqs.RedrivePermission_DENY_ALL},
		RemovalPolicy:      awscdk.RemovalPolicy_DESTROY,
	})
}
