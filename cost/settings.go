package cost

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// Settings are what the template says about cost: every priced setting,
// read from the synthesized resources.
type Settings struct {
	// Functions by physical name.
	Functions map[string]Function
	// Payments and Recovery are the two state machines.
	Payments, Recovery Workflow
	// APITracing is the stage's X-Ray tracing; AccessLogFormat its access
	// log format ("" when it does not log access).
	APITracing      bool
	AccessLogFormat string
	// WAF is the web ACL protecting the stage.
	WAF WAF
	// Sampling is the X-Ray sampling that applies to the API: an
	// AWS::XRay::SamplingRule of the template, or X-Ray's default rule.
	Sampling Sampling
	// QueueDataKeyReuse is each queue's KMS data key reuse period, in
	// seconds, by queue name.
	QueueDataKeyReuse map[string]float64
	// Alarms counts alarm metrics (an alarm on a metric math expression
	// counts each metric it reads); Dashboards counts dashboards; Keys
	// counts customer managed KMS keys, RotatingKeys those with rotation.
	Alarms, Dashboards, Keys, RotatingKeys int
	// RecoveryRunsPerMonth is how often the recovery schedule starts the
	// recovery workflow in 30 days.
	RecoveryRunsPerMonth float64
	// QueuePollers counts the Lambda event source mappings on SQS queues.
	QueuePollers int
	// LogRetentionDays by log group name.
	LogRetentionDays map[string]float64
	// StageLogGroup, WAFLogGroup are the access log and WAF log groups.
	StageLogGroup, WAFLogGroup string
}

// Function is one Lambda function's priced settings.
type Function struct {
	Name           string
	MemoryMB       float64
	TimeoutSeconds float64
	Arm64          bool
	// AppLogLevel and SystemLogLevel are the JSON log format's filters
	// (Lambda drops application lines below AppLogLevel).
	AppLogLevel, SystemLogLevel string
	Tracing                     bool
	LogGroup                    string
}

// Workflow is one state machine's priced settings.
type Workflow struct {
	Name, Type string
	// LogLevel is ALL, ERROR, FATAL or OFF; IncludeData logs the states'
	// input and output.
	LogLevel        string
	IncludeData     bool
	Tracing         bool
	DefinitionBytes int
	LogGroup        string
	RoleName        string
}

// WAF is the web ACL's priced settings.
type WAF struct {
	ACLs, Rules int
	// Logging sends a record per request to LogGroup; LogsAllowed is false
	// when a logging filter drops the requests the ACL allowed.
	Logging, LogsAllowed bool
	Redacted             []string
	RateLimit            float64
	ManagedGroups        []string
}

// Sampling is an X-Ray sampling rule: Reservoir requests a second are
// traced, and FixedRate of the rest.
type Sampling struct {
	Reservoir, FixedRate float64
	// Rule names the rule ("Default" for X-Ray's own).
	Rule string
}

// defaultSampling is X-Ray's default rule: the first request each second
// and 5% of the others.
var defaultSampling = Sampling{Reservoir: 1, FixedRate: 0.05, Rule: "Default"}

// ReadSettings reads the priced settings of a synthesized template.
func ReadSettings(t *cfn.Template, paymentsWorkflow, recoveryWorkflow string) (*Settings, error) {
	s := &Settings{Functions: map[string]Function{}, QueueDataKeyReuse: map[string]float64{}, LogRetentionDays: map[string]float64{},
		Sampling: defaultSampling}
	ev := t.Evaluator(cfn.Env{}, nil)
	// nameOf is the name of the resource of a type a value refers to.
	nameOf := func(v any, resourceType string) string {
		if r := t.Referenced(v, resourceType); r != nil {
			return r.Name()
		}
		return ""
	}
	for _, r := range t.ResourcesOfType(cfn.LogGroup) {
		days, _ := num(r.Property("RetentionInDays"))
		s.LogRetentionDays[r.Name()] = days
	}
	for _, r := range t.ResourcesOfType(cfn.LambdaFunction) {
		f := Function{Name: r.Name()}
		f.MemoryMB, _ = num(r.Property("MemorySize"))
		if f.MemoryMB == 0 {
			f.MemoryMB = 128 // Lambda's default
		}
		f.TimeoutSeconds, _ = num(r.Property("Timeout"))
		archs, _ := r.Property("Architectures").([]any)
		f.Arm64 = len(archs) == 1 && archs[0] == "arm64"
		f.AppLogLevel, _ = r.Property("LoggingConfig", "ApplicationLogLevel").(string)
		f.SystemLogLevel, _ = r.Property("LoggingConfig", "SystemLogLevel").(string)
		f.Tracing = r.Property("TracingConfig", "Mode") == "Active"
		f.LogGroup = nameOf(r.Property("LoggingConfig", "LogGroup"), cfn.LogGroup)
		if f.LogGroup == "" {
			f.LogGroup = "/aws/lambda/" + f.Name
		}
		s.Functions[f.Name] = f
	}
	for _, r := range t.StateMachines() {
		w := Workflow{Name: r.Name()}
		w.Type, _ = r.Property("StateMachineType").(string)
		if w.Type == "" {
			w.Type = "STANDARD"
		}
		w.LogLevel, _ = r.Property("LoggingConfiguration", "Level").(string)
		if w.LogLevel == "" {
			w.LogLevel = "OFF"
		}
		w.IncludeData, _ = r.Property("LoggingConfiguration", "IncludeExecutionData").(bool)
		w.Tracing, _ = r.Property("TracingConfiguration", "Enabled").(bool)
		if dests, ok := r.Property("LoggingConfiguration", "Destinations").([]any); ok && len(dests) > 0 {
			d, _ := dests[0].(map[string]any)
			cw, _ := d["CloudWatchLogsLogGroup"].(map[string]any)
			w.LogGroup = nameOf(cw["LogGroupArn"], cfn.LogGroup)
		}
		if role := nameOf(r.Property("RoleArn"), cfn.IAMRole); role != "" {
			w.RoleName = role
		}
		def, err := ev.Definition(r)
		if err != nil {
			return nil, err
		}
		w.DefinitionBytes = len(def)
		switch w.Name {
		case paymentsWorkflow:
			s.Payments = w
		case recoveryWorkflow:
			s.Recovery = w
		}
	}
	if s.Payments.Name == "" || s.Recovery.Name == "" {
		return nil, fmt.Errorf("cost: the template lacks the state machine %s or %s", paymentsWorkflow, recoveryWorkflow)
	}
	for _, r := range t.ResourcesOfType("AWS::ApiGateway::Stage") {
		s.APITracing, _ = r.Property("TracingEnabled").(bool)
		s.AccessLogFormat, _ = r.Property("AccessLogSetting", "Format").(string)
		if dest, ok := r.Property("AccessLogSetting", "DestinationArn").(map[string]any); ok {
			s.StageLogGroup = nameOf(dest, cfn.LogGroup)
		}
	}
	for _, r := range t.ResourcesOfType("AWS::WAFv2::WebACL") {
		s.WAF.ACLs++
		rules, _ := r.Property("Rules").([]any)
		s.WAF.Rules += len(rules)
		for _, rule := range rules {
			m, _ := rule.(map[string]any)
			st, _ := m["Statement"].(map[string]any)
			if mg, ok := st["ManagedRuleGroupStatement"].(map[string]any); ok {
				s.WAF.ManagedGroups = append(s.WAF.ManagedGroups, fmt.Sprintf("%v#%v", mg["VendorName"], mg["Name"]))
			}
			if rb, ok := st["RateBasedStatement"].(map[string]any); ok {
				s.WAF.RateLimit, _ = num(rb["Limit"])
			}
		}
	}
	for _, r := range t.ResourcesOfType("AWS::WAFv2::LoggingConfiguration") {
		s.WAF.Logging = true
		s.WAF.LogsAllowed = !filterDropsAllowed(r.Property("LoggingFilter"))
		dests, _ := r.Property("LogDestinationConfigs").([]any)
		if len(dests) > 0 {
			s.WAFLogGroup = nameOf(dests[0], cfn.LogGroup)
		}
		fields, _ := r.Property("RedactedFields").([]any)
		for _, f := range fields {
			m, _ := f.(map[string]any)
			h, _ := m["SingleHeader"].(map[string]any)
			if name, ok := h["Name"].(string); ok {
				s.WAF.Redacted = append(s.WAF.Redacted, strings.ToLower(name))
			}
		}
	}
	for _, r := range t.ResourcesOfType("AWS::XRay::SamplingRule") {
		rule, _ := r.Property("SamplingRule").(map[string]any)
		if svc, _ := rule["ServiceType"].(string); svc != "" && svc != "*" && svc != "AWS::ApiGateway::Stage" {
			continue
		}
		res, _ := num(rule["ReservoirSize"])
		rate, _ := num(rule["FixedRate"])
		name, _ := rule["RuleName"].(string)
		s.Sampling = Sampling{Reservoir: res, FixedRate: rate, Rule: name}
	}
	for _, r := range t.ResourcesOfType(cfn.SQSQueue) {
		reuse, ok := num(r.Property("KmsDataKeyReusePeriodSeconds"))
		if !ok {
			reuse = 300 // SQS's default
		}
		s.QueueDataKeyReuse[r.Name()] = reuse
	}
	for _, r := range t.ResourcesOfType(cfn.CloudWatchAlarm) {
		if metrics, ok := r.Property("Metrics").([]any); ok {
			for _, m := range metrics {
				if mm, _ := m.(map[string]any); mm["MetricStat"] != nil {
					s.Alarms++
				}
			}
			continue
		}
		s.Alarms++
	}
	s.Dashboards = len(t.ResourcesOfType("AWS::CloudWatch::Dashboard"))
	for _, r := range t.ResourcesOfType("AWS::KMS::Key") {
		s.Keys++
		if r.Property("EnableKeyRotation") == true {
			s.RotatingKeys++
		}
	}
	for _, r := range t.ResourcesOfType(cfn.EventRule) {
		expr, _ := r.Property("ScheduleExpression").(string)
		if expr == "" || !targets(r, t, recoveryWorkflow) {
			continue
		}
		every, err := rateSeconds(expr)
		if err != nil {
			return nil, err
		}
		s.RecoveryRunsPerMonth += secondsInMonth / every
	}
	for _, r := range t.ResourcesOfType("AWS::Lambda::EventSourceMapping") {
		if arn, ok := r.Property("EventSourceArn").(map[string]any); ok && t.Referenced(arn, cfn.SQSQueue) != nil {
			s.QueuePollers++
		}
	}
	return s, nil
}

// filterDropsAllowed reports whether a WAF logging filter keeps no record
// of allowed requests: its default behavior drops, and no filter keeps
// the ALLOW action.
func filterDropsAllowed(filter any) bool {
	m, ok := filter.(map[string]any)
	if !ok || m["DefaultBehavior"] != "DROP" {
		return false
	}
	b, _ := json.Marshal(m["Filters"])
	return !strings.Contains(string(b), `"ALLOW"`)
}

// targets reports whether an EventBridge rule targets the named state
// machine.
func targets(r *cfn.Resource, t *cfn.Template, stateMachine string) bool {
	ts, _ := r.Property("Targets").([]any)
	for _, tg := range ts {
		m, _ := tg.(map[string]any)
		if sm := t.Referenced(m["Arn"], cfn.StateMachine); sm != nil && sm.Name() == stateMachine {
			return true
		}
	}
	return false
}

var rateExpr = regexp.MustCompile(`^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$`)

// rateSeconds reads an EventBridge rate expression.
func rateSeconds(expr string) (float64, error) {
	m := rateExpr.FindStringSubmatch(expr)
	if m == nil {
		return 0, fmt.Errorf("cost: schedule %q is not a rate expression", expr)
	}
	n, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]float64{"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600, "day": 86400, "days": 86400}[m[2]]
	return n * unit, nil
}

func num(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case int:
		return float64(x), true
	case string:
		f, err := strconv.ParseFloat(x, 64)
		return f, err == nil
	}
	return 0, false
}

// sortedFunctions returns the functions by name.
func (s *Settings) sortedFunctions() []Function {
	out := make([]Function, 0, len(s.Functions))
	for _, f := range s.Functions {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
