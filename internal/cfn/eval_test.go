package cfn_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// j parses JSON text written in a test.
func j(t testing.TB, text string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("bad test JSON %s: %v", text, err)
	}
	return v
}

// testResolver answers a few references, as a caller's resolver would.
var testResolver = cfn.Values(map[cfn.Ref]string{
	{LogicalID: "Fn"}:                         "validate-dev",
	{LogicalID: "Fn", Attribute: "Arn"}:       "arn:aws:lambda:us-east-1:123456789012:function:validate-dev",
	{LogicalID: "Queue"}:                      "http://127.0.0.1:9324/q",
	{LogicalID: "Queue", Attribute: "Arn"}:    "arn:aws:sqs:us-east-1:000000000000:q",
	{LogicalID: "Api", Attribute: "Endpoint"}: "api.example",
	{LogicalID: "List", Attribute: "Csv"}:     "a,b,c",
	{LogicalID: "Which"}:                      "Arn",
})

func TestEvaluatorStringEvaluatesEveryIntrinsicAndForm(t *testing.T) {
	ev := cfn.Evaluator{Resolve: testResolver}
	for _, tt := range []struct{ name, value, want string }{
		{"a literal stays as it is", `"x"`, "x"},
		{"a whole number is written as CloudFormation writes it", `24`, "24"},
		{"a fraction keeps its digits", `0.25`, "0.25"},
		{"a boolean is written as true or false", `true`, "true"},
		{"a Ref asks the resolver", `{"Ref":"Queue"}`, "http://127.0.0.1:9324/q"},
		{"a GetAtt list asks the resolver with the attribute", `{"Fn::GetAtt":["Queue","Arn"]}`, "arn:aws:sqs:us-east-1:000000000000:q"},
		{"a GetAtt string is cut at its first dot", `{"Fn::GetAtt":"Queue.Arn"}`, "arn:aws:sqs:us-east-1:000000000000:q"},
		{"a GetAtt attribute may itself be a Ref", `{"Fn::GetAtt":["Fn",{"Ref":"Which"}]}`, "arn:aws:lambda:us-east-1:123456789012:function:validate-dev"},
		{"a Join joins literals and intrinsics", `{"Fn::Join":[",",["a",{"Fn::GetAtt":["Queue","Arn"]},3]]}`, "a,arn:aws:sqs:us-east-1:000000000000:q,3"},
		{"a Join of an empty list is empty", `{"Fn::Join":["-",[]]}`, ""},
		{"a Join drops AWS::NoValue elements", `{"Fn::Join":["-",["a",{"Ref":"AWS::NoValue"},"b"]]}`, "a-b"},
		{"a Join of a Split joins the split parts", `{"Fn::Join":["/",{"Fn::Split":[",",{"Fn::GetAtt":["List","Csv"]}]}]}`, "a/b/c"},
		{"a nested Join inside a Join is evaluated first", `{"Fn::Join":["",["<",{"Fn::Join":["+",["a","b"]]},">"]]}`, "<a+b>"},
		{"a Sub string resolves references, attributes and pseudo parameters", `{"Fn::Sub":"${Fn} ${Queue.Arn} ${AWS::Region}"}`, "validate-dev arn:aws:sqs:us-east-1:000000000000:q us-east-1"},
		{"a Sub writes ${!Literal} as ${Literal}", `{"Fn::Sub":"${!Literal} and ${Fn}"}`, "${Literal} and validate-dev"},
		{"a Sub without markers is the text", `{"Fn::Sub":"plain $ {text}"}`, "plain $ {text}"},
		{"a Sub list uses its variables before references", `{"Fn::Sub":["${Fn}:${x}",{"Fn":"var","x":"y"}]}`, "var:y"},
		{"a Sub list evaluates variables that are intrinsics", `{"Fn::Sub":["${a}|${b}|${c}",{"a":{"Ref":"Fn"},"b":{"Fn::GetAtt":["Queue","Arn"]},"c":{"Fn::Join":["-",["x",{"Ref":"AWS::AccountId"}]]}}]}`, "validate-dev|arn:aws:sqs:us-east-1:000000000000:q|x-123456789012"},
		{"a Sub list keeps ${!Literal} literal even when a variable has its name", `{"Fn::Sub":["${!x}",{"x":"no"}]}`, "${x}"},
		{"a Sub list falls back to references for names it has no variable for", `{"Fn::Sub":["${Queue}",{"x":"y"}]}`, "http://127.0.0.1:9324/q"},
		{"a Select picks from a literal list", `{"Fn::Select":[1,["a","b","c"]]}`, "b"},
		{"a Select index may be a string", `{"Fn::Select":["2",["a","b","c"]]}`, "c"},
		{"a Select picks from a Split", `{"Fn::Select":[0,{"Fn::Split":[",",{"Fn::GetAtt":["List","Csv"]}]}]}`, "a"},
		{"a Select element may be an intrinsic", `{"Fn::Select":[0,[{"Ref":"Fn"}]]}`, "validate-dev"},
		{"a Base64 encodes its text", `{"Fn::Base64":{"Fn::Sub":"${Fn}"}}`, "dmFsaWRhdGUtZGV2"},
		{"AWS::Region defaults to the project region", `{"Ref":"AWS::Region"}`, "us-east-1"},
		{"AWS::AccountId defaults to the local account", `{"Ref":"AWS::AccountId"}`, "123456789012"},
		{"AWS::Partition defaults to aws", `{"Ref":"AWS::Partition"}`, "aws"},
		{"AWS::URLSuffix defaults to amazonaws.com", `{"Ref":"AWS::URLSuffix"}`, "amazonaws.com"},
		{"AWS::NoValue as a whole string is empty", `{"Ref":"AWS::NoValue"}`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ev.String(j(t, tt.value))
			if err != nil || got != tt.want {
				t.Errorf("String(%s) = %q, %v; want %q", tt.value, got, err, tt.want)
			}
		})
	}
}

func TestEvaluatorTakesPseudoParametersFromItsEnv(t *testing.T) {
	ev := cfn.Evaluator{Env: cfn.Env{Region: "eu-west-1", AccountID: "111122223333", Partition: "aws-cn", URLSuffix: "amazonaws.com.cn", StackName: "PaymentPlatform"}}
	for _, tt := range []struct{ value, want string }{
		{`{"Ref":"AWS::Region"}`, "eu-west-1"},
		{`{"Ref":"AWS::AccountId"}`, "111122223333"},
		{`{"Ref":"AWS::Partition"}`, "aws-cn"},
		{`{"Ref":"AWS::URLSuffix"}`, "amazonaws.com.cn"},
		{`{"Ref":"AWS::StackName"}`, "PaymentPlatform"},
		{`{"Ref":"AWS::StackId"}`, "arn:aws-cn:cloudformation:eu-west-1:111122223333:stack/PaymentPlatform/00000000-0000-0000-0000-000000000000"},
		{`{"Fn::Sub":"arn:${AWS::Partition}:s3:::b-${AWS::AccountId}-${AWS::Region}"}`, "arn:aws-cn:s3:::b-111122223333-eu-west-1"},
	} {
		if got, err := ev.String(j(t, tt.value)); err != nil || got != tt.want {
			t.Errorf("String(%s) = %q, %v; want %q", tt.value, got, err, tt.want)
		}
	}
}

func TestEvaluatorNamesWhatItCannotEvaluate(t *testing.T) {
	ev := cfn.Evaluator{Resolve: testResolver, Path: "Fn.Properties.Environment"}
	for _, tt := range []struct {
		name, value string
		// want are substrings of the error text.
		want []string
	}{
		{"an unknown intrinsic is named with its path", `{"Fn::Join":["",["a",{"Fn::If":["C","x","y"]}]]}`,
			[]string{"cfn: Fn.Properties.Environment.Fn::Join[1][1]: Fn::If is not supported", "Fn::Sub"}},
		{"an import is refused", `{"Fn::ImportValue":"Shared"}`, []string{"Fn::ImportValue is not supported"}},
		{"availability zones are refused", `{"Fn::Select":[0,{"Fn::GetAZs":""}]}`, []string{"Fn::Select[1]: Fn::GetAZs is not supported"}},
		{"a Ref nothing resolves names the logical id", `{"Ref":"Table"}`, []string{"Ref Table cannot be resolved", "Table"}},
		{"a GetAtt nothing resolves names id and attribute", `{"Fn::GetAtt":["Table","StreamArn"]}`, []string{"Fn::GetAtt Table.StreamArn cannot be resolved"}},
		{"a Sub reference nothing resolves is named as written", `{"Fn::Sub":"x-${Table.Arn}"}`, []string{"${Table.Arn} cannot be resolved"}},
		{"a Sub list variable that fails names the variable", `{"Fn::Sub":["${a}",{"a":{"Ref":"Table"}}]}`, []string{"Fn::Sub[1].a: Ref Table cannot be resolved"}},
		{"a Select out of range says the index and length", `{"Fn::Select":[3,["a","b"]]}`, []string{"Fn::Select index 3 is out of range for a list of 2"}},
		{"a Select index equal to the length is out of range", `{"Fn::Select":[2,["a","b"]]}`, []string{"index 2 is out of range for a list of 2"}},
		{"a negative Select index is out of range", `{"Fn::Select":[-1,["a"]]}`, []string{"index -1 is out of range"}},
		{"a fractional Select index is refused", `{"Fn::Select":[0.5,["a"]]}`, []string{"whole number index"}},
		{"a Select of a string is refused", `{"Fn::Select":[0,"abc"]}`, []string{"takes a list here, not a string"}},
		{"an unterminated Sub marker is refused", `{"Fn::Sub":"a ${b"}`, []string{"unterminated ${"}},
		{"an empty Sub marker is refused", `{"Fn::Sub":"a ${}"}`, []string{"empty ${}"}},
		{"a Sub list with three elements is refused", `{"Fn::Sub":["a",{},1]}`, []string{"Fn::Sub takes a string or [string, variables]"}},
		{"a Join without a list is refused", `{"Fn::Join":["-","a"]}`, []string{"Fn::Join takes a list here"}},
		{"a Join with a computed delimiter is refused", `{"Fn::Join":[{"Ref":"Fn"},["a"]]}`, []string{"literal string delimiter"}},
		{"a Ref of a number is refused", `{"Ref":3}`, []string{"Ref takes a logical id, not a number"}},
		{"a GetAtt without an attribute is refused", `{"Fn::GetAtt":"Queue"}`, []string{`"LogicalId.Attribute"`}},
		{"an unknown pseudo parameter is refused", `{"Ref":"AWS::Nope"}`, []string{"Ref AWS::Nope is not a pseudo parameter"}},
		{"the stack name needs an Env that has one", `{"Fn::Sub":"${AWS::StackName}-x"}`, []string{"${AWS::StackName} needs a stack name"}},
		{"an object is not a string", `{"a":1,"b":2}`, []string{"the value is an object, not a string"}},
		{"a Split result is not a string", `{"Fn::Split":[",","a,b"]}`, []string{"is a list, not a string"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ev.String(j(t, tt.value))
			if err == nil {
				t.Fatalf("String(%s) = %q, want an error", tt.value, got)
			}
			var ee *cfn.EvalError
			if !errors.As(err, &ee) {
				t.Errorf("error %T is not an *EvalError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestEvaluatorValueResolvesIntrinsicsAnywhereInATree(t *testing.T) {
	ev := cfn.Evaluator{Resolve: testResolver}
	for _, tt := range []struct{ name, value, want string }{
		{"plain JSON comes back equal", `{"a":[1,"b",null,true],"c":{}}`, `{"a":[1,"b",null,true],"c":{}}`},
		{"intrinsics in objects and lists are replaced", `{"Resource":{"Fn::GetAtt":["Fn","Arn"]},"Args":[{"Ref":"Queue"},{"x":{"Fn::Sub":"${AWS::Region}"}}]}`,
			`{"Resource":"arn:aws:lambda:us-east-1:123456789012:function:validate-dev","Args":["http://127.0.0.1:9324/q",{"x":"us-east-1"}]}`},
		{"AWS::NoValue members and elements are dropped", `{"a":{"Ref":"AWS::NoValue"},"b":[1,{"Ref":"AWS::NoValue"},2]}`, `{"b":[1,2]}`},
		{"a Split gives a list", `{"Fn::Split":[",",{"Fn::GetAtt":["List","Csv"]}]}`, `["a","b","c"]`},
		{"a Select gives the element as it is", `{"Fn::Select":[1,[{"k":"v"},[1,2]]]}`, `[1,2]`},
		{"AWS::NotificationARNs is an empty list", `{"Ref":"AWS::NotificationARNs"}`, `[]`},
		{"a whole AWS::NoValue is null", `{"Ref":"AWS::NoValue"}`, `null`},
		{"an object with two keys is not an intrinsic", `{"Ref":"Fn","Other":1}`, `{"Ref":"Fn","Other":1}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ev.Value(j(t, tt.value))
			if err != nil {
				t.Fatal(err)
			}
			if want := j(t, tt.want); !reflect.DeepEqual(got, want) {
				t.Errorf("Value(%s) = %#v, want %#v", tt.value, got, want)
			}
		})
	}
}

func TestEvaluatorValueErrorsNameTheMember(t *testing.T) {
	_, err := cfn.Evaluator{Path: "X.Properties"}.Value(j(t, `{"Tags":[{"Key":"k","Value":{"Fn::If":["C","a","b"]}}]}`))
	if err == nil || err.Error() != "cfn: X.Properties.Tags[0].Value: Fn::If is not supported (the evaluator knows Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::Base64)" {
		t.Errorf("error = %v", err)
	}
}

func TestChainAsksResolversInOrderAndSkipsNil(t *testing.T) {
	first := cfn.Values(map[cfn.Ref]string{{LogicalID: "A"}: "first"})
	second := cfn.Values(map[cfn.Ref]string{{LogicalID: "A"}: "second", {LogicalID: "B"}: "second-b"})
	r := cfn.Chain(nil, first, second)
	for _, tt := range []struct {
		id, want string
		ok       bool
	}{{"A", "first", true}, {"B", "second-b", true}, {"C", "", false}} {
		if got, ok := r(cfn.Ref{LogicalID: tt.id}); got != tt.want || ok != tt.ok {
			t.Errorf("%s: got %q %v, want %q %v", tt.id, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStringMapEvaluatesAFunctionEnvironmentWithOverrides(t *testing.T) {
	// GIVEN a function whose environment names a table and a queue
	tpl := mustParse(t, `{"Resources":{
		"Table":{"Type":"AWS::DynamoDB::Table","Properties":{"TableName":"transactions-dev"}},
		"Queue":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"failed-dev"}},
		"Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"persist-dev","Environment":{"Variables":{
			"TABLE":{"Ref":"Table"},"QUEUE_URL":{"Ref":"Queue"},"QUEUE_ARN":{"Fn::GetAtt":["Queue","Arn"]},"TTL_HOURS":24}}}}}}`)
	fn, err := tpl.ByName(cfn.LambdaFunction, "persist-dev")
	if err != nil {
		t.Fatal(err)
	}
	// WHEN it is evaluated with an override for the queue
	local := cfn.Values(map[cfn.Ref]string{{LogicalID: "Queue"}: "http://127.0.0.1:9324/000000000000/failed-dev"})
	env, err := tpl.Evaluator(cfn.Env{}, local).StringMap(fn, "Environment", "Variables")
	if err != nil {
		t.Fatal(err)
	}
	// THEN the override wins and the rest reads as deployed
	want := map[string]string{
		"TABLE":     "transactions-dev",
		"QUEUE_URL": "http://127.0.0.1:9324/000000000000/failed-dev",
		"QUEUE_ARN": "arn:aws:sqs:us-east-1:123456789012:failed-dev",
		"TTL_HOURS": "24",
	}
	if !reflect.DeepEqual(env, want) {
		t.Errorf("env = %v, want %v", env, want)
	}
	// AND a strict evaluator (the override only) names what it cannot resolve
	_, err = cfn.Evaluator{Resolve: local}.StringMap(fn, "Environment", "Variables")
	if err == nil || !strings.Contains(err.Error(), "Fn.Properties.Environment.Variables.QUEUE_ARN: Fn::GetAtt Queue.Arn cannot be resolved") {
		t.Errorf("strict error = %v", err)
	}
	// AND an absent map is empty, a non-object is an error
	if m, err := tpl.Evaluator(cfn.Env{}).StringMap(fn, "Nope"); err != nil || len(m) != 0 {
		t.Errorf("absent map = %v, %v", m, err)
	}
	if _, err := tpl.Evaluator(cfn.Env{}).StringMap(fn, "FunctionName"); err == nil {
		t.Error("a string property was read as a map")
	}
}

func TestPropertyEvaluatesOneResourceProperty(t *testing.T) {
	tpl := mustParse(t, `{"Resources":{"Q":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q","RedrivePolicy":{"deadLetterTargetArn":{"Fn::GetAtt":["D","Arn"]},"maxReceiveCount":5}}},
		"D":{"Type":"AWS::SQS::Queue","Properties":{"QueueName":"q-dlq"}}}}`)
	got, err := tpl.Evaluator(cfn.Env{}).Property(tpl.Resources["Q"], "RedrivePolicy")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:q-dlq", "maxReceiveCount": 5.0}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("RedrivePolicy = %v", got)
	}
	if got, err := tpl.Evaluator(cfn.Env{}).Property(tpl.Resources["Q"], "Nope"); got != nil || err != nil {
		t.Errorf("absent property = %v, %v", got, err)
	}
}

func BenchmarkEvaluatorDefinitionJoin(b *testing.B) {
	parts := []any{}
	for range 50 {
		parts = append(parts, `{"Type":"Task","Resource":"`, map[string]any{"Fn::GetAtt": []any{"Fn", "Arn"}}, `"},`)
	}
	v := map[string]any{"Fn::Join": []any{"", parts}}
	ev := cfn.Evaluator{Resolve: testResolver}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ev.String(v); err != nil {
			b.Fatal(err)
		}
	}
}
