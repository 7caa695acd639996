package cfn_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

func mustParse(t testing.TB, text string) *cfn.Template {
	t.Helper()
	tpl, err := cfn.Parse([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

const modelTemplate = `{
  "Description": "d",
  "Parameters": {"BootstrapVersion": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cdk-bootstrap/hnb659fds/version"}},
  "Resources": {
    "TableB": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "transactions-dev"},
      "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete", "DependsOn": "RoleA"},
    "RoleA": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "role-dev"}, "DependsOn": ["X", "Y"], "Metadata": {"cdk_nag": {}}},
    "QueueZ": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "failed-transactions-dev", "RedrivePolicy": {"maxReceiveCount": 5}}},
    "QueueA": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Join": ["-", ["q", {"Ref": "AWS::Region"}]]}}, "Condition": "IsProd"},
    "SM": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {"StateMachineName": "payments-dev"}}
  },
  "Outputs": {"Url": {"Value": {"Ref": "QueueZ"}, "Export": {"Name": "url"}}}
}`

func TestParseBuildsTheModel(t *testing.T) {
	tpl := mustParse(t, modelTemplate)
	table := tpl.Resources["TableB"]
	if table.LogicalID != "TableB" || table.Type != cfn.DynamoDBTable || table.DeletionPolicy != "Delete" || table.UpdateReplacePolicy != "Delete" {
		t.Errorf("table = %+v", table)
	}
	if !reflect.DeepEqual(table.DependsOn, []string{"RoleA"}) || !reflect.DeepEqual(tpl.Resources["RoleA"].DependsOn, []string{"X", "Y"}) {
		t.Errorf("DependsOn = %v / %v", table.DependsOn, tpl.Resources["RoleA"].DependsOn)
	}
	if tpl.Resources["QueueA"].Condition != "IsProd" || tpl.Resources["RoleA"].Metadata["cdk_nag"] == nil {
		t.Errorf("condition or metadata lost")
	}
	if tpl.Outputs["Url"].Export["Name"] != "url" || tpl.Parameters["BootstrapVersion"].Default != "/cdk-bootstrap/hnb659fds/version" || tpl.Description != "d" {
		t.Errorf("outputs/parameters/description lost: %+v", tpl)
	}
	if got := tpl.Resources["QueueZ"].Property("RedrivePolicy", "maxReceiveCount"); got != 5.0 {
		t.Errorf("maxReceiveCount = %v", got)
	}
	if got := tpl.Resources["QueueZ"].Property("QueueName", "deeper"); got != nil {
		t.Errorf("a path through a string = %v", got)
	}
}

func TestParseRefusesWhatIsNotATemplate(t *testing.T) {
	for _, tt := range []struct{ name, text, want string }{
		{"text that is not JSON", `{`, "not a JSON template"},
		{"a JSON list", `[]`, "not a JSON template"},
		{"a manifest without resources", `{"version":"48.0.0","artifacts":{}}`, "no Resources"},
		{"a resource without a type", `{"Resources":{"A":{"Properties":{}}}}`, "resource A has no Type"},
		{"a null resource", `{"Resources":{"A":null}}`, "resource A has no Type"},
		{"properties that are not an object", `{"Resources":{"A":{"Type":"T","Properties":[]}}}`, "not a JSON template"},
		{"DependsOn that is a number", `{"Resources":{"A":{"Type":"T","DependsOn":3}}}`, "DependsOn"},
		{"two JSON objects", `{"Resources":{"A":{"Type":"T"}}} {}`, "text after"},
		{"a null output", `{"Resources":{"A":{"Type":"T"}},"Outputs":{"O":null}}`, "output O is null"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := cfn.Parse([]byte(tt.text))
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cfn: ") {
				t.Errorf("error = %v, want one with %q", err, tt.want)
			}
		})
	}
}

func TestResourcesOfTypeAreSortedByLogicalID(t *testing.T) {
	tpl := mustParse(t, modelTemplate)
	var ids []string
	for _, r := range tpl.ResourcesOfType(cfn.SQSQueue) {
		ids = append(ids, r.LogicalID)
	}
	if !reflect.DeepEqual(ids, []string{"QueueA", "QueueZ"}) {
		t.Errorf("queues = %v", ids)
	}
	if sms := tpl.StateMachines(); len(sms) != 1 || sms[0].LogicalID != "SM" {
		t.Errorf("state machines = %v", sms)
	}
	if got := tpl.ResourcesOfType("AWS::Nope::Nope"); len(got) != 0 {
		t.Errorf("unknown type = %v", got)
	}
}

func TestByNameFindsTheResourceByItsNameProperty(t *testing.T) {
	tpl := mustParse(t, modelTemplate)
	for _, tt := range []struct{ name, typ, resName, wantID, wantErr string }{
		{"a queue by QueueName", cfn.SQSQueue, "failed-transactions-dev", "QueueZ", ""},
		{"a table by TableName", cfn.DynamoDBTable, "transactions-dev", "TableB", ""},
		{"a state machine by StateMachineName", cfn.StateMachine, "payments-dev", "SM", ""},
		{"an absent name lists the names there are", cfn.SQSQueue, "nope", "", `no AWS::SQS::Queue whose QueueName is "nope" (it names [failed-transactions-dev])`},
		{"a computed name is not matched", cfn.SQSQueue, "q-us-east-1", "", "no AWS::SQS::Queue"},
		{"a type without a known name property is an error", "AWS::KMS::Key", "k", "", "no name property"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := tpl.ByName(tt.typ, tt.resName)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || r.LogicalID != tt.wantID {
				t.Errorf("got %v, %v; want %s", r, err, tt.wantID)
			}
		})
	}
}

func TestByNameRefusesAnAmbiguousName(t *testing.T) {
	tpl := mustParse(t, `{"Resources":{"A":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q"}},"B":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q"}}}}`)
	if _, err := tpl.ByName(cfn.SQSQueue, "q"); err == nil || !strings.Contains(err.Error(), "[A B]") {
		t.Errorf("error = %v", err)
	}
}

func TestReadFileReadsAFileOrAOneTemplateDirectory(t *testing.T) {
	dir := t.TempDir()
	one := filepath.Join(dir, "one")
	two := filepath.Join(dir, "two")
	for _, d := range []string{one, two} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(one, "Stack.template.json"), modelTemplate)
	write(filepath.Join(one, "manifest.json"), `{}`)
	write(filepath.Join(two, "A.template.json"), modelTemplate)
	write(filepath.Join(two, "B.template.json"), modelTemplate)
	write(filepath.Join(dir, "broken.json"), `{"Resources":`)

	for _, tt := range []struct{ name, path, wantErr string }{
		{"a template file", filepath.Join(one, "Stack.template.json"), ""},
		{"a directory with one template", one, ""},
		{"a directory with two templates", two, "holds 2 templates; name one"},
		{"an empty directory", t.TempDir(), "holds 0 templates"},
		{"a missing file", filepath.Join(dir, "nope.json"), "no such file"},
		{"a broken file names the file", filepath.Join(dir, "broken.json"), "broken.json: the template is not a JSON template"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := cfn.ReadFile(tt.path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || tpl.Resources["SM"] == nil {
				t.Errorf("got %v, %v", tpl, err)
			}
		})
	}
}

func TestNamePropertyNamesKnownTypesOnly(t *testing.T) {
	for typ, want := range map[string]string{
		cfn.LambdaFunction: "FunctionName", cfn.SQSQueue: "QueueName", cfn.SNSTopic: "TopicName",
		cfn.DynamoDBTable: "TableName", cfn.StateMachine: "StateMachineName", cfn.IAMRole: "RoleName",
		cfn.LogGroup: "LogGroupName", cfn.CloudWatchAlarm: "AlarmName", "AWS::KMS::Key": "",
	} {
		if got := cfn.NameProperty(typ); got != want {
			t.Errorf("NameProperty(%s) = %q, want %q", typ, got, want)
		}
	}
}
