package asl_test

import (
	"encoding/json"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

func TestLoadAssemblyRebuildsDefinitionsAndRecordsTokens(t *testing.T) {
	// GIVEN a cloud assembly with an EXPRESS machine written as Fn::Join with
	// GetAtt/Ref tokens and a STANDARD machine written as a Definition object
	// with DefinitionSubstitutions
	ms, err := asl.LoadAssembly("testdata/cdk.out")
	if err != nil {
		t.Fatal(err)
	}
	// THEN both machines come back, sorted by logical id, parsed
	if len(ms) != 2 || ms[0].LogicalID != "PaymentsSM" || ms[1].LogicalID != "RecoverySM" {
		t.Fatalf("machines = %v", ms)
	}
	pay, rec := ms[0], ms[1]
	for _, m := range ms {
		if m.ParseError != nil {
			t.Fatalf("%s: %v", m.ID(), m.ParseError)
		}
	}
	if pay.Type != "EXPRESS" || rec.Type != "STANDARD" || pay.Name != "payments-dev" || pay.Tags["Environment"] != "dev" || pay.ID() != "PaymentsStack/PaymentsSM" {
		t.Errorf("machine metadata wrong: %+v / %+v", pay, rec)
	}
	// AND tokens became ARN-shaped placeholders mapped back to logical ids
	validate := pay.Definition.States["Validate"]
	if want := "arn:aws:lambda:us-east-1:123456789012:function:validate-dev"; validate.Resource != want {
		t.Errorf("Validate.Resource = %q, want %q", validate.Resource, want)
	}
	if tok := pay.Tokens[validate.Resource]; tok.LogicalID != "ValidateFnABC123" || tok.Attribute != "Arn" || tok.ResourceType != "AWS::Lambda::Function" {
		t.Errorf("token = %+v", tok)
	}
	persist := pay.Definition.States["Persist"]
	if persist.Resource != "arn:aws:states:::lambda:invoke" || !persist.IsLambda() {
		t.Errorf("Persist.Resource = %q", persist.Resource)
	}
	params := persist.Raw["Parameters"].(map[string]any)
	if fn := params["FunctionName"].(string); pay.Tokens[fn].LogicalID != "PersistFnDEF456" {
		t.Errorf("FunctionName placeholder %q not mapped: %v", fn, pay.Tokens)
	}
	if q := params["QueueUrl"]; q != "https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-dev" {
		t.Errorf("QueueUrl = %v", q)
	}
	// AND DefinitionSubstitutions with Fn::Sub resolve inside the object form
	if r := rec.Definition.States["Check"].Resource; r != "arn:aws:lambda:us-east-1:123456789012:function:health-monitor-dev" {
		t.Errorf("Check.Resource = %q", r)
	}
	topic := rec.Definition.States["Notify"].Raw["Parameters"].(map[string]any)["TopicArn"]
	if topic != "arn:aws:sns:us-east-1:123456789012:AlarmTopic" {
		t.Errorf("TopicArn = %v", topic)
	}
	var v any
	if err := json.Unmarshal(pay.JSON, &v); err != nil {
		t.Errorf("rebuilt JSON does not parse: %v", err)
	}
}

func TestLoadAssemblyFailsOnAMissingDirectory(t *testing.T) {
	if _, err := asl.LoadAssembly("testdata/nope"); err == nil {
		t.Error("want an error")
	}
}

func TestLoadAssemblyReadsARealCDKSynth(t *testing.T) {
	// GIVEN the cloud assembly `cdk synth` wrote for a small Go CDK app
	// (LambdaInvoke with and without PayloadResponseOnly, SqsSendMessage,
	// an EXPRESS StateMachine)
	ms, err := asl.LoadAssembly("testdata/cdk-synth")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 1 || ms[0].ParseError != nil {
		t.Fatalf("machines = %+v", ms)
	}
	m := ms[0]
	// THEN the definition is rebuilt with ARN-shaped placeholders
	if m.Type != "EXPRESS" || m.Name != "payments-dev" || m.Stack != "CheckStack" {
		t.Errorf("metadata: type %q name %q stack %q", m.Type, m.Name, m.Stack)
	}
	v := m.Definition.States["Validate"]
	if v.Resource != "arn:aws:lambda:us-east-1:123456789012:function:validate-dev" || m.Tokens[v.Resource].LogicalID != "ValidateFn1051E81A" {
		t.Errorf("Validate.Resource = %q (token %+v)", v.Resource, m.Tokens[v.Resource])
	}
	if p := m.Definition.States["Persist"]; p.Resource != "arn:aws:states:::lambda:invoke" || !p.IsLambda() {
		t.Errorf("Persist.Resource = %q", p.Resource)
	}
	if e := m.Definition.States["Enqueue"]; e.Resource != "arn:aws:states:::sqs:sendMessage" {
		t.Errorf("Enqueue.Resource = %q", e.Resource)
	}
}
