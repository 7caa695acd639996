package cfn_test

import (
	"reflect"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

const namedTemplate = `{"Parameters":{"P":{"Type":"String","Default":"dflt"},"NoDefault":{"Type":"String"}},"Resources":{
  "Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"validate-dev"}},
  "FnNoName":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":{"Fn::Join":["-",["x",{"Ref":"AWS::Region"}]]}}},
  "Queue":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"failed-dev"}},
  "Topic":{"Type":"AWS::SNS::Topic","Properties":{}},
  "Table":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":"transactions-dev"}},
  "Global":{"Type":"AWS::DynamoDB::GlobalTable","Properties":{"TableName":"g-dev"}},
  "SM":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"StateMachineName":"payments-dev"}},
  "Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"role-dev"}},
  "Logs":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":"/aws/lambda/validate-dev"}},
  "Bus":{"Type":"AWS::Events::EventBus","Properties":{"Name":"bus-dev"}},
  "Rule":{"Type":"AWS::Events::Rule","Properties":{"Name":"rule-dev"}},
  "Bucket":{"Type":"AWS::S3::Bucket","Properties":{"BucketName":"bucket-dev"}},
  "Alarm":{"Type":"AWS::CloudWatch::Alarm","Properties":{"AlarmName":"alarm-dev"}},
  "Key":{"Type":"AWS::KMS::Key","Properties":{}}
}}`

func TestPhysicalNamesRenderDeployedNamesAndARNs(t *testing.T) {
	names := cfn.PhysicalNames(mustParse(t, namedTemplate), cfn.Env{})
	for _, tt := range []struct {
		ref  cfn.Ref
		want string
	}{
		{cfn.Ref{LogicalID: "Fn"}, "validate-dev"},
		{cfn.Ref{LogicalID: "Fn", Attribute: "Arn"}, "arn:aws:lambda:us-east-1:123456789012:function:validate-dev"},
		{cfn.Ref{LogicalID: "FnNoName", Attribute: "Arn"}, "arn:aws:lambda:us-east-1:123456789012:function:FnNoName"},
		{cfn.Ref{LogicalID: "Queue"}, "https://sqs.us-east-1.amazonaws.com/123456789012/failed-dev"},
		{cfn.Ref{LogicalID: "Queue", Attribute: "QueueUrl"}, "https://sqs.us-east-1.amazonaws.com/123456789012/failed-dev"},
		{cfn.Ref{LogicalID: "Queue", Attribute: "Arn"}, "arn:aws:sqs:us-east-1:123456789012:failed-dev"},
		{cfn.Ref{LogicalID: "Queue", Attribute: "QueueName"}, "failed-dev"},
		{cfn.Ref{LogicalID: "Topic"}, "arn:aws:sns:us-east-1:123456789012:Topic"},
		{cfn.Ref{LogicalID: "Topic", Attribute: "TopicArn"}, "arn:aws:sns:us-east-1:123456789012:Topic"},
		{cfn.Ref{LogicalID: "Topic", Attribute: "TopicName"}, "Topic"},
		{cfn.Ref{LogicalID: "Table"}, "transactions-dev"},
		{cfn.Ref{LogicalID: "Table", Attribute: "Arn"}, "arn:aws:dynamodb:us-east-1:123456789012:table/transactions-dev"},
		{cfn.Ref{LogicalID: "Global", Attribute: "Arn"}, "arn:aws:dynamodb:us-east-1:123456789012:table/g-dev"},
		{cfn.Ref{LogicalID: "SM"}, "arn:aws:states:us-east-1:123456789012:stateMachine:payments-dev"},
		{cfn.Ref{LogicalID: "SM", Attribute: "Arn"}, "arn:aws:states:us-east-1:123456789012:stateMachine:payments-dev"},
		{cfn.Ref{LogicalID: "SM", Attribute: "Name"}, "payments-dev"},
		{cfn.Ref{LogicalID: "Role"}, "role-dev"},
		{cfn.Ref{LogicalID: "Role", Attribute: "Arn"}, "arn:aws:iam::123456789012:role/role-dev"},
		{cfn.Ref{LogicalID: "Logs"}, "/aws/lambda/validate-dev"},
		{cfn.Ref{LogicalID: "Logs", Attribute: "Arn"}, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/validate-dev:*"},
		{cfn.Ref{LogicalID: "Bus", Attribute: "Arn"}, "arn:aws:events:us-east-1:123456789012:event-bus/bus-dev"},
		{cfn.Ref{LogicalID: "Rule", Attribute: "Arn"}, "arn:aws:events:us-east-1:123456789012:rule/rule-dev"},
		{cfn.Ref{LogicalID: "Bucket", Attribute: "Arn"}, "arn:aws:s3:::bucket-dev"},
		{cfn.Ref{LogicalID: "Alarm", Attribute: "Arn"}, "arn:aws:cloudwatch:us-east-1:123456789012:alarm:alarm-dev"},
		{cfn.Ref{LogicalID: "P"}, "dflt"},
	} {
		t.Run(tt.ref.String(), func(t *testing.T) {
			if got, ok := names(tt.ref); !ok || got != tt.want {
				t.Errorf("got %q %v, want %q", got, ok, tt.want)
			}
		})
	}
}

func TestPhysicalNamesRefuseWhatTheyCannotRender(t *testing.T) {
	names := cfn.PhysicalNames(mustParse(t, namedTemplate), cfn.Env{})
	for _, ref := range []cfn.Ref{
		{LogicalID: "Nope"},                               // not in the template
		{LogicalID: "Key", Attribute: "Arn"},              // a type without names
		{LogicalID: "Fn", Attribute: "SnapStartResponse"}, // an attribute it does not know
		{LogicalID: "Table", Attribute: "StreamArn"},
		{LogicalID: "NoDefault"}, // a parameter without a default
		{LogicalID: "P", Attribute: "Arn"},
	} {
		if got, ok := names(ref); ok {
			t.Errorf("%s resolved to %q", ref, got)
		}
	}
}

func TestPhysicalNamesUseTheEnv(t *testing.T) {
	names := cfn.PhysicalNames(mustParse(t, namedTemplate), cfn.Env{Region: "eu-west-1", AccountID: "111122223333", Partition: "aws-cn", URLSuffix: "amazonaws.com.cn"})
	for ref, want := range map[cfn.Ref]string{
		{LogicalID: "Queue"}:                  "https://sqs.eu-west-1.amazonaws.com.cn/111122223333/failed-dev",
		{LogicalID: "Role", Attribute: "Arn"}: "arn:aws-cn:iam::111122223333:role/role-dev",
		{LogicalID: "Fn", Attribute: "Arn"}:   "arn:aws-cn:lambda:eu-west-1:111122223333:function:validate-dev",
	} {
		if got, _ := names(ref); got != want {
			t.Errorf("%s = %q, want %q", ref, got, want)
		}
	}
}

func TestPlaceholdersResolveEverythingAndRecordTokens(t *testing.T) {
	tpl := mustParse(t, namedTemplate)
	tokens := map[string]cfn.Token{}
	ev := cfn.Evaluator{Resolve: cfn.Placeholders(tpl, cfn.Env{}, tokens)}
	got, err := ev.String(j(t, `{"Fn::Join":[" ",[{"Fn::GetAtt":["Fn","Arn"]},{"Ref":"Key"},{"Fn::GetAtt":["Key","Arn"]},{"Ref":"Elsewhere"},{"Ref":"AWS::Region"}]]}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:lambda:us-east-1:123456789012:function:validate-dev ${Token[Key]} ${Token[Key.Arn]} ${Token[Elsewhere]} us-east-1"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	want := map[string]cfn.Token{
		"arn:aws:lambda:us-east-1:123456789012:function:validate-dev": {Ref: cfn.Ref{LogicalID: "Fn", Attribute: "Arn"}, ResourceType: cfn.LambdaFunction},
		"${Token[Key]}":       {Ref: cfn.Ref{LogicalID: "Key"}, ResourceType: "AWS::KMS::Key"},
		"${Token[Key.Arn]}":   {Ref: cfn.Ref{LogicalID: "Key", Attribute: "Arn"}, ResourceType: "AWS::KMS::Key"},
		"${Token[Elsewhere]}": {Ref: cfn.Ref{LogicalID: "Elsewhere"}},
	}
	if !reflect.DeepEqual(tokens, want) {
		t.Errorf("tokens = %v\nwant     %v", tokens, want)
	}
	// Unknown intrinsics still fail: placeholders stand for references only.
	if _, err := ev.String(j(t, `{"Fn::If":["C","a","b"]}`)); err == nil {
		t.Error("Fn::If evaluated")
	}
}

func TestAnOverrideChainedBeforePlaceholdersIsNotRecorded(t *testing.T) {
	tpl := mustParse(t, namedTemplate)
	tokens := map[string]cfn.Token{}
	ev := cfn.Evaluator{Resolve: cfn.Chain(cfn.Values(map[cfn.Ref]string{{LogicalID: "Table"}: "local"}), cfn.Placeholders(tpl, cfn.Env{}, tokens))}
	if got, err := ev.String(j(t, `{"Fn::Sub":"${Table}/${Queue.QueueName}"}`)); err != nil || got != "local/failed-dev" {
		t.Errorf("got %q, %v", got, err)
	}
	if _, ok := tokens["local"]; ok || len(tokens) != 1 {
		t.Errorf("tokens = %v", tokens)
	}
}
