package test

import (
	"os"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/payments"
)

// TestTheSecurityDocSaysRefusedPaymentsEndInSucceedStates keeps
// docs/security.md's row on refused payments true to the workflow: each
// client outcome ends in the Succeed state named for it
// (payments.OutcomeStates), so the execution SUCCEEDED.
func TestTheSecurityDocSaysRefusedPaymentsEndInSucceedStates(t *testing.T) {
	b, err := os.ReadFile("../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	var row string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "| Refused payment") {
			row = line
		}
	}
	if row == "" {
		t.Fatal(`docs/security.md has no "| Refused payment" row`)
	}
	visible := strings.Split(row, "|")[2]
	for _, state := range payments.OutcomeStates {
		if !strings.Contains(visible, "`"+state+"`") {
			t.Errorf("the refused-payment row does not name the Succeed state %s: %s", state, visible)
		}
	}
	if !strings.Contains(visible, "Succeed state") || !strings.Contains(visible, "SUCCEEDED") {
		t.Errorf("the refused-payment row does not say the execution ends in a Succeed state, SUCCEEDED: %s", visible)
	}
	if strings.Contains(visible, "then the Fail state named for the error") || strings.Contains(visible, "the execution's FAILED status") {
		t.Errorf("the refused-payment row still says a refused payment fails the execution: %s", visible)
	}
}
