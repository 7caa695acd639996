// Package golambda builds a Go Lambda function the way every function of
// this app is built: compiled by the app itself for provided.al2023 on
// arm64, with its own role, its own encrypted log group with a retention
// period, JSON logs, X-Ray active tracing, an explicit timeout and memory
// size and no reserved concurrency.
package golambda

import (
	"fmt"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

// StubCodeContextKey, set to true in CDK context, packages each function's
// source folder instead of building it. Only tests that compare resource
// names across several syntheses use it, to skip the Go builds.
const StubCodeContextKey = "test:stubLambdaCode"

// Props configures one function.
type Props struct {
	// ModuleDir is the directory of the Go module that holds Entry.
	ModuleDir string
	// Entry is the main package, relative to ModuleDir
	// ("./tasks/validate/lambda").
	Entry string
	// ResourceType names the function: "validate-function" becomes the
	// function validate-function-<suffix>.
	ResourceType string
	Description  string
	Timeout      awscdk.Duration
	MemorySize   float64
	Environment  map[string]*string
	// LogRetention applies to the function's log group.
	LogRetention awslogs.RetentionDays
	// EncryptionKey encrypts the log group and the environment variables;
	// the function's role gets no use of it from this package.
	EncryptionKey awskms.IKey
	// DeadLetterQueue receives the events of failed asynchronous
	// invocations. The app invokes every function synchronously (Step
	// Functions, API Gateway, SQS event source), so it stays empty unless
	// someone invokes a function asynchronously by hand. Lambda sends to
	// it with the function's role, which has no use of the data key: the
	// queue must be encrypted with SQS-managed keys
	// (storage.NewServiceDeadLetterQueue).
	DeadLetterQueue awssqs.IQueue
}

// Function is a built Go function with the role and log group it owns.
type Function struct {
	Function awslambda.Function
	Role     awsiam.Role
	LogGroup awslogs.LogGroup
}

// New creates the function, its role and its log group.
func New(scope constructs.Construct, id string, props *Props) *Function {
	switch {
	case props == nil:
		panic("golambda: props are required")
	case props.ModuleDir == "" || props.Entry == "" || props.ResourceType == "":
		panic(fmt.Sprintf("golambda %s: ModuleDir, Entry and ResourceType are required", id))
	case props.Timeout == nil || props.MemorySize == 0:
		panic(fmt.Sprintf("golambda %s: an explicit Timeout and MemorySize are required", id))
	case props.LogRetention == "":
		panic(fmt.Sprintf("golambda %s: LogRetention is required", id))
	case props.EncryptionKey == nil || props.DeadLetterQueue == nil:
		panic(fmt.Sprintf("golambda %s: EncryptionKey and DeadLetterQueue are required", id))
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := naming.Name(c, props.ResourceType)

	logGroup := awslogs.NewLogGroup(c, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/lambda/" + name),
		Retention:     props.LogRetention,
		EncryptionKey: props.EncryptionKey,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// A role of its own with no managed policy: the function may write to
	// its own log group and nothing else until a grant says so.
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		RoleName:    jsii.String(name + "-role"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Execution role of " + name),
	})
	logGroup.GrantWrite(role)

	code := awslambda.Code_FromAsset(jsii.String(filepath.Join(props.ModuleDir, props.Entry)), &awss3assets.AssetOptions{
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling: &awscdk.BundlingOptions{
			// Never used: local bundling always succeeds or fails the synth.
			Image: awscdk.DockerImage_FromRegistry(jsii.String("none")),
			Local: &goBundler{moduleDir: props.ModuleDir, entry: props.Entry},
		},
	})
	if c.Node().TryGetContext(jsii.String(StubCodeContextKey)) == true {
		code = awslambda.Code_FromAsset(jsii.String(filepath.Join(props.ModuleDir, props.Entry)), nil)
	} else {
		builds.register(props.ModuleDir, props.Entry)
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName:          jsii.String(name),
		Description:           jsii.String(props.Description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  code,
		Timeout:               props.Timeout,
		MemorySize:            jsii.Number(props.MemorySize),
		Environment:           &props.Environment,
		EnvironmentEncryption: props.EncryptionKey,
		Role:                  role,
		LogGroup:              logGroup,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_WARN,
		Tracing:               awslambda.Tracing_ACTIVE,
		DeadLetterQueue:       props.DeadLetterQueue,
	})
	// The role gets no use of the key: Lambda decrypts the environment
	// through a grant it makes at deployment, CloudWatch Logs encrypts the
	// log group through the key policy, and the dead-letter queue must not
	// need the data key (see DeadLetterQueue).
	return &Function{Function: fn, Role: role, LogGroup: logGroup}
}
