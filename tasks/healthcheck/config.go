package healthcheck

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Environment variables read by ConfigFromEnv.
const (
	// EnvAlarmNamePrefix selects this app's alarms by name prefix.
	EnvAlarmNamePrefix = "ALARM_NAME_PREFIX"
	// EnvAlarmNames selects this app's alarms by exact name
	// (comma-separated). With both set, the union is checked.
	EnvAlarmNames = "ALARM_NAMES"
	// EnvNonBlockingAlarmNames names alarms (comma-separated) that are
	// reported but never make the report unhealthy: symptoms a redrive
	// cures, such as DLQ depth and oldest message age. Without it the DLQ
	// depth alarm would block the very redrive that clears it.
	EnvNonBlockingAlarmNames = "NON_BLOCKING_ALARM_NAMES"
	// EnvIncludeCompositeAlarms ("true") also reads composite alarms.
	// CloudWatch returns composite alarms only to a caller whose
	// cloudwatch:DescribeAlarms permission is scoped to "*", so it is off by
	// default and the role can be limited to this app's alarm ARNs.
	EnvIncludeCompositeAlarms = "INCLUDE_COMPOSITE_ALARMS"
	// EnvTableName is the transactions table.
	EnvTableName = "TABLE_NAME"
	// EnvQueueURLs lists every queue to watch (comma-separated): source
	// queues and their dead-letter queues.
	EnvQueueURLs = "QUEUE_URLS"
	// EnvRedriveRate is MaxNumberOfMessagesPerSecond for redrives
	// (1..500, default DefaultRedriveRate).
	EnvRedriveRate = "REDRIVE_MAX_MESSAGES_PER_SECOND"
	// EnvCountParked ("true") counts the parked payments in the report
	// (the health monitor, whose count the recovery workflow publishes).
	EnvCountParked = "COUNT_PARKED"
)

// DefaultRedriveRate is the redrive rate limit when none is configured:
// slow enough that a redrive cannot swamp the reprocess function and the
// table it writes to.
const DefaultRedriveRate int32 = 10

// maxRedriveRate is SQS's upper bound for MaxNumberOfMessagesPerSecond.
const maxRedriveRate = 500

// Config says which alarms, table and queues make up this app.
type Config struct {
	// AlarmNamePrefix selects alarms by prefix; empty to select none.
	AlarmNamePrefix string
	// AlarmNames selects alarms by exact name.
	AlarmNames []string
	// NonBlockingAlarmNames are reported but never make the report
	// unhealthy.
	NonBlockingAlarmNames []string
	// IncludeCompositeAlarms also reads composite alarms (see
	// EnvIncludeCompositeAlarms).
	IncludeCompositeAlarms bool
	// TableName is the transactions table.
	TableName string
	// QueueURLs are every queue to watch, sources and DLQs.
	QueueURLs []string
	// RedriveRate is MaxNumberOfMessagesPerSecond for redrive candidates.
	RedriveRate int32
	// CountParked counts the parked payments (EnvCountParked).
	CountParked bool
}

// ConfigFromEnv reads the Config from environment variables (see the Env*
// constants) through getenv, typically os.Getenv, and validates it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		AlarmNamePrefix:        strings.TrimSpace(getenv(EnvAlarmNamePrefix)),
		AlarmNames:             splitList(getenv(EnvAlarmNames)),
		NonBlockingAlarmNames:  splitList(getenv(EnvNonBlockingAlarmNames)),
		IncludeCompositeAlarms: strings.EqualFold(strings.TrimSpace(getenv(EnvIncludeCompositeAlarms)), "true"),
		TableName:              strings.TrimSpace(getenv(EnvTableName)),
		QueueURLs:              splitList(getenv(EnvQueueURLs)),
		CountParked:            strings.EqualFold(strings.TrimSpace(getenv(EnvCountParked)), "true"),
		RedriveRate:            DefaultRedriveRate,
	}
	if v := strings.TrimSpace(getenv(EnvRedriveRate)); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil {
			return Config{}, fmt.Errorf("health: %s=%q is not an integer", EnvRedriveRate, v)
		}
		c.RedriveRate = int32(n)
	}
	return c, c.Validate()
}

// Validate reports configuration mistakes: no alarm selection (health
// could then never be known), no table, no queues or a rate out of range.
func (c Config) Validate() error {
	var errs []error
	if c.AlarmNamePrefix == "" && len(c.AlarmNames) == 0 {
		errs = append(errs, fmt.Errorf("health: set %s or %s: alarm states must be known", EnvAlarmNamePrefix, EnvAlarmNames))
	}
	if c.TableName == "" {
		errs = append(errs, fmt.Errorf("health: %s is required", EnvTableName))
	}
	if len(c.QueueURLs) == 0 {
		errs = append(errs, fmt.Errorf("health: %s is required", EnvQueueURLs))
	}
	if c.RedriveRate < 1 || c.RedriveRate > maxRedriveRate {
		errs = append(errs, fmt.Errorf("health: %s must be within 1..%d", EnvRedriveRate, maxRedriveRate))
	}
	return errors.Join(errs...)
}

// splitList splits a comma-separated list, trimming blanks and dropping
// empty and repeated entries.
func splitList(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		out = append(out, p)
	}
	return out
}
