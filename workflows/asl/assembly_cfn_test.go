package asl_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

func TestLoadTemplateRebuildsWhateverItCanAndReportsWhatItCannot(t *testing.T) {
	// GIVEN a template whose first machine references a resource of
	// another stack and whose second uses an intrinsic no evaluator knows
	path := filepath.Join(t.TempDir(), "S.template.json")
	tpl := `{"Resources":{
	  "A":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionString":{"Fn::Join":["",[
	    "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Result\":\"",{"Fn::GetAtt":["Elsewhere","Arn"]},"\",\"End\":true}}}"]]}}},
	  "B":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"DefinitionString":{"Fn::If":["IsProd","{}","{}"]}}}}}`
	if err := os.WriteFile(path, []byte(tpl), 0o644); err != nil {
		t.Fatal(err)
	}
	ms, err := asl.LoadTemplate(path, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Stack != "S" {
		t.Fatalf("machines = %+v", ms)
	}
	// THEN the unknown resource becomes a token placeholder and the machine parses
	a := ms[0]
	if a.ParseError != nil {
		t.Fatalf("A: %v", a.ParseError)
	}
	if got := a.Definition.States["P"].Raw["Result"]; got != "${Token[Elsewhere.Arn]}" || a.Tokens["${Token[Elsewhere.Arn]}"].LogicalID != "Elsewhere" {
		t.Errorf("Result = %v, tokens %v", got, a.Tokens)
	}
	// AND the unknown intrinsic is the other machine's parse error, named
	if b := ms[1]; b.ParseError == nil || !strings.Contains(b.ParseError.Error(), "B.Properties.DefinitionString: Fn::If is not supported") {
		t.Errorf("B: %v", b.ParseError)
	}
}
