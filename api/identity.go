package api

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Identity mirrors the $context.identity variables API Gateway fills for a
// request it authorized with IAM (SigV4), as far as the API uses them. The
// request template passes them to the workflow (RequestTemplate, mirrored
// by ExecutionInputFor), the GET /payments/{id} function reads them from
// its proxy event, and the local runner fills them from the signature it
// verified, so all three agree on who the caller is.
//
// Source: API Gateway developer guide, "Variables for data
// transformations" ($context.identity.accountId, caller, user, userArn,
// accessKey: "Supported for resources that use IAM authorization"), and
// IAM's "Unique identifiers" (AIDA... for users, AROA... for roles; a
// principal deleted and created again under the same name gets a new
// unique id).
type Identity struct {
	// AccountID is $context.identity.accountId: the signer's account.
	AccountID string `json:"accountId,omitempty"`
	// Caller is $context.identity.caller: the principal id of the signer,
	// "AIDA..." for an IAM user, "AROA...:<session name>" for an assumed
	// role (as IAM's aws:userid policy variable).
	Caller string `json:"caller,omitempty"`
	// User is $context.identity.user: the principal id that is authorized
	// (the same as Caller for SigV4 requests).
	User string `json:"user,omitempty"`
	// UserArn is $context.identity.userArn: the readable ARN of the signer.
	UserArn string `json:"userArn,omitempty"`
	// AccessKey is $context.identity.accessKey: the access key id the
	// request was signed with.
	AccessKey string `json:"accessKey,omitempty"`
}

// LocalIdentity is the identity the local runner and the tests give a
// principal named by its ARN, where no IAM assigns unique ids: the account
// from the ARN and a principal id derived from it the way IAM shapes them
// ("AIDA" and 17 characters for a user or any other ARN, "AROA" and 17
// characters of the role, then ":<session>", for an assumed role). The
// same ARN always gets the same id; on AWS, IAM assigns a new one when a
// principal is created again under the same name, which is what makes the
// owner of a payment impossible to inherit.
func LocalIdentity(userArn string) Identity {
	if userArn == "" {
		return Identity{}
	}
	id := Identity{UserArn: userArn}
	parts := strings.SplitN(userArn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		id.AccountID = parts[4]
	}
	caller := "AIDA" + localUniqueID(userArn)
	if len(parts) == 6 && parts[2] == "sts" && strings.HasPrefix(parts[5], "assumed-role/") {
		if role, session, ok := strings.Cut(strings.TrimPrefix(parts[5], "assumed-role/"), "/"); ok {
			roleArn := "arn:" + parts[1] + ":iam::" + parts[4] + ":role/" + role
			caller = "AROA" + localUniqueID(roleArn) + ":" + session
		}
	}
	id.Caller, id.User = caller, caller
	return id
}

// localUniqueID is 17 characters of base32 of the ARN's SHA-256, the
// length of the part of an IAM unique id after its four-letter prefix.
func localUniqueID(arn string) string {
	sum := sha256.Sum256([]byte(arn))
	return base32.StdEncoding.EncodeToString(sum[:])[:17]
}
