package restapi

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	waf "github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/api"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// newWebACL protects the stage with a body-size rule (413 over the
// contract's 16 KiB), a per-IP rate-based rule, a tighter per-IP rule for
// GET /health (429, so that one client cannot hold the route's shared
// method throttle and starve load-balancer and Route 53 checks) and AWS's
// managed common and
// known-bad-inputs rule groups, and logs its decisions without client data:
// no query string, path, header value, cookie or body excerpt reaches the
// log or a sampled request.
func newWebACL(scope constructs.Construct, stageArn *string, ratePer5Min, healthRatePer5Min float64, retention awslogs.RetentionDays, key awskms.IKey) waf.CfnWebACL {
	visibility := func(metric string) *waf.CfnWebACL_VisibilityConfigProperty {
		return &waf.CfnWebACL_VisibilityConfigProperty{
			CloudWatchMetricsEnabled: jsii.Bool(true), MetricName: jsii.String(metric),
			// Sampled requests show the URI path, which data protection
			// does not cover and which can hold anything a client typed
			// as a payment id: the (redacted) logs serve instead.
			SampledRequestsEnabled: jsii.Bool(false),
		}
	}
	// Data protection replaces these parts of every request with
	// "REDACTED" wherever the WAF keeps request data (logs, sampled
	// requests), rule match details included. Every key of each type:
	// WAF offers only deny-lists or all, so no header value is kept.
	var protections []interface{}
	for _, field := range []string{"SINGLE_HEADER", "SINGLE_COOKIE", "QUERY_STRING", "SINGLE_QUERY_ARGUMENT", "BODY"} {
		protections = append(protections, &waf.CfnWebACL_DataProtectProperty{
			Action: jsii.String("SUBSTITUTION"), Field: &waf.CfnWebACL_FieldToProtectProperty{FieldType: jsii.String(field)},
			ExcludeRuleMatchDetails: jsii.Bool(false), ExcludeRateBasedDetails: jsii.Bool(false),
		})
	}
	managed := func(priority float64, name string, overrides ...string) *waf.CfnWebACL_RuleProperty {
		var actionOverrides []interface{}
		for _, o := range overrides {
			actionOverrides = append(actionOverrides, &waf.CfnWebACL_RuleActionOverrideProperty{
				Name: jsii.String(o), ActionToUse: &waf.CfnWebACL_RuleActionProperty{Count: &waf.CfnWebACL_CountActionProperty{}},
			})
		}
		return &waf.CfnWebACL_RuleProperty{
			Name: jsii.String(name), Priority: jsii.Number(priority),
			OverrideAction: &waf.CfnWebACL_OverrideActionProperty{None: map[string]interface{}{}},
			Statement: &waf.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: &waf.CfnWebACL_ManagedRuleGroupStatementProperty{
				VendorName: jsii.String("AWS"), Name: jsii.String(name), RuleActionOverrides: &actionOverrides,
			}},
			VisibilityConfig: visibility(name),
		}
	}
	name := naming.Name(scope, "payments-waf")
	const tooLarge, tooMany = "too-large", "too-many"
	acl := waf.NewCfnWebACL(scope, jsii.String("WebACL"), &waf.CfnWebACLProps{
		Name:                 jsii.String(name),
		Scope:                jsii.String("REGIONAL"),
		DefaultAction:        &waf.CfnWebACL_DefaultActionProperty{Allow: map[string]interface{}{}},
		VisibilityConfig:     visibility(name),
		DataProtectionConfig: &waf.CfnWebACL_DataProtectionConfigProperty{DataProtections: &protections},
		// WAF sees the first 16 KiB of an API Gateway body (the default,
		// stated so the body-size rule's limit cannot drift from it).
		AssociationConfig: &waf.CfnWebACL_AssociationConfigProperty{RequestBody: map[string]interface{}{
			"API_GATEWAY": &waf.CfnWebACL_RequestBodyAssociatedResourceTypeConfigProperty{DefaultSizeInspectionLimit: jsii.String("KB_16")},
		}},
		CustomResponseBodies: map[string]interface{}{
			tooLarge: &waf.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(api.TooLargeProblemBody())},
			tooMany:  &waf.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(api.ThrottledProblemBody())},
		},
		Rules: &[]interface{}{
			// A body over the contract's 16 KiB is refused at the edge with
			// 413: it never becomes an execution input over Step Functions'
			// 256 KiB. A body past the inspection limit matches (oversize
			// handling MATCH), so no size slips through uninspected.
			&waf.CfnWebACL_RuleProperty{
				Name: jsii.String("BodyOverContractLimit"), Priority: jsii.Number(0),
				Action: &waf.CfnWebACL_RuleActionProperty{Block: &waf.CfnWebACL_BlockActionProperty{
					CustomResponse: &waf.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(413), CustomResponseBodyKey: jsii.String(tooLarge)},
				}},
				Statement: &waf.CfnWebACL_StatementProperty{SizeConstraintStatement: &waf.CfnWebACL_SizeConstraintStatementProperty{
					FieldToMatch:        &waf.CfnWebACL_FieldToMatchProperty{Body: &waf.CfnWebACL_BodyProperty{OversizeHandling: jsii.String("MATCH")}},
					ComparisonOperator:  jsii.String("GT"),
					Size:                jsii.Number(payment.MaxBodyBytes),
					TextTransformations: &[]interface{}{&waf.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
				}},
				VisibilityConfig: visibility("BodyOverContractLimit"),
			},
			&waf.CfnWebACL_RuleProperty{
				Name: jsii.String("RatePerIP"), Priority: jsii.Number(1),
				Action: &waf.CfnWebACL_RuleActionProperty{Block: &waf.CfnWebACL_BlockActionProperty{}},
				Statement: &waf.CfnWebACL_StatementProperty{RateBasedStatement: &waf.CfnWebACL_RateBasedStatementProperty{
					Limit: jsii.Number(ratePer5Min), AggregateKeyType: jsii.String("IP"),
				}},
				VisibilityConfig: visibility("RatePerIP"),
			},
			// GET /health's own per-IP limit. The path WAF sees is the
			// client's: /v1/health on the execute-api endpoint, /health
			// behind a custom domain; both end with /health, and
			// /health/report (signed) does not.
			&waf.CfnWebACL_RuleProperty{
				Name: jsii.String("HealthRatePerIP"), Priority: jsii.Number(2),
				Action: &waf.CfnWebACL_RuleActionProperty{Block: &waf.CfnWebACL_BlockActionProperty{
					CustomResponse: &waf.CfnWebACL_CustomResponseProperty{ResponseCode: jsii.Number(429), CustomResponseBodyKey: jsii.String(tooMany)},
				}},
				Statement: &waf.CfnWebACL_StatementProperty{RateBasedStatement: &waf.CfnWebACL_RateBasedStatementProperty{
					Limit: jsii.Number(healthRatePer5Min), AggregateKeyType: jsii.String("IP"),
					ScopeDownStatement: &waf.CfnWebACL_StatementProperty{ByteMatchStatement: &waf.CfnWebACL_ByteMatchStatementProperty{
						FieldToMatch:         &waf.CfnWebACL_FieldToMatchProperty{UriPath: map[string]interface{}{}},
						PositionalConstraint: jsii.String("ENDS_WITH"),
						SearchString:         jsii.String("/health"),
						TextTransformations:  &[]interface{}{&waf.CfnWebACL_TextTransformationProperty{Priority: jsii.Number(0), Type: jsii.String("NONE")}},
					}},
				}},
				VisibilityConfig: visibility("HealthRatePerIP"),
			},
			// The common rule set blocks bodies over 8 KB; the contract
			// allows 16 KiB, which the body-size rule above enforces.
			managed(3, "AWSManagedRulesCommonRuleSet", "SizeRestrictions_BODY"),
			managed(4, "AWSManagedRulesKnownBadInputsRuleSet"),
		},
	})
	waf.NewCfnWebACLAssociation(scope, jsii.String("WebACLAssociation"), &waf.CfnWebACLAssociationProps{
		ResourceArn: stageArn, WebAclArn: acl.AttrArn(),
	})
	// WAF requires its log group names to start with aws-waf-logs-.
	logs := awslogs.NewLogGroup(scope, jsii.String("WafLog"), &awslogs.LogGroupProps{
		LogGroupName: jsii.String("aws-waf-logs-" + name), Retention: retention, EncryptionKey: key,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	action := func(a string) map[string]interface{} {
		return map[string]interface{}{"ActionCondition": map[string]interface{}{"Action": a}}
	}
	waf.NewCfnLoggingConfiguration(scope, jsii.String("WafLogging"), &waf.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]interface{}{logs.LogGroupArn()},
		// Keep the decisions that matter for security: blocked requests,
		// and the ones a rule counted (the overridden body-size rule). An
		// allowed request is one line of the stage's access log already;
		// its WAF record (1.6 KB) was 5% of a payment's cost.
		LoggingFilter: map[string]interface{}{
			"DefaultBehavior": "DROP",
			"Filters": []interface{}{map[string]interface{}{
				"Behavior": "KEEP", "Requirement": "MEETS_ANY",
				"Conditions": []interface{}{action("BLOCK"), action("COUNT"), action("EXCLUDED_AS_COUNT")},
			}},
		},
		// Never log the query string, the path (GET /payments/{id} takes
		// anything as the id) or the headers that carry credentials or
		// keys, whatever the data protection above does.
		RedactedFields: &[]interface{}{
			&waf.CfnLoggingConfiguration_FieldToMatchProperty{QueryString: map[string]interface{}{}},
			&waf.CfnLoggingConfiguration_FieldToMatchProperty{UriPath: map[string]interface{}{}},
			&waf.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]interface{}{"Name": "authorization"}},
			&waf.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]interface{}{"Name": "idempotency-key"}},
			&waf.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]interface{}{"Name": "x-amz-security-token"}},
		},
	})
	return acl
}
