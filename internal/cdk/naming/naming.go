// Package naming is the one place that turns a resource type into a
// physical name, `{resource-type}-{environment-suffix}`, so that two
// environment suffixes deploy side by side in one account without sharing
// a physical name.
package naming

import (
	"fmt"
	"regexp"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/resilientpay/paymentapi/internal/platform"
)

// ContextKey is the CDK context key that holds the environment suffix.
const ContextKey = "environmentSuffix"

// DefaultSuffix is used when the context does not set one.
const DefaultSuffix = "dev"

// Suffixes are short so that every name stays inside the tightest AWS
// limit we use (64 characters for IAM roles and Lambda functions).
var validSuffix = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,15}$`)

// ValidateSuffix reports whether s can be used as an environment suffix.
func ValidateSuffix(s string) error {
	if !validSuffix.MatchString(s) {
		return fmt.Errorf("environment suffix %q must be 1-16 characters of a-z, 0-9 and '-', starting with a letter or digit", s)
	}
	return nil
}

// Suffix returns the environment suffix visible from scope (the CDK context
// value environmentSuffix, or "dev"). It panics on an invalid suffix: that
// is a configuration error caught at synth time.
func Suffix(scope constructs.Construct) string {
	s := DefaultSuffix
	if v := scope.Node().TryGetContext(ptr(ContextKey)); v != nil {
		str, ok := v.(string)
		if !ok {
			panic(fmt.Sprintf("naming: context %s must be a string, got %T", ContextKey, v))
		}
		s = str
	}
	if err := ValidateSuffix(s); err != nil {
		panic("naming: " + err.Error())
	}
	return s
}

// Name returns the physical name of a resource of the given type, e.g.
// Name(scope, "transactions-table") == "transactions-table-dev".
func Name(scope constructs.Construct, resourceType string) string {
	return Physical(resourceType, Suffix(scope))
}

// Physical is the one naming rule, {resource-type}-{environment-suffix}, for
// callers that know the suffix without a construct scope (the local runner).
func Physical(resourceType, suffix string) string {
	return platform.Physical(resourceType, suffix)
}

// NamePtr is Name as a *string, the form CDK props take.
func NamePtr(scope constructs.Construct, resourceType string) *string {
	n := Name(scope, resourceType)
	return &n
}

func ptr(s string) *string { return &s }
