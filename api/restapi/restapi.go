// Package restapi is the construct that deploys the payment platform's REST
// API (API Gateway, its stage, logs and web ACL): POST /payments starts the
// payments workflow synchronously, GET /payments/{id} reads a transaction,
// GET /health reports the platform's health. What the API answers (the
// mapping templates, gateway responses, caller identity) is package api,
// which does not import the CDK, so that the local runner serves the same
// API without linking it.
package restapi

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sfn "github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
)

// Props configures the API.
type Props struct {
	Payments      sfn.IStateMachine
	GetPayment    awslambda.IFunction
	Health        awslambda.IFunction
	ThrottleRate  float64
	ThrottleBurst float64
	LogRetention  awslogs.RetentionDays
	Key           awskms.IKey
	// HealthThrottleRate and HealthThrottleBurst limit the public
	// GET /health route, shared by every caller.
	HealthThrottleRate, HealthThrottleBurst float64
	// WAFRatePer5Minutes is the per-IP request limit of the web ACL.
	WAFRatePer5Minutes float64
	// HealthWAFRatePer5Minutes is the per-IP limit of GET /health alone
	// (a WAF rule scoped to the path): a monitor checks every 10 to 30 s,
	// so no single client can take the method throttle's share of others.
	HealthWAFRatePer5Minutes float64
	// CloudWatchRole creates the account-level role API Gateway needs to
	// write access logs (destroyed with the stack). Turn it off when the
	// account already has one, e.g. for a second environment suffix.
	CloudWatchRole bool
}

// API is the REST API and its log groups.
type API struct {
	RestAPI   apigw.RestApi
	AccessLog awslogs.LogGroup
	// ExecutionLog is the stage's execution log group, which API Gateway
	// names API-Gateway-Execution-Logs_<rest API id>/<stage>.
	ExecutionLog awslogs.LogGroup
}

// New creates the REST API.
func New(scope constructs.Construct, id string, props *Props) *API {
	if props == nil || props.Payments == nil || props.GetPayment == nil || props.Health == nil || props.Key == nil ||
		props.ThrottleRate <= 0 || props.ThrottleBurst <= 0 || props.LogRetention == "" ||
		props.HealthThrottleRate <= 0 || props.HealthThrottleBurst <= 0 || props.WAFRatePer5Minutes < 100 ||
		props.HealthWAFRatePer5Minutes < 100 {
		panic("api: Payments, GetPayment, Health, Key, LogRetention, positive throttling limits and WAF rates >= 100 are required")
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	name := naming.Name(c, "payments-api")
	accessLog := awslogs.NewLogGroup(c, jsii.String("AccessLog"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String("/aws/apigateway/" + name + "-access"),
		Retention:     props.LogRetention,
		EncryptionKey: props.Key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	// API Gateway authenticates itself to HTTP backends with this
	// certificate; the backends here are AWS services, so it is defence in
	// depth should an HTTP integration ever be added.
	cert := apigw.NewCfnClientCertificate(c, jsii.String("ClientCertificate"), &apigw.CfnClientCertificateProps{
		Description: jsii.String(name + " backend certificate"),
	})
	cert.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	rest := apigw.NewRestApi(c, jsii.String("RestApi"), &apigw.RestApiProps{
		RestApiName:   jsii.String(name),
		Description:   jsii.String("Resilient payment API (" + naming.Suffix(c) + ")"),
		EndpointTypes: &[]apigw.EndpointType{apigw.EndpointType_REGIONAL},
		// The account-level role is made below, named and destroyable.
		CloudWatchRole: jsii.Bool(false),
		DeployOptions: &apigw.StageOptions{
			StageName:           jsii.String(api.StageName),
			ClientCertificateId: cert.Ref(),
			MethodOptions: &map[string]*apigw.MethodDeploymentOptions{
				"/health/GET": {ThrottlingRateLimit: jsii.Number(props.HealthThrottleRate), ThrottlingBurstLimit: jsii.Number(props.HealthThrottleBurst)},
			},
			ThrottlingRateLimit:  jsii.Number(props.ThrottleRate),
			ThrottlingBurstLimit: jsii.Number(props.ThrottleBurst),
			TracingEnabled:       jsii.Bool(true),
			MetricsEnabled:       jsii.Bool(true),
			LoggingLevel:         apigw.MethodLoggingLevel_ERROR,
			// Full request/response logging would write request bodies,
			// which may hold card data, to CloudWatch: never.
			DataTraceEnabled:     jsii.Bool(false),
			AccessLogDestination: apigw.NewLogGroupLogDestination(accessLog),
			AccessLogFormat: apigw.AccessLogFormat_JsonWithStandardFields(&apigw.JsonWithStandardFieldProps{
				Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
		},
	})

	execLog := executionLogGroup(c, rest, props)

	// TLS 1.2 minimum on the default endpoint (API Gateway's security
	// policies for REST APIs; the L2 has no property for it yet).
	rest.Node().DefaultChild().(apigw.CfnRestApi).SetSecurityPolicy(jsii.String("TLS_1_2"))
	if props.CloudWatchRole {
		accountLogsRole(c, rest)
	}

	for _, gr := range api.GatewayResponses() {
		opts := &apigw.GatewayResponseOptions{
			Type:            apigw.ResponseType_Of(jsii.String(gr.Type)),
			Templates:       &map[string]*string{"application/json": jsii.String(gr.Template)},
			ResponseHeaders: &map[string]*string{"Content-Type": jsii.String("'" + api.ProblemContentType + "'")},
		}
		if gr.Status != 0 {
			opts.StatusCode = jsii.String(strconv.Itoa(gr.Status))
		}
		rest.AddGatewayResponse(jsii.String("Gateway"+gr.Type), opts)
	}
	newWebACL(c, rest.DeploymentStage().StageArn(), props.WAFRatePer5Minutes, props.HealthWAFRatePer5Minutes, props.LogRetention, props.Key)

	required := make([]*string, len(api.RequiredFields))
	for i, f := range api.RequiredFields {
		required[i] = jsii.String(f)
	}
	model := rest.AddModel(jsii.String("PaymentRequest"), &apigw.ModelOptions{
		ContentType: jsii.String("application/json"),
		ModelName:   jsii.String("PaymentRequest"),
		Description: jsii.String("Presence of the required fields; the Validate task checks the rest"),
		Schema: &apigw.JsonSchema{
			Schema: apigw.JsonSchemaVersion_DRAFT4, Title: jsii.String("PaymentRequest"),
			Type: apigw.JsonSchemaType_OBJECT, Required: &required,
		},
	})
	validator := rest.AddRequestValidator(jsii.String("PaymentValidator"), &apigw.RequestValidatorOptions{
		RequestValidatorName:      naming.NamePtr(c, "payment-request-validator"),
		ValidateRequestBody:       jsii.Bool(true),
		ValidateRequestParameters: jsii.Bool(true),
	})

	payments := rest.Root().AddResource(jsii.String("payments"), nil)
	payments.AddMethod(jsii.String("POST"), startSyncExecution(c, props.Payments), &apigw.MethodOptions{
		OperationName:     jsii.String("CreatePayment"),
		AuthorizationType: apigw.AuthorizationType_IAM,
		RequestValidator:  validator,
		RequestModels:     &map[string]apigw.IModel{"application/json": model},
		RequestParameters: &map[string]*bool{"method.request.header." + api.IdempotencyKeyHeader: jsii.Bool(true)},
		MethodResponses:   methodResponses("200", "201", "202", "400", "409", "413", "415", "422", "429", "500", "503", "504"),
	})
	payments.AddResource(jsii.String("{id}"), nil).AddMethod(jsii.String("GET"),
		apigw.NewLambdaIntegration(props.GetPayment, &apigw.LambdaIntegrationOptions{AllowTestInvoke: jsii.Bool(false)}),
		&apigw.MethodOptions{
			OperationName:     jsii.String("GetPayment"),
			AuthorizationType: apigw.AuthorizationType_IAM,
		})
	// GET /health is public and says the status only (monitors read it
	// unsigned); GET /health/report, the same function, gives the full
	// report to SigV4-signed callers IAM allows (tasks/health).
	healthIntegration := apigw.NewLambdaIntegration(props.Health, &apigw.LambdaIntegrationOptions{AllowTestInvoke: jsii.Bool(false)})
	health := rest.Root().AddResource(jsii.String("health"), nil)
	health.AddMethod(jsii.String("GET"), healthIntegration,
		&apigw.MethodOptions{OperationName: jsii.String("GetHealth"), AuthorizationType: apigw.AuthorizationType_NONE})
	health.AddResource(jsii.String("report"), nil).AddMethod(jsii.String("GET"), healthIntegration,
		&apigw.MethodOptions{OperationName: jsii.String("GetHealthReport"), AuthorizationType: apigw.AuthorizationType_IAM})
	return &API{RestAPI: rest, AccessLog: accessLog, ExecutionLog: execLog}
}

// executionLogGroup creates the stage's execution log group before the
// stage: LoggingLevel ERROR makes API Gateway write there, and creates the
// group itself, without retention or the customer key and left behind by
// a destroy, when it does not exist yet. The stage depends on the group, so
// CloudFormation creates the group first and deletes it after the stage.
// Its name holds the API id, a token: the key policy (datakey.AllowLogGroups)
// names it with the same Fn::Join.
func executionLogGroup(scope constructs.Construct, rest apigw.RestApi, props *Props) awslogs.LogGroup {
	name := awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String(api.ExecutionLogPrefix), rest.RestApiId(), jsii.String("/" + api.StageName)})
	lg := awslogs.NewLogGroup(scope, jsii.String("ExecutionLog"), &awslogs.LogGroupProps{
		LogGroupName:  name,
		Retention:     props.LogRetention,
		EncryptionKey: props.Key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	rest.DeploymentStage().Node().AddDependency(lg)
	return lg
}

// startSyncExecution is the AWS integration of POST /payments. Its role may
// start synchronous executions of the payments workflow and nothing else.
func startSyncExecution(scope constructs.Construct, sm sfn.IStateMachine) apigw.Integration {
	role := awsiam.NewRole(scope, jsii.String("StartSyncExecutionRole"), &awsiam.RoleProps{
		RoleName:    naming.NamePtr(scope, "payments-api-role"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("Lets API Gateway start synchronous executions of the payments workflow"),
	})
	sm.GrantStartSyncExecution(role)
	return apigw.NewAwsIntegration(&apigw.AwsIntegrationProps{
		Service:               jsii.String("states"),
		Action:                jsii.String("StartSyncExecution"),
		IntegrationHttpMethod: jsii.String("POST"),
		Options: &apigw.IntegrationOptions{
			CredentialsRole: role,
			// Only JSON bodies reach the workflow; anything else is 415.
			PassthroughBehavior: apigw.PassthroughBehavior_NEVER,
			RequestTemplates:    &map[string]*string{"application/json": jsii.String(api.RequestTemplate(*sm.StateMachineArn()))},
			IntegrationResponses: &[]*apigw.IntegrationResponse{
				{StatusCode: jsii.String("200"), ResponseTemplates: &map[string]*string{"application/json": jsii.String(api.ResponseTemplate())}},
				// Step Functions refused the call with a client error (an
				// input over 256 KiB, throttling, a misconfiguration): a 4xx
				// problem or a 500, never 503, and never its message.
				{StatusCode: jsii.String("500"), SelectionPattern: jsii.String(`4\d{2}`),
					ResponseTemplates: &map[string]*string{"application/json": jsii.String(api.StartFailureTemplate())}},
				// Step Functions failed (5xx): a retry with the same key can
				// succeed.
				{StatusCode: jsii.String("503"), SelectionPattern: jsii.String(`5\d{2}`),
					ResponseTemplates: &map[string]*string{"application/json": jsii.String(api.GenericProblemBody(503))}},
			},
		},
	})
}

// accountLogsRole sets the account's API Gateway CloudWatch role, without
// which a stage cannot write access logs. The setting is per account and
// region, so only one environment suffix per account should create it.
func accountLogsRole(scope constructs.Construct, rest apigw.RestApi) {
	role := awsiam.NewRole(scope, jsii.String("CloudWatchRole"), &awsiam.RoleProps{
		RoleName:    naming.NamePtr(scope, "apigateway-cloudwatch-role"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("Lets API Gateway write access and execution logs"),
	})
	stack := awscdk.Stack_Of(scope)
	logGroups := stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("logs"), Resource: jsii.String("log-group"),
		ResourceName: jsii.String("*"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME})
	// The same actions as AWS's AmazonAPIGatewayPushToCloudWatchLogs
	// managed policy, limited to this account's log groups in this region:
	// the role is account-wide and writes logs for every API.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogGroups",
			"logs:DescribeLogStreams", "logs:PutLogEvents", "logs:GetLogEvents", "logs:FilterLogEvents"),
		Resources: jsii.Strings(*logGroups),
	}))
	account := apigw.NewCfnAccount(scope, jsii.String("Account"), &apigw.CfnAccountProps{CloudWatchRoleArn: role.RoleArn()})
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_DESTROY, nil)
	rest.Node().AddDependency(account)
}

func methodResponses(codes ...string) *[]*apigw.MethodResponse {
	out := make([]*apigw.MethodResponse, len(codes))
	for i, c := range codes {
		out[i] = &apigw.MethodResponse{StatusCode: jsii.String(c)}
	}
	return &out
}
