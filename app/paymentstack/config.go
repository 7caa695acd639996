package paymentstack

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/resilientpay/paymentapi/dashboards"
	"github.com/resilientpay/paymentapi/internal/awsenv"
	"github.com/resilientpay/paymentapi/internal/cdk/golambda"
	"github.com/resilientpay/paymentapi/internal/cdk/naming"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

// Config is every tunable of the app, read from CDK context (cdk.json, or
// `-c key=value` on the command line). Defaults apply to keys that are not
// set.
type Config struct {
	Suffix                  string
	LogRetentionDays        int
	ThrottleRate            float64
	ThrottleBurst           float64
	RecoveryScheduleMinutes float64
	IdempotencyTTLHours     int
	// APIGatewayCloudWatchRole creates the account-level role API Gateway
	// uses for access logs. Set it to false for a second suffix in the
	// same account (the setting is per account and region).
	APIGatewayCloudWatchRole bool
	Thresholds               dashboards.Thresholds
	// WAFRatePer5Minutes is the per-IP limit of the web ACL's rate rule.
	WAFRatePer5Minutes float64
	// AlarmEmail, when set, subscribes this address to the alarm topic.
	AlarmEmail string
	// TransactionsTable, when set, is a restored transactions table of
	// this suffix (cmd/restore names it) that the stack uses instead of
	// the one it created (docs/runbook.md, "Restore").
	TransactionsTable string
	// AlarmTopicArn, when set, is an existing SNS topic (the on-call
	// team's) that every alarm notifies besides the stack's alarm topic.
	// Every suffix but dev needs AlarmEmail or AlarmTopicArn (see
	// CheckAlarmSubscriber).
	AlarmTopicArn string
}

// Context keys, as written in cdk.json.
const (
	KeyLogRetentionDays         = "logRetentionDays"
	KeyThrottleRate             = "apiThrottleRateLimit"
	KeyThrottleBurst            = "apiThrottleBurstLimit"
	KeyRecoveryScheduleMinutes  = "recoveryScheduleMinutes"
	KeyIdempotencyTTLHours      = "idempotencyTtlHours"
	KeyAPIGatewayCloudWatchRole = "apiGatewayCloudWatchRole"
	KeyAlarmLatencyP99Millis    = "alarmApiLatencyP99Millis"
	KeyAlarmOldestMessageAge    = "alarmOldestMessageAgeSeconds"
	KeyAlarmDLQOldestMessageAge = "alarmDlqOldestMessageAgeSeconds"
	KeyAlarmLambdaErrors        = "alarmLambdaErrorsPerPeriod"
	KeyAlarmWorkflowFailures    = "alarmWorkflowFailuresPerPeriod"
	KeyAlarmEmail               = "alarmEmail"
	KeyAlarmTopicArn            = "alarmTopicArn"
	KeyWAFRatePer5Minutes       = "wafRateLimitPer5Minutes"
	KeyTransactionsTable        = "transactionsTable"
)

// ConfigFromContext reads the configuration visible from scope and checks
// it. Values may be JSON numbers (cdk.json) or strings (-c on the CLI).
func ConfigFromContext(scope constructs.Construct) (Config, error) {
	node := scope.Node()
	var firstErr error
	num := func(key string, def float64) float64 {
		v := node.TryGetContext(jsii.String(key))
		if v == nil {
			return def
		}
		f, err := toFloat(v)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("context %s: %w", key, err)
		}
		return f
	}
	cfg := Config{
		LogRetentionDays:        int(num(KeyLogRetentionDays, 30)),
		ThrottleRate:            num(KeyThrottleRate, 100),
		ThrottleBurst:           num(KeyThrottleBurst, 200),
		RecoveryScheduleMinutes: num(KeyRecoveryScheduleMinutes, 5),
		IdempotencyTTLHours:     int(num(KeyIdempotencyTTLHours, 24)),
		WAFRatePer5Minutes:      num(KeyWAFRatePer5Minutes, 2000),
		Thresholds: dashboards.Thresholds{
			APILatencyP99Millis:        num(KeyAlarmLatencyP99Millis, 3000),
			OldestMessageAgeSeconds:    num(KeyAlarmOldestMessageAge, 900),
			DLQOldestMessageAgeSeconds: num(KeyAlarmDLQOldestMessageAge, 2*24*3600),
			LambdaErrorsPerPeriod:      num(KeyAlarmLambdaErrors, 5),
			WorkflowFailuresPerPeriod:  num(KeyAlarmWorkflowFailures, 0),
		},
		APIGatewayCloudWatchRole: true,
	}
	if v := node.TryGetContext(jsii.String(KeyAPIGatewayCloudWatchRole)); v != nil {
		switch b := v.(type) {
		case bool:
			cfg.APIGatewayCloudWatchRole = b
		case string:
			cfg.APIGatewayCloudWatchRole = b != "false"
		}
	}
	if v, ok := node.TryGetContext(jsii.String(KeyAlarmEmail)).(string); ok {
		cfg.AlarmEmail = strings.TrimSpace(v)
	}
	if v, ok := node.TryGetContext(jsii.String(KeyAlarmTopicArn)).(string); ok {
		cfg.AlarmTopicArn = strings.TrimSpace(v)
	}
	if firstErr != nil {
		return Config{}, firstErr
	}
	cfg.Suffix = naming.DefaultSuffix
	if v := node.TryGetContext(jsii.String(naming.ContextKey)); v != nil {
		s, ok := v.(string)
		if !ok {
			return Config{}, fmt.Errorf("context %s must be a string", naming.ContextKey)
		}
		cfg.Suffix = s
	}
	if err := naming.ValidateSuffix(cfg.Suffix); err != nil {
		return Config{}, err
	}
	if v := node.TryGetContext(jsii.String(KeyTransactionsTable)); v != nil {
		s, ok := v.(string)
		if !ok {
			return Config{}, fmt.Errorf("context %s must be a string", KeyTransactionsTable)
		}
		// Only a restored table of this suffix: never another
		// environment's table, nor a name the stack did not restore.
		if _, err := restore.ParseTargetName(s, cfg.Suffix); err != nil {
			return Config{}, fmt.Errorf("context %s: %w", KeyTransactionsTable, err)
		}
		cfg.TransactionsTable = s
	}
	if _, err := RetentionDays(cfg.LogRetentionDays); err != nil {
		return Config{}, err
	}
	// A synthesis with stub Lambda code (the local runner's and the cost
	// model's template) is never deployed: its alarms need nobody.
	if node.TryGetContext(jsii.String(golambda.StubCodeContextKey)) != true {
		if err := CheckAlarmSubscriber(cfg.Suffix, cfg.AlarmEmail, cfg.AlarmTopicArn); err != nil {
			return Config{}, err
		}
	}
	switch {
	case cfg.ThrottleRate <= 0 || cfg.ThrottleBurst <= 0:
		return Config{}, fmt.Errorf("throttling limits must be positive (rate %v, burst %v)", cfg.ThrottleRate, cfg.ThrottleBurst)
	case cfg.RecoveryScheduleMinutes < 1 || cfg.RecoveryScheduleMinutes != float64(int(cfg.RecoveryScheduleMinutes)):
		return Config{}, fmt.Errorf("%s must be a whole number of minutes >= 1", KeyRecoveryScheduleMinutes)
	case cfg.WAFRatePer5Minutes < 100:
		return Config{}, fmt.Errorf("%s must be >= 100 (the AWS WAF minimum)", KeyWAFRatePer5Minutes)
	case cfg.IdempotencyTTLHours < 1:
		return Config{}, fmt.Errorf("%s must be >= 1", KeyIdempotencyTTLHours)
	case cfg.Thresholds.APILatencyP99Millis <= 0 || cfg.Thresholds.OldestMessageAgeSeconds <= 0:
		return Config{}, fmt.Errorf("alarm thresholds must be positive")
	case cfg.Thresholds.DLQOldestMessageAgeSeconds <= 0 || cfg.Thresholds.DLQOldestMessageAgeSeconds > dashboards.MaxDLQAgeAlarmSeconds:
		return Config{}, fmt.Errorf("%s must be within 1..%d s, well under the DLQs' 14-day retention", KeyAlarmDLQOldestMessageAge, dashboards.MaxDLQAgeAlarmSeconds)
	case cfg.Thresholds.WorkflowFailuresPerPeriod < 0 || cfg.Thresholds.LambdaErrorsPerPeriod < 0:
		return Config{}, fmt.Errorf("alarm thresholds must not be negative")
	}
	return cfg, nil
}

// UnsubscribedSuffix is the one environment suffix whose alarms may go to
// a topic nobody reads: a developer's own stack.
const UnsubscribedSuffix = naming.DefaultSuffix

var (
	emailPattern = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	// An SNS topic ARN in the app's region (CloudWatch alarm actions name
	// a topic of the alarm's region), of any account: a central on-call
	// account's topic works when its policy lets cloudwatch.amazonaws.com
	// publish.
	topicArnPattern = regexp.MustCompile(`^arn:aws[a-z-]*:sns:` + regexp.QuoteMeta(awsenv.Region) + `:[0-9]{12}:[A-Za-z0-9_-]{1,256}$`)
)

// CheckAlarmSubscriber refuses a configuration whose alarms would reach
// nobody: every suffix but UnsubscribedSuffix needs an email subscriber
// (alarmEmail) or an existing topic the alarms also notify
// (alarmTopicArn), and what is set must be well formed.
func CheckAlarmSubscriber(suffix, email, topicArn string) error {
	if email != "" && !emailPattern.MatchString(email) {
		return fmt.Errorf("context %s %q is not an email address", KeyAlarmEmail, email)
	}
	if topicArn != "" && !topicArnPattern.MatchString(topicArn) {
		return fmt.Errorf("context %s %q is not the ARN of a standard SNS topic in %s (arn:aws:sns:%s:<account>:<name>)",
			KeyAlarmTopicArn, topicArn, awsenv.Region, awsenv.Region)
	}
	if suffix != UnsubscribedSuffix && email == "" && topicArn == "" {
		return fmt.Errorf("environment %q has no alarm subscriber, so its alarms would reach nobody: "+
			"set context %s (an email address to subscribe) or %s (an existing SNS topic in %s that the alarms also notify), "+
			"e.g. make deploy SUFFIX=%s CDK_EXTRA='-c %s=oncall@example.com'; only %q may go without",
			suffix, KeyAlarmEmail, KeyAlarmTopicArn, awsenv.Region, suffix, KeyAlarmEmail, UnsubscribedSuffix)
	}
	return nil
}

func toFloat(v interface{}) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case json.Number:
		return x.Float64()
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return 0, fmt.Errorf("want a number, got %T", v)
}

var retention = map[int]awslogs.RetentionDays{
	1: awslogs.RetentionDays_ONE_DAY, 3: awslogs.RetentionDays_THREE_DAYS, 5: awslogs.RetentionDays_FIVE_DAYS,
	7: awslogs.RetentionDays_ONE_WEEK, 14: awslogs.RetentionDays_TWO_WEEKS, 30: awslogs.RetentionDays_ONE_MONTH,
	60: awslogs.RetentionDays_TWO_MONTHS, 90: awslogs.RetentionDays_THREE_MONTHS, 120: awslogs.RetentionDays_FOUR_MONTHS,
	150: awslogs.RetentionDays_FIVE_MONTHS, 180: awslogs.RetentionDays_SIX_MONTHS, 365: awslogs.RetentionDays_ONE_YEAR,
	400: awslogs.RetentionDays_THIRTEEN_MONTHS, 545: awslogs.RetentionDays_EIGHTEEN_MONTHS, 731: awslogs.RetentionDays_TWO_YEARS,
}

// RetentionDays maps a number of days to a CloudWatch Logs retention
// period; CloudWatch accepts only certain values, and never "forever" here.
func RetentionDays(days int) (awslogs.RetentionDays, error) {
	r, ok := retention[days]
	if !ok {
		return "", fmt.Errorf("%s %d is not a CloudWatch Logs retention period (use 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545 or 731)", KeyLogRetentionDays, days)
	}
	return r, nil
}
