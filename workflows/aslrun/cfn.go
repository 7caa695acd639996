package aslrun

import (
	"fmt"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// DefinitionFromTemplate extracts the ASL definition of the
// AWS::StepFunctions::StateMachine resource logicalID (or of the only
// state machine when logicalID is "") from a CloudFormation template as
// `cdk synth` writes it, with its intrinsic functions evaluated and its
// DefinitionSubstitutions applied by package cfn.
//
// resolve (may be nil) is asked first for every reference (cfn.Ref); then
// references read as the deployed names would (cfn.PhysicalNames): an
// AWS::Lambda::Function's Arn is
// arn:aws:lambda:us-east-1:123456789012:function:<FunctionName or logical
// id>, so a LambdaInvoker can register handlers by function name or
// logical id, and queues, topics, tables and state machines get URLs,
// ARNs and names of the same form. A reference neither answers is an
// error naming it.
func DefinitionFromTemplate(template []byte, logicalID string, resolve cfn.Resolver) ([]byte, error) {
	t, err := cfn.Parse(template)
	if err != nil {
		return nil, err
	}
	if logicalID == "" {
		sms := t.StateMachines()
		if len(sms) != 1 {
			ids := make([]string, len(sms))
			for i, r := range sms {
				ids[i] = r.LogicalID
			}
			return nil, fmt.Errorf("aslrun: the template has %d state machines %v; name one", len(sms), ids)
		}
		logicalID = sms[0].LogicalID
	}
	r, ok := t.Resources[logicalID]
	if !ok || r.Type != cfn.StateMachine {
		return nil, fmt.Errorf("aslrun: %s is not a state machine of the template", logicalID)
	}
	return t.Evaluator(cfn.Env{}, resolve).Definition(r)
}
