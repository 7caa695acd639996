package grants

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ServiceFor is the principal of an AWS service that may assume a role
// only on behalf of this account's resources named by sourceArns (the
// state machines or rules that use the role): the trust policy carries
// aws:SourceAccount and aws:SourceArn, so that no other account's or
// resource's request can make the service act with the role (the
// confused-deputy problem). Step Functions and EventBridge document both
// keys for the roles they assume.
func ServiceFor(scope constructs.Construct, service string, sourceArns ...*string) awsiam.IPrincipal {
	if len(sourceArns) == 0 {
		panic("grants: ServiceFor needs the ARNs of the resources that use the role")
	}
	return awsiam.NewServicePrincipal(jsii.String(service), &awsiam.ServicePrincipalOpts{
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()},
			"ArnEquals":    map[string]interface{}{"aws:SourceArn": sourceArns},
		},
	})
}
