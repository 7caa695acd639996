package localrun

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/resilientpay/paymentapi/internal/cfn"
)

// The local CloudWatch: the metrics the local functions, workflows, API,
// table and queues emit, and every alarm of the synthesized template
// evaluated over them as CloudWatch evaluates alarms: the alarm's metric
// or metric-math expression, statistic and period, threshold and
// comparison, DatapointsToAlarm out of EvaluationPeriods, and its
// treatment of missing data (the CloudWatch user guide, "Using Amazon
// CloudWatch alarms": "Evaluating an alarm" and "Configuring how
// CloudWatch alarms treat missing data"). Alarm state changes notify the
// SNS stand-in (a log line) and, for the alarms of the template's
// alarm-OK rule, start the recovery workflow as EventBridge would.
//
// Time is the runner's clock with every alarm period divided by
// Config.AlarmTimeScale, so that a five-minute period passes in seconds in
// tests. Where this model simplifies CloudWatch:
//   - Periods slide with the evaluation (CloudWatch aligns them to the
//     clock and may evaluate a period before it is complete: both see a
//     breach within one evaluation).
//   - CloudWatch's evaluation range (it reads more periods than
//     EvaluationPeriods to avoid premature transitions) is not modelled:
//     the last EvaluationPeriods periods decide. With missing data
//     treated as missing or ignore and fewer datapoints than
//     DatapointsToAlarm, the state is kept.
//   - Metric math supports what the app's alarms use: a sum of terms,
//     each a metric id or FILL(id, constant); a term without data
//     contributes nothing, a sum of no data is missing.
//   - Alarms on AWS/DynamoDB metrics keep their state while data is
//     missing, whatever TreatMissingData says, as CloudWatch documents.

// metricKey names one metric: namespace, name and sorted dimensions.
type metricKey string

func keyOf(namespace, name string, dims map[string]string) metricKey {
	names := make([]string, 0, len(dims))
	for k := range dims {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(namespace + "|" + name)
	for _, k := range names {
		b.WriteString("|" + k + "=" + dims[k])
	}
	return metricKey(b.String())
}

type datapoint struct {
	t time.Time
	v float64
}

// metricStat is one metric read with a statistic.
type metricStat struct {
	key       metricKey
	namespace string
	stat      string
}

// alarmTerm is one term of an alarm's sum: a metric, FILL'ed or not.
type alarmTerm struct {
	metric metricStat
	fill   *float64
}

// localAlarm is an alarm of the template and its state.
type localAlarm struct {
	name        string
	terms       []alarmTerm
	period      time.Duration // the template's period, unscaled
	periods     int
	datapoints  int
	threshold   float64
	comparison  string
	missing     string
	state       cwtypes.StateValue
	reason      string
	updated     time.Time
	dynamoDBRaw bool // a raw AWS/DynamoDB metric: missing data keeps the state
}

// cloudWatch holds the local metrics and alarms. It is safe for concurrent
// use.
type cloudWatch struct {
	mu     sync.Mutex
	now    func() time.Time
	scale  float64
	series map[metricKey][]datapoint
	alarms []*localAlarm
	// okRule names the alarms whose return to OK starts the recovery
	// workflow (the template's alarm state-change rule).
	okRule []string
	// filters are the template's metric filters, by log group name.
	filters map[string][]metricFilter
	log     *slog.Logger
	// onOK is called, outside the lock, when an alarm of okRule returns
	// to OK.
	onOK func(alarm string)
	// keep is how long datapoints are kept (the longest evaluation).
	keep time.Duration
}

// metricFilter is a metric filter of the template.
type metricFilter struct {
	terms           []string
	namespace, name string
	value           float64
	dims            map[string]string
}

func newCloudWatch(t *cfn.Template, scale float64, log *slog.Logger) (*cloudWatch, error) {
	if scale <= 0 {
		scale = 1
	}
	c := &cloudWatch{now: time.Now, scale: scale, series: map[metricKey][]datapoint{}, filters: map[string][]metricFilter{}, log: log}
	ev := t.Evaluator(cfn.Env{})
	for _, r := range t.ResourcesOfType("AWS::CloudWatch::Alarm") {
		a, err := parseAlarm(ev, r)
		if err != nil {
			return nil, err
		}
		c.alarms = append(c.alarms, a)
		if d := a.period * time.Duration(a.periods+1); d > c.keep {
			c.keep = d
		}
	}
	for _, r := range t.ResourcesOfType("AWS::Events::Rule") {
		p, _ := r.Property("EventPattern").(map[string]any)
		if src, _ := p["source"].([]any); len(src) != 1 || src[0] != "aws.cloudwatch" {
			continue
		}
		detail, _ := p["detail"].(map[string]any)
		names, _ := detail["alarmName"].([]any)
		for _, n := range names {
			if s, ok := n.(string); ok {
				c.okRule = append(c.okRule, s)
			}
		}
	}
	for _, r := range t.ResourcesOfType("AWS::Logs::MetricFilter") {
		group, err := ev.String(r.Property("LogGroupName"))
		if err != nil {
			return nil, fmt.Errorf("localrun: metric filter %s: %w", r.LogicalID, err)
		}
		f, err := parseFilter(ev, r)
		if err != nil {
			return nil, err
		}
		c.filters[group] = append(c.filters[group], f)
	}
	return c, nil
}

var fillTerm = regexp.MustCompile(`^FILL\(\s*([A-Za-z][A-Za-z0-9_]*)\s*,\s*(-?[0-9.]+)\s*\)$`)

// parseAlarm reads an AWS::CloudWatch::Alarm, resolving its dimensions to
// the deployed names the local emitters use.
func parseAlarm(ev cfn.Evaluator, r *cfn.Resource) (*localAlarm, error) {
	fail := func(format string, args ...any) (*localAlarm, error) {
		return nil, fmt.Errorf("localrun: alarm %s: "+format, append([]any{r.LogicalID}, args...)...)
	}
	name, err := ev.String(r.Property("AlarmName"))
	if err != nil {
		return fail("%v", err)
	}
	num := func(prop string, def float64) float64 {
		if v, ok := r.Property(prop).(float64); ok {
			return v
		}
		return def
	}
	a := &localAlarm{name: name, threshold: num("Threshold", 0), state: cwtypes.StateValueInsufficientData,
		reason: "Unchecked: Initial alarm creation"}
	a.periods = int(num("EvaluationPeriods", 1))
	a.datapoints = int(num("DatapointsToAlarm", float64(a.periods)))
	a.comparison, _ = r.Property("ComparisonOperator").(string)
	a.missing, _ = r.Property("TreatMissingData").(string)
	if a.missing == "" {
		a.missing = "missing"
	}
	stat := func(ns, metric string, dimsProp any, statistic string) (metricStat, error) {
		dims := map[string]string{}
		list, _ := dimsProp.([]any)
		for _, d := range list {
			m, _ := d.(map[string]any)
			k, _ := m["Name"].(string)
			v, err := ev.String(m["Value"])
			if err != nil {
				return metricStat{}, err
			}
			dims[k] = v
		}
		return metricStat{key: keyOf(ns, metric, dims), namespace: ns, stat: statistic}, nil
	}
	if metric, ok := r.Property("MetricName").(string); ok {
		ns, _ := r.Property("Namespace").(string)
		statistic, _ := r.Property("Statistic").(string)
		if statistic == "" {
			statistic, _ = r.Property("ExtendedStatistic").(string)
		}
		ms, err := stat(ns, metric, r.Property("Dimensions"), statistic)
		if err != nil {
			return fail("%v", err)
		}
		a.terms = []alarmTerm{{metric: ms}}
		a.period = time.Duration(num("Period", 300)) * time.Second
		a.dynamoDBRaw = ns == "AWS/DynamoDB"
		return a, nil
	}
	queries, _ := r.Property("Metrics").([]any)
	byID := map[string]metricStat{}
	var expr string
	for _, q := range queries {
		m, _ := q.(map[string]any)
		id, _ := m["Id"].(string)
		if e, ok := m["Expression"].(string); ok {
			expr = e
			if p, ok := m["Period"].(float64); ok {
				a.period = time.Duration(p) * time.Second
			}
			continue
		}
		st, _ := m["MetricStat"].(map[string]any)
		metric, _ := st["Metric"].(map[string]any)
		ns, _ := metric["Namespace"].(string)
		mn, _ := metric["MetricName"].(string)
		statistic, _ := st["Stat"].(string)
		ms, err := stat(ns, mn, metric["Dimensions"], statistic)
		if err != nil {
			return fail("%v", err)
		}
		byID[id] = ms
		if p, ok := st["Period"].(float64); ok && a.period == 0 {
			a.period = time.Duration(p) * time.Second
		}
	}
	if expr == "" && len(byID) == 1 {
		// One metric query and no expression: CloudFormation's form of a
		// metric with a label.
		for id := range byID {
			expr = id
		}
	}
	if expr == "" {
		return fail("no metric and no expression")
	}
	for _, term := range strings.Split(expr, "+") {
		term = strings.TrimSpace(term)
		var t alarmTerm
		id := term
		if m := fillTerm.FindStringSubmatch(term); m != nil {
			v, _ := strconv.ParseFloat(m[2], 64)
			id, t.fill = m[1], &v
		}
		ms, ok := byID[id]
		if !ok {
			return fail("expression %q: the local CloudWatch evaluates sums of metrics and FILL(metric, constant) only", expr)
		}
		t.metric = ms
		a.terms = append(a.terms, t)
	}
	if a.period == 0 {
		a.period = 300 * time.Second
	}
	return a, nil
}

// parseFilter reads an AWS::Logs::MetricFilter whose pattern is a list of
// quoted terms (FilterPattern.allTerms), the only kind the app uses.
func parseFilter(ev cfn.Evaluator, r *cfn.Resource) (metricFilter, error) {
	pattern, _ := r.Property("FilterPattern").(string)
	var f metricFilter
	for _, t := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(pattern, -1) {
		f.terms = append(f.terms, t[1])
	}
	if len(f.terms) == 0 {
		return f, fmt.Errorf("localrun: metric filter %s: pattern %q is not a list of quoted terms", r.LogicalID, pattern)
	}
	mts, _ := r.Property("MetricTransformations").([]any)
	if len(mts) != 1 {
		return f, fmt.Errorf("localrun: metric filter %s: want one metric transformation", r.LogicalID)
	}
	mt, _ := mts[0].(map[string]any)
	f.namespace, _ = mt["MetricNamespace"].(string)
	f.name, _ = mt["MetricName"].(string)
	v, _ := mt["MetricValue"].(string)
	val, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return f, fmt.Errorf("localrun: metric filter %s: metric value %q is not a number", r.LogicalID, v)
	}
	f.value = val
	f.dims = map[string]string{}
	dims, _ := mt["Dimensions"].([]any)
	for _, d := range dims {
		m, _ := d.(map[string]any)
		k, _ := m["Key"].(string)
		s, err := ev.String(m["Value"])
		if err != nil {
			return f, err
		}
		f.dims[k] = s
	}
	return f, nil
}

// put records one datapoint now.
func (c *cloudWatch) put(namespace, name string, dims map[string]string, v float64) {
	k := keyOf(namespace, name, dims)
	now := c.now()
	c.mu.Lock()
	c.series[k] = append(c.series[k], datapoint{t: now, v: v})
	c.mu.Unlock()
}

// scaled is a template duration on the runner's clock.
func (c *cloudWatch) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / c.scale)
}

// filterLog applies the metric filters of a log group to one log line.
func (c *cloudWatch) filterLog(group, line string) {
	for _, f := range c.filters[group] {
		match := true
		for _, t := range f.terms {
			if !strings.Contains(line, t) {
				match = false
				break
			}
		}
		if match {
			c.put(f.namespace, f.name, f.dims, f.value)
		}
	}
}

// statistic computes one statistic of a period's values.
func statistic(stat string, vs []float64) float64 {
	switch stat {
	case "Sum":
		s := 0.0
		for _, v := range vs {
			s += v
		}
		return s
	case "Maximum":
		return slices.Max(vs)
	case "Minimum":
		return slices.Min(vs)
	case "SampleCount":
		return float64(len(vs))
	case "Average":
		s := 0.0
		for _, v := range vs {
			s += v
		}
		return s / float64(len(vs))
	}
	if p, ok := strings.CutPrefix(stat, "p"); ok {
		q, err := strconv.ParseFloat(p, 64)
		if err == nil {
			sorted := slices.Clone(vs)
			slices.Sort(sorted)
			i := int(math.Ceil(q/100*float64(len(sorted)))) - 1
			return sorted[max(0, min(i, len(sorted)-1))]
		}
	}
	return math.NaN()
}

// periodValue is the alarm's value over (from, to]: ok false when missing.
func (c *cloudWatch) periodValue(a *localAlarm, from, to time.Time) (float64, bool) {
	total, found := 0.0, false
	for _, t := range a.terms {
		var vs []float64
		for _, d := range c.series[t.metric.key] {
			if d.t.After(from) && !d.t.After(to) {
				vs = append(vs, d.v)
			}
		}
		switch {
		case len(vs) > 0:
			total += statistic(t.metric.stat, vs)
			found = true
		case t.fill != nil:
			total += *t.fill
			found = true
		}
	}
	return total, found
}

func breaches(cmp string, v, threshold float64) bool {
	switch cmp {
	case "GreaterThanThreshold":
		return v > threshold
	case "GreaterThanOrEqualToThreshold":
		return v >= threshold
	case "LessThanThreshold":
		return v < threshold
	case "LessThanOrEqualToThreshold":
		return v <= threshold
	}
	return false
}

// stateChange is one alarm transition.
type stateChange struct {
	alarm    string
	from, to cwtypes.StateValue
	reason   string
}

// evaluate evaluates every alarm once, now, and returns the transitions.
func (c *cloudWatch) evaluate() []stateChange {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	// Forget what no alarm reads any more.
	horizon := now.Add(-c.scaled(c.keep))
	for k, ds := range c.series {
		i := 0
		for i < len(ds) && ds[i].t.Before(horizon) {
			i++
		}
		c.series[k] = ds[i:]
	}
	var changes []stateChange
	for _, a := range c.alarms {
		p := c.scaled(a.period)
		var breaching, good, missing int
		for i := range a.periods {
			to := now.Add(-time.Duration(i) * p)
			v, ok := c.periodValue(a, to.Add(-p), to)
			switch {
			case !ok:
				missing++
			case breaches(a.comparison, v, a.threshold):
				breaching++
			default:
				good++
			}
		}
		next, reason := a.state, ""
		treat := a.missing
		if a.dynamoDBRaw {
			treat = "ignore"
		}
		switch treat {
		case "breaching":
			breaching += missing
			missing = 0
		case "notBreaching":
			good += missing
			missing = 0
		}
		switch {
		case breaching >= a.datapoints:
			next, reason = cwtypes.StateValueAlarm, fmt.Sprintf("%d of the last %d datapoints breached the threshold %g", breaching, a.periods, a.threshold)
		case good > a.periods-a.datapoints:
			next, reason = cwtypes.StateValueOk, fmt.Sprintf("%d of the last %d datapoints within the threshold %g", good, a.periods, a.threshold)
		case missing == a.periods && treat == "missing":
			next, reason = cwtypes.StateValueInsufficientData, "no datapoints in the evaluation periods"
		}
		if next != a.state {
			changes = append(changes, stateChange{alarm: a.name, from: a.state, to: next, reason: reason})
			a.state, a.reason, a.updated = next, reason, now
		}
	}
	return changes
}

// run evaluates the alarms until ctx ends: four times per (scaled) minute
// of the shortest period, as CloudWatch evaluates every minute.
func (c *cloudWatch) run(ctx context.Context) {
	every := c.scaled(time.Minute) / 4
	every = max(every, 20*time.Millisecond)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, ch := range c.evaluate() {
				// The SNS stand-in: every alarm notifies the topic on ALARM
				// and on OK. An alarm's first evaluation (out of
				// INSUFFICIENT_DATA into OK) is logged at debug level, so
				// that a start does not print every alarm.
				level := slog.LevelWarn
				if ch.from == cwtypes.StateValueInsufficientData && ch.to == cwtypes.StateValueOk {
					level = slog.LevelDebug
				}
				c.log.Log(ctx, level, "alarm state changed (SNS stand-in)", "alarm", ch.alarm, "from", string(ch.from), "to", string(ch.to), "reason", ch.reason)
				if ch.to == cwtypes.StateValueOk && ch.from != cwtypes.StateValueInsufficientData &&
					slices.Contains(c.okRule, ch.alarm) && c.onOK != nil {
					c.onOK(ch.alarm)
				}
			}
		}
	}
}

// states returns every alarm's state.
func (c *cloudWatch) states() map[string]cwtypes.StateValue {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]cwtypes.StateValue, len(c.alarms))
	for _, a := range c.alarms {
		out[a.name] = a.state
	}
	return out
}

// inAlarm returns the alarms in ALARM, sorted.
func (c *cloudWatch) inAlarm() []string {
	var out []string
	for name, s := range c.states() {
		if s == cwtypes.StateValueAlarm {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// DescribeAlarms implements healthcheck.AlarmReader, by exact names or by
// prefix, in one page.
func (c *cloudWatch) DescribeAlarms(_ context.Context, in *cloudwatch.DescribeAlarmsInput, _ ...func(*cloudwatch.Options)) (*cloudwatch.DescribeAlarmsOutput, error) {
	out := &cloudwatch.DescribeAlarmsOutput{}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.alarms {
		if slices.Contains(in.AlarmNames, a.name) || (in.AlarmNamePrefix != nil && strings.HasPrefix(a.name, *in.AlarmNamePrefix)) {
			out.MetricAlarms = append(out.MetricAlarms, cwtypes.MetricAlarm{AlarmName: aws.String(a.name), StateValue: a.state,
				StateReason: aws.String(a.reason)})
		}
	}
	return out, nil
}

// MarshalJSON shows the alarms on /_local/metrics.
func (c *cloudWatch) MarshalJSON() ([]byte, error) {
	states := c.states()
	return json.Marshal(map[string]any{"inAlarm": c.inAlarm(), "alarms": states, "periodDivisor": c.scale})
}

// logFilterHandler passes log records on and applies a log group's metric
// filters to each, rendered as the JSON line Lambda would store.
type logFilterHandler struct {
	next  slog.Handler
	cw    *cloudWatch
	group string
	attrs []slog.Attr
}

func (h *logFilterHandler) Enabled(ctx context.Context, l slog.Level) bool { return true }

func (h *logFilterHandler) Handle(ctx context.Context, r slog.Record) error {
	// Render the line only for a log group that has metric filters (the
	// filters are read-only once the template is parsed).
	if len(h.cw.filters[h.group]) > 0 {
		var b strings.Builder
		_ = slog.NewJSONHandler(&b, nil).WithAttrs(h.attrs).Handle(ctx, r) // a strings.Builder does not fail
		h.cw.filterLog(h.group, b.String())
	}
	if h.next.Enabled(ctx, r.Level) {
		return h.next.Handle(ctx, r)
	}
	return nil
}

func (h *logFilterHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logFilterHandler{next: h.next.WithAttrs(as), cw: h.cw, group: h.group, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h *logFilterHandler) WithGroup(name string) slog.Handler {
	return &logFilterHandler{next: h.next.WithGroup(name), cw: h.cw, group: h.group, attrs: h.attrs}
}
