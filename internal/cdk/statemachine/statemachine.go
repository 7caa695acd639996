// Package statemachine creates a state machine the way every workflow of
// this app is created: its own named role, an encrypted log group at level
// ALL (what the console needs to show an execution's steps), with the
// states' inputs and outputs where the workflow says they may be logged,
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
	// IncludeExecutionData logs every state's input and output. Only a
	// workflow whose input can never carry client data may: the payments
	// workflow's input is the raw request, where card data can be.
	IncludeExecutionData bool
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
	// Its own named role; the tasks' grants add exactly what they call.
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(props.Name + "-role"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("states.amazonaws.com"), nil),
		Description: jsii.String("Execution role of " + props.Name),
	})
	sm := sfn.NewStateMachine(scope, jsii.String("StateMachine"), &sfn.StateMachineProps{
		StateMachineName: jsii.String(props.Name),
		Role:             role,
		StateMachineType: props.Type,
		Comment:          jsii.String(props.Comment),
		DefinitionBody:   sfn.DefinitionBody_FromChainable(props.Definition),
		Logs:             &sfn.LogOptions{Destination: logGroup, Level: sfn.LogLevel_ALL, IncludeExecutionData: jsii.Bool(props.IncludeExecutionData)},
		TracingEnabled:   jsii.Bool(true),
		Timeout:          props.Timeout,
		RemovalPolicy:    awscdk.RemovalPolicy_DESTROY,
	})
	return sm, logGroup
}
