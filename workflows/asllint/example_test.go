package asllint_test

import (
	"fmt"

	"github.com/resilientpay/paymentapi/workflows/asl"
	"github.com/resilientpay/paymentapi/workflows/asllint"
)

func ExampleMermaid() {
	def, _ := asl.Parse([]byte(`{"StartAt": "Persist", "States": {
	  "Persist": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:persist", "TimeoutSeconds": 3,
	    "Retry": [{"ErrorEquals": ["Payment.StoreUnavailable"], "MaxAttempts": 2}],
	    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Enqueue"}], "Next": "Done"},
	  "Enqueue": {"Type": "Pass", "Next": "Done"},
	  "Done": {"Type": "Succeed"}}}`))
	fmt.Print(asllint.Mermaid(def))
	// Output:
	// flowchart TD
	//   start_([Start])
	//   s0["Persist (Task)"]
	//   s1["Enqueue (Pass)"]
	//   s2(["Done (Succeed)"])
	//   start_ --> s0
	//   s0 --> s2
	//   s0 -->|"retry Payment.StoreUnavailable x2"| s0
	//   s0 -.->|"States.ALL"| s1
	//   s1 --> s2
}

func ExampleLintJSON() {
	fs := asllint.LintJSON("payments.json", []byte(`{"StartAt": "A", "States": {
	  "A": {"Type": "Fail", "Error": "Payment.Invlid"}}}`), asllint.Options{Profile: asllint.ProfileStrict, DeclaredErrors: []string{"Payment.Invalid"}})
	for _, f := range fs {
		fmt.Println(f)
		fmt.Println("hint:", f.Hint)
	}
	// Output:
	// payments.json:A: error-name: error name "Payment.Invlid" is not declared
	// hint: did you mean "Payment.Invalid"?
}
