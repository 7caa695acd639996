package test

import (
	"strings"
	"testing"
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
