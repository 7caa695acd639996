package cfn_test

import (
	"encoding/json"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

func TestReferencedFindsTheResourceAValueRefersTo(t *testing.T) {
	tpl, err := cfn.Parse([]byte(`{"Resources":{
		"Logs":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":"api-logs-dev"}},
		"Queue":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q-dev"}},
		"Role":{"Type":"AWS::IAM::Role","Properties":{"RoleName":"role-dev"}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, value, resourceType, want string
	}{
		{"a Ref names its resource", `{"Ref":"Logs"}`, "", "api-logs-dev"},
		{"a Fn::GetAtt list names its resource", `{"Fn::GetAtt":["Role","Arn"]}`, cfn.IAMRole, "role-dev"},
		{"a dotted Fn::GetAtt names its resource", `{"Fn::GetAtt":"Queue.Arn"}`, cfn.SQSQueue, "q-dev"},
		{"a reference inside Fn::Join is found", `{"Fn::Join":["",["arn:",{"Fn::GetAtt":["Logs","Arn"]}]]}`, cfn.LogGroup, "api-logs-dev"},
		{"a Fn::Sub reference is found", `{"Fn::Sub":"arn:aws:logs:${AWS::Region}:x:${Logs.Arn}"}`, cfn.LogGroup, "api-logs-dev"},
		{"a Fn::Sub escape is not a reference", `{"Fn::Sub":"${!Logs}"}`, "", ""},
		{"a reference of another type is skipped", `{"Fn::GetAtt":["Role","Arn"]}`, cfn.LogGroup, ""},
		{"a pseudo parameter is no resource", `{"Ref":"AWS::Region"}`, "", ""},
		{"a literal refers to nothing", `"arn:aws:logs:us-east-1:1:log-group:x"`, "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := mustJSON(t, tt.value)
			got := ""
			if r := tpl.Referenced(v, tt.resourceType); r != nil {
				got = r.Name()
			}
			if got != tt.want {
				t.Errorf("Referenced(%s, %q) = %q, want %q", tt.value, tt.resourceType, got, tt.want)
			}
		})
	}
}

func mustJSON(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatal(err)
	}
	return v
}
