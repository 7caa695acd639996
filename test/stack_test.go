package test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/api"
)

// These tests check the rules of PRODUCT.md's "Infrastructure rules" that
// hold for every resource of the stack. GIVEN the real app synthesized with
// cdk.json's context, WHEN a rule is checked over every resource, THEN no
// resource breaks it.

const suffix = "dev"

func props(r map[string]interface{}) map[string]interface{} {
	p, _ := r["Properties"].(map[string]interface{})
	if p == nil {
		return map[string]interface{}{}
	}
	return p
}

func toJSON(v interface{}) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// nameProperties are the properties that hold a physical name, per type.
var nameProperties = map[string]string{
	"AWS::DynamoDB::Table":              "TableName",
	"AWS::SQS::Queue":                   "QueueName",
	"AWS::Lambda::Function":             "FunctionName",
	"AWS::IAM::Role":                    "RoleName",
	"AWS::SNS::Topic":                   "TopicName",
	"AWS::StepFunctions::StateMachine":  "StateMachineName",
	"AWS::Events::Rule":                 "Name",
	"AWS::CloudWatch::Alarm":            "AlarmName",
	"AWS::CloudWatch::Dashboard":        "DashboardName",
	"AWS::Logs::LogGroup":               "LogGroupName",
	"AWS::ApiGateway::RestApi":          "Name",
	"AWS::KMS::Alias":                   "AliasName",
	"AWS::WAFv2::WebACL":                "Name",
	"AWS::ApiGateway::RequestValidator": "Name",
	"AWS::Logs::MetricFilter":           "FilterName",
}

// unnamed are the types that have no physical name we could set, or whose
// name is assigned by AWS.
var unnamed = map[string]bool{
	"AWS::ApiGateway::Account": true, "AWS::ApiGateway::Deployment": true, "AWS::ApiGateway::Method": true,
	"AWS::ApiGateway::Resource": true, "AWS::ApiGateway::Stage": true, "AWS::CDK::Metadata": true,
	"AWS::IAM::Policy": true, "AWS::KMS::Key": true, "AWS::Lambda::EventSourceMapping": true,
	"AWS::Lambda::Permission": true, "AWS::SNS::TopicPolicy": true, "AWS::SQS::QueuePolicy": true,
	"AWS::SNS::Subscription":        true,
	"AWS::WAFv2::WebACLAssociation": true, "AWS::WAFv2::LoggingConfiguration": true,
	"AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGateway::ClientCertificate": true,
	// A model's name is scoped to its API, not to the account.
	"AWS::ApiGateway::Model": true,
}

func physicalNames(t *testing.T, s *synthesized) map[string]string {
	t.Helper()
	names := map[string]string{}
	for id, r := range s.Resources("") {
		typ := r["Type"].(string)
		if unnamed[typ] {
			continue
		}
		prop, ok := nameProperties[typ]
		if !ok {
			t.Errorf("%s (%s): no naming rule for this type; add its name property to nameProperties", id, typ)
			continue
		}
		if typ == "AWS::Logs::LogGroup" && strings.HasPrefix(flatJoin(props(r)[prop]), api.ExecutionLogPrefix) {
			// API Gateway names it after the API's id
			// (TestTheStackOwnsTheAPIsExecutionLogGroup).
			continue
		}
		name, ok := props(r)[prop].(string)
		if !ok {
			t.Errorf("%s (%s): %s is %v, want a literal name from the naming helper", id, typ, prop, props(r)[prop])
			continue
		}
		names[id] = name
	}
	return names
}

func TestEveryNamedResourceIsNamedTypeDashSuffix(t *testing.T) {
	s := synth(t, suffix)
	pattern := regexp.MustCompile(`^(alias/|/aws/(lambda|vendedlogs/states|apigateway)/)?[a-z0-9]+(-[a-z0-9]+)*-` + suffix + `(-role|-access)?$`)
	for id, name := range physicalNames(t, s) {
		if !pattern.MatchString(name) {
			t.Errorf("%s: name %q is not {resource-type}-%s", id, name, suffix)
		}
	}
}

func TestTwoSuffixesShareNoPhysicalName(t *testing.T) {
	dev, qa := physicalNames(t, synth(t, "dev")), physicalNames(t, synthStub(t, "qa"))
	seen := map[string]string{}
	for id, n := range dev {
		seen[n] = id
	}
	if len(qa) != len(dev) {
		t.Errorf("dev has %d named resources, qa %d", len(dev), len(qa))
	}
	for id, n := range qa {
		if other, ok := seen[n]; ok {
			t.Errorf("physical name %q is used by %s in dev and %s in qa", n, other, id)
		}
	}
}

// untaggable are the types CloudFormation cannot tag.
var untaggable = map[string]bool{
	"AWS::ApiGateway::Account": true, "AWS::ApiGateway::Deployment": true, "AWS::ApiGateway::Method": true,
	"AWS::ApiGateway::Resource": true, "AWS::CDK::Metadata": true, "AWS::IAM::Policy": true, "AWS::KMS::Alias": true,
	"AWS::Lambda::Permission": true, "AWS::SNS::TopicPolicy": true, "AWS::SQS::QueuePolicy": true,
	"AWS::CloudWatch::Dashboard": true, "AWS::WAFv2::WebACLAssociation": true, "AWS::WAFv2::LoggingConfiguration": true,
	"AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGateway::Model": true, "AWS::ApiGateway::RequestValidator": true,
	"AWS::Logs::MetricFilter": true,
}

func TestEveryTaggableResourceCarriesTheEnvironmentTag(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("") {
		typ := r["Type"].(string)
		if untaggable[typ] {
			continue
		}
		tags := props(r)["Tags"]
		found := false
		switch tt := tags.(type) {
		case []interface{}: // [{Key, Value}]
			for _, tag := range tt {
				m := tag.(map[string]interface{})
				if m["Key"] == "Environment" && m["Value"] == suffix {
					found = true
				}
			}
		case map[string]interface{}: // {Key: Value} (e.g. SSM, Step Functions use a list; some use a map)
			found = tt["Environment"] == suffix
		}
		if !found {
			t.Errorf("%s (%s) lacks the tag Environment=%s (tags: %s)", id, typ, suffix, toJSON(tags))
		}
	}
}

func TestTheStackIsPinnedToUSEast1(t *testing.T) {
	s := synth(t, suffix)
	if got := *s.Stack.Stack.Region(); got != "us-east-1" {
		t.Errorf("stack region = %q, want us-east-1", got)
	}
	for _, other := range []string{"us-west-2", "eu-west-1", "us-east-2"} {
		if strings.Contains(toJSON(s.Template), other) {
			t.Errorf("the template mentions region %s", other)
		}
	}
}

func TestNothingIsRetainedOrDeletionProtected(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("") {
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if v, ok := r[policy]; ok && v != "Delete" {
				t.Errorf("%s (%s): %s is %v, want Delete", id, r["Type"], policy, v)
			}
		}
		// Stateful resources must say Delete explicitly: CDK defaults
		// tables, keys and log groups to Retain.
		switch r["Type"] {
		case "AWS::DynamoDB::Table", "AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SQS::Queue":
			if r["DeletionPolicy"] != "Delete" {
				t.Errorf("%s (%s): DeletionPolicy is %v, want Delete", id, r["Type"], r["DeletionPolicy"])
			}
		}
		p := props(r)
		if p["DeletionProtectionEnabled"] == true || p["DeletionProtection"] == true {
			t.Errorf("%s (%s) has deletion protection", id, r["Type"])
		}
	}
}
