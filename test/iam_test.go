package test

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/dashboards"
)

// Tests of least privilege over every IAM policy of the stack.

// wildcardActions are the only actions allowed on Resource "*": AWS offers
// no resource-level permission for them.
var wildcardActions = map[string]bool{
	"xray:puttracesegments": true, "xray:puttelemetryrecords": true, "xray:getsamplingrules": true, "xray:getsamplingtargets": true,
	"logs:createlogdelivery": true, "logs:getlogdelivery": true, "logs:updatelogdelivery": true, "logs:deletelogdelivery": true,
	"logs:listlogdeliveries": true, "logs:putresourcepolicy": true, "logs:describeresourcepolicies": true, "logs:describeloggroups": true,
	"cloudwatch:putmetricdata": true,
}

func TestNoWildcardResourceOutsideServicesThatRequireIt(t *testing.T) {
	s := synth(t, suffix)
	for id, r := range s.Resources("AWS::IAM::Policy") {
		doc := props(r)["PolicyDocument"].(map[string]interface{})
		for _, st := range doc["Statement"].([]interface{}) {
			stmt := st.(map[string]interface{})
			if toJSON(stmt["Resource"]) != `"*"` {
				continue
			}
			actions, ok := stmt["Action"].([]interface{})
			if !ok {
				actions = []interface{}{stmt["Action"]}
			}
			for _, a := range actions {
				// IAM action names are case-insensitive.
				if !wildcardActions[strings.ToLower(a.(string))] {
					t.Errorf("%s allows %v on every resource", id, a)
				}
				if strings.Contains(a.(string), "*") {
					t.Errorf("%s has a wildcard action %v", id, a)
				}
			}
		}
	}
}

// roleNames maps the logical id of every role to its physical name.
func roleNames(s *synthesized) map[string]string {
	names := map[string]string{}
	for id, r := range s.Resources("AWS::IAM::Role") {
		names[id], _ = props(r)["RoleName"].(string)
	}
	return names
}

// statements returns the statements of a policy document, each with its
// actions and resources as lists.
func statements(doc interface{}) []map[string]interface{} {
	var out []map[string]interface{}
	list, _ := doc.(map[string]interface{})["Statement"].([]interface{})
	for _, st := range list {
		out = append(out, st.(map[string]interface{}))
	}
	return out
}

func asList(v interface{}) []interface{} {
	if l, ok := v.([]interface{}); ok {
		return l
	}
	return []interface{}{v}
}

// keyID is the logical id of the data key.
func keyID(t *testing.T, s *synthesized) string {
	t.Helper()
	keys := s.Resources("AWS::KMS::Key")
	if len(keys) != 1 {
		t.Fatalf("want one KMS key, got %d", len(keys))
	}
	for id := range keys {
		return id
	}
	return ""
}

// TestOnlyRolesThatReadOrWriteEncryptedDataCanUseTheKey lists, for every
// role, the KMS actions its policies allow on the data key: only the roles
// that read or write the encrypted table, queues or topic have any.
// Validate, the workflows' own invocations and the API's roles handle no
// encrypted data; the health functions read the encrypted table only to
// probe it (one key that no item has, dynamodb:LeadingKeys) and, for the
// monitor, to count parked items (dynamodb:Select COUNT); the log groups and the Lambda
// environments are encrypted by their services (CloudWatch Logs through
// the key policy, Lambda through a grant it makes at deployment).
func TestOnlyRolesThatReadOrWriteEncryptedDataCanUseTheKey(t *testing.T) {
	s := synth(t, suffix)
	key := keyID(t, s)
	names := roleNames(s)
	uses := map[string][]string{} // role name -> KMS actions on the key
	for id, r := range s.Resources("AWS::IAM::Policy") {
		p := props(r)
		for _, st := range statements(p["PolicyDocument"]) {
			if st["Effect"] != "Allow" || !strings.Contains(toJSON(st["Resource"]), `"`+key+`"`) {
				continue
			}
			for _, role := range asList(p["Roles"]) {
				ref, _ := role.(map[string]interface{})["Ref"].(string)
				if names[ref] == "" {
					t.Errorf("policy %s names role %v, which is not in the template", id, role)
				}
				for _, a := range asList(st["Action"]) {
					uses[names[ref]] = append(uses[names[ref]], a.(string))
				}
			}
		}
	}
	want := map[string]string{
		"persist-function-" + suffix + "-role":        "writes and reads the encrypted table",
		"reprocess-function-" + suffix + "-role":      "writes and reads the encrypted table",
		"get-payment-function-" + suffix + "-role":    "reads the encrypted table",
		"health-function-" + suffix + "-role":         "probes the encrypted table (GetItem of store.ProbeKey only)",
		"health-monitor-function-" + suffix + "-role": "probes the encrypted table and counts parked items (Select COUNT only)",
		"enqueue-function-" + suffix + "-role":        "sends to the encrypted failed-transactions queue",
		"recovery-workflow-" + suffix + "-role":       "moves messages between encrypted queues and publishes to the encrypted topic",
	}
	for role, actions := range uses {
		if _, ok := want[role]; !ok {
			t.Errorf("role %s may use the data key (%v) but reads and writes no encrypted data", role, actions)
		}
	}
	for role, why := range want {
		if len(uses[role]) == 0 {
			t.Errorf("role %s cannot use the data key, yet it %s", role, why)
		}
	}
	// Nobody else but the account (whose IAM policies are the ones above)
	// and the services that encrypt on the app's behalf is in the key
	// policy.
	for _, st := range statements(props(s.Resources("AWS::KMS::Key")[key])["KeyPolicy"]) {
		principal := toJSON(st["Principal"])
		switch {
		case strings.Contains(principal, `":root"`):
		case strings.Contains(principal, `"Service"`) && st["Condition"] != nil:
		default:
			t.Errorf("the key policy lets %s use the key", principal)
		}
	}
}

// logsKMSActions are the actions CloudWatch Logs calls on the key of an
// encrypted log group: the documented key policy's Encrypt*, Decrypt*,
// ReEncrypt*, GenerateDataKey* and Describe*, spelled out, without data
// key pairs, which it never asks for.
var logsKMSActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey",
	"kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"}

func TestTheKeyPolicyLetsCloudWatchLogsUseTheKeyForTheAppsLogGroupsOnly(t *testing.T) {
	s := synth(t, suffix)
	key := keyID(t, s)
	// GIVEN every log group encrypted with the data key
	groups := map[string]bool{}
	for id, r := range s.Resources("AWS::Logs::LogGroup") {
		p := props(r)
		if !strings.Contains(toJSON(p["KmsKeyId"]), `"`+key+`"`) {
			t.Errorf("log group %s is not encrypted with the data key", id)
		}
		groups[flatJoin(p["LogGroupName"])] = true
	}
	// WHEN the key policy's statement for CloudWatch Logs is read
	var logs []map[string]interface{}
	for _, st := range statements(props(s.Resources("AWS::KMS::Key")[key])["KeyPolicy"]) {
		if strings.Contains(toJSON(st["Principal"]), "logs.") {
			logs = append(logs, st)
		}
	}
	if len(logs) != 1 {
		t.Fatalf("want one key policy statement for CloudWatch Logs, got %d", len(logs))
	}
	st := logs[0]
	// THEN it allows exactly the actions CloudWatch Logs needs
	var actions []string
	for _, a := range asList(st["Action"]) {
		actions = append(actions, a.(string))
	}
	sort.Strings(actions)
	if strings.Join(actions, ",") != strings.Join(logsKMSActions, ",") {
		t.Errorf("CloudWatch Logs may %v on the key, want exactly %v", actions, logsKMSActions)
	}
	// AND only for the app's log groups, each named
	cond, _ := st["Condition"].(map[string]interface{})["ArnEquals"].(map[string]interface{})
	named := map[string]bool{}
	for _, v := range asList(cond["kms:EncryptionContext:aws:logs:arn"]) {
		arn := flatJoin(v)
		i := strings.Index(arn, ":log-group:")
		if i < 0 || strings.Contains(arn, "*") || !strings.Contains(arn, `{"Ref":"AWS::AccountId"}`) {
			t.Errorf("the key policy names %s, not one log group of this account", arn)
			continue
		}
		named[arn[i+len(":log-group:"):]] = true
	}
	if !reflect.DeepEqual(named, groups) {
		t.Errorf("the key policy names the log groups %v, want exactly the app's %v", named, groups)
	}
}

// TestServiceRolesTrustTheirServiceOnlyForTheAppsResources checks the
// trust policy of every role that Step Functions or EventBridge assumes:
// the service may assume it only on behalf of this account's state machine
// or rules that use it (confused-deputy protection).
func TestServiceRolesTrustTheirServiceOnlyForTheAppsResources(t *testing.T) {
	s := synth(t, suffix)
	// The resources that use each role, as the ARN the service presents.
	users := map[string][]string{} // role logical id -> source ARN suffixes
	for _, r := range s.Resources("AWS::StepFunctions::StateMachine") {
		p := props(r)
		role := toJSON(p["RoleArn"])
		for id := range s.Resources("AWS::IAM::Role") {
			if strings.Contains(role, `"`+id+`"`) {
				users[id] = append(users[id], ":stateMachine:"+p["StateMachineName"].(string))
			}
		}
	}
	for _, r := range s.Resources("AWS::Events::Rule") {
		p := props(r)
		for _, target := range p["Targets"].([]interface{}) {
			role := toJSON(target.(map[string]interface{})["RoleArn"])
			for id := range s.Resources("AWS::IAM::Role") {
				if strings.Contains(role, `"`+id+`"`) {
					users[id] = append(users[id], ":rule/"+p["Name"].(string))
				}
			}
		}
	}
	checked := 0
	for id, r := range s.Resources("AWS::IAM::Role") {
		doc := props(r)["AssumeRolePolicyDocument"]
		for _, st := range statements(doc) {
			service := toJSON(st["Principal"])
			if !strings.Contains(service, "states.amazonaws.com") && !strings.Contains(service, "events.amazonaws.com") {
				continue
			}
			checked++
			cond, _ := st["Condition"].(map[string]interface{})
			account := toJSON(cond["StringEquals"])
			if account != `{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}` {
				t.Errorf("role %s trusts %s without aws:SourceAccount of this account: %s", id, service, toJSON(cond))
			}
			arnEquals, _ := cond["ArnEquals"].(map[string]interface{})
			var got []string
			if arns, ok := arnEquals["aws:SourceArn"]; ok {
				for _, a := range asList(arns) {
					got = append(got, toJSON(a))
				}
			}
			if len(users[id]) == 0 || len(got) != len(users[id]) {
				t.Errorf("role %s: aws:SourceArn %v, want the ARNs of %v", id, got, users[id])
			}
			for _, u := range users[id] {
				found := false
				for _, g := range got {
					found = found || strings.Contains(g, u+`"`) && strings.Contains(g, `{"Ref":"AWS::AccountId"}`)
				}
				if !found {
					t.Errorf("role %s: aws:SourceArn %v does not name %s", id, got, u)
				}
			}
		}
	}
	if checked < 3 {
		t.Errorf("checked %d trust statements, want the two workflows' roles and the EventBridge role", checked)
	}
}

// TestPutMetricDataIsBoundToTheAppsNamespace checks every policy that
// allows cloudwatch:PutMetricData (an action without resource-level
// permissions, so on "*"): it may publish only to the app's namespace.
func TestPutMetricDataIsBoundToTheAppsNamespace(t *testing.T) {
	s := synth(t, suffix)
	bound := `{"cloudwatch:namespace":"` + dashboards.RecoveryNamespace + `"}`
	found := 0
	for id, r := range s.Resources("AWS::IAM::Policy") {
		sts := statements(props(r)["PolicyDocument"])
		denied := false
		for _, st := range sts {
			if st["Effect"] == "Deny" && strings.EqualFold(toJSON(st["Action"]), `"cloudwatch:PutMetricData"`) &&
				toJSON(st["Condition"]) == `{"StringNotEquals":`+bound+`}` {
				denied = true
			}
		}
		for _, st := range sts {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range asList(st["Action"]) {
				if !strings.EqualFold(a.(string), "cloudwatch:PutMetricData") {
					continue
				}
				found++
				if toJSON(st["Condition"]) != `{"StringEquals":`+bound+`}` && !denied {
					t.Errorf("policy %s allows cloudwatch:PutMetricData to any namespace: %s", id, toJSON(st))
				}
			}
		}
	}
	if found == 0 {
		t.Error("no policy allows cloudwatch:PutMetricData: the recovery workflow's metrics are gone?")
	}
}

// flatJoin renders a string, or a Fn::Join with an empty separator, as one
// string: literal parts as they are, intrinsic parts ({"Ref": ...}) as
// their JSON. Two values that CloudFormation resolves alike render alike.
func flatJoin(v interface{}) string {
	if str, ok := v.(string); ok {
		return str
	}
	join, ok := v.(map[string]interface{})["Fn::Join"].([]interface{})
	if !ok || len(join) != 2 || join[0] != "" {
		return toJSON(v)
	}
	var b strings.Builder
	for _, part := range join[1].([]interface{}) {
		if str, ok := part.(string); ok {
			b.WriteString(str)
		} else {
			b.WriteString(toJSON(part))
		}
	}
	return b.String()
}
