// Package statemachine creates a state machine the way every workflow of
// this app is created: its own named role, an encrypted log group at level
// ALL (what the console needs to show an execution's steps), with
// execution data (inputs and outputs) unless card data could reach them,
// X-Ray tracing, a timeout, and nothing retained.
package statemachine

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/grants"
)

// Props configures one state machine.
type Props struct {
	// Name is the physical name (from the naming helper).
	Name         string
	Type         sfn.StateMachineType
	Comment      string
	Definition   sfn.IChainable
	Timeout      awscdk.Duration
	LogRetention awslogs.RetentionDays
	Key          awskms.IKey
	// OmitExecutionData keeps inputs, outputs and parameters out of the
	// execution logs (and so out of the console): set it for a workflow
	// whose input may hold card data, which must reach no log.
	OmitExecutionData bool
}

// New creates the state machine, its role and its log group in scope.
func New(scope constructs.Construct, props *Props) (sfn.StateMachine, awslogs.LogGroup) {
	if props == nil || props.Name == "" || props.Definition == nil || props.Timeout == nil || props.Key == nil || props.LogRetention == "" {
		panic("statemachine: Name, Definition, Timeout, Key and LogRetention are required")
	}
	logGroup := awslogs.NewLogGroup(scope, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		// The /aws/vendedlogs/ prefix keeps CloudWatch Logs' resource
		// policy small when many state machines log.
		LogGroupName:  jsii.String("/aws/vendedlogs/states/" + props.Name),
		Retention:     props.LogRetention,
		EncryptionKey: props.Key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// Its own named role, which Step Functions may assume for this state
	// machine only; the tasks' grants add exactly what they call.
	ownArn := awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{Service: jsii.String("states"),
		Resource: jsii.String("stateMachine"), ResourceName: jsii.String(props.Name), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.Name + "-role"),
		AssumedBy:   grants.ServiceFor(scope, "states.amazonaws.com", ownArn),
		Description: jsii.String("Execution role of " + props.Name),
	})
	sm := sfn.NewStateMachine(scope, jsii.String("StateMachine"), &sfn.StateMachineProps{
		StateMachineName: jsii.String(props.Name),
		Role:             role,
		StateMachineType: props.Type,
		Comment:          jsii.String(props.Comment),
		DefinitionBody:   sfn.DefinitionBody_FromChainable(props.Definition),
		Logs:             &sfn.LogOptions{Destination: logGroup, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(!props.OmitExecutionData)},
		TracingEnabled:   jsii.Bool(true),
		Timeout:          props.Timeout,
		RemovalPolicy:    awscdk.RemovalPolicy_DESTROY,
	})
	return sm, logGroup
}
