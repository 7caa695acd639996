package cost

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/internal/cfn"
	"github.com/resilientpay/paymentapi/workflows/aslrun"
)

func TestExpressMemoryIsBilledIn64MBChunks(t *testing.T) {
	for _, tc := range []struct {
		definition, data int
		want             float64
	}{
		{10 << 10, 1 << 10, 64},
		{1 << 20, 13 << 20, 64},
		{1 << 20, 14 << 20, 128},
	} {
		if got := expressMemoryMB(tc.definition, tc.data); got != tc.want {
			t.Errorf("definition %d B, data %d B: %v MB, want %v", tc.definition, tc.data, got, tc.want)
		}
	}
}

func TestPriceMemoryScalesTheMeasuredCPUTimeToEachSize(t *testing.T) {
	// GIVEN functions measured at 0.1 ms and 3 ms of one core, WHEN priced
	// at each size, THEN each invocation is billed its duration stretched
	// by 1769/size, rounded up to 1 ms, plus the request.
	s := &Settings{Functions: map[string]Function{"fast": {MemoryMB: 512}, "slow": {MemoryMB: 128}}}
	measured := map[string]*Measurement{PathProcessed: {
		Invocations: map[string]float64{"fast": 1, "slow": 1},
		DurationMs:  map[string]float64{"fast": 0.1, "slow": 3},
	}}
	perMs := func(mb float64) float64 { return mb / 1024 / 1000 * LambdaArmPerGBSecond * million }
	want := map[string][]float64{
		// 0.1 ms is 1.4 ms at 128 MB (2 billed), under 1 ms above.
		"fast": {LambdaRequestsPerMillion + 2*perMs(128), LambdaRequestsPerMillion + perMs(256), LambdaRequestsPerMillion + perMs(512), LambdaRequestsPerMillion + perMs(1024)},
		// 3 ms is 41.5 ms at 128 MB, 20.7 at 256, 10.4 at 512, 5.2 at 1024.
		"slow": {LambdaRequestsPerMillion + 42*perMs(128), LambdaRequestsPerMillion + 21*perMs(256), LambdaRequestsPerMillion + 11*perMs(512), LambdaRequestsPerMillion + 6*perMs(1024)},
	}
	got := PriceMemory(measured, nil, s)
	if len(got) != 2 || got[0].Function != "fast" || got[0].Configured != 512 || got[1].Configured != 128 {
		t.Fatalf("PriceMemory = %+v", got)
	}
	for _, mp := range got {
		for i, c := range mp.Costs {
			if math.Abs(c-want[mp.Function][i]) > 1e-9 {
				t.Errorf("%s at %.0f MB: $%.6f per 1M, want $%.6f", mp.Function, MemoryCandidates[i], c, want[mp.Function][i])
			}
		}
	}
}

func TestTheExecutionLogHasDataOnlyWhenTheWorkflowIncludesIt(t *testing.T) {
	events := []aslrun.Event{
		{ID: 1, Type: aslrun.ExecutionStarted, Input: json.RawMessage(`{"body":"c2VjcmV0"}`), Timestamp: time.Unix(1, 0)},
		{ID: 2, PreviousID: 1, Type: aslrun.TaskStateEntered, StateName: "Validate", Input: json.RawMessage(`{"body":"c2VjcmV0"}`)},
		{ID: 3, PreviousID: 2, Type: aslrun.ExecutionFailed, Error: "Payment.Invalid", Cause: `{"detail":"x"}`},
	}
	for _, tc := range []struct {
		level       string
		data        bool
		events      int
		wantPayload bool
	}{
		{"ALL", true, 3, true},
		{"ALL", false, 3, false},
		{"ERROR", true, 1, false},
		{"OFF", true, 0, false},
	} {
		recs := executionLog(Workflow{LogLevel: tc.level, IncludeData: tc.data, RoleName: "r"}, "arn:x", events)
		joined := string(joinRecords(recs))
		if len(recs) != tc.events {
			t.Errorf("level %s: %d events logged, want %d", tc.level, len(recs), tc.events)
		}
		if got := strings.Contains(joined, "c2VjcmV0"); got != tc.wantPayload {
			t.Errorf("level %s, data %v: payload logged = %v", tc.level, tc.data, got)
		}
		for _, r := range recs {
			var ev map[string]any
			if err := json.Unmarshal(r, &ev); err != nil || ev["execution_arn"] != "arn:x" || ev["redrive_count"] != "0" {
				t.Errorf("level %s: record %s is not a Step Functions log event", tc.level, r)
			}
		}
	}
}

func joinRecords(recs [][]byte) []byte {
	var out []byte
	for _, r := range recs {
		out = append(out, r...)
	}
	return out
}

func TestLambdaKeepsOnlyLinesAtOrAboveTheApplicationLogLevel(t *testing.T) {
	lines := []byte(`{"level":"DEBUG","msg":"a"}` + "\n" + `{"level":"INFO","msg":"b"}` + "\n" + `{"level":"WARN","msg":"c"}` + "\n")
	for _, tc := range []struct {
		app, system string
		want        int
	}{
		{"INFO", "WARN", 2},
		{"WARN", "WARN", 1},
		{"DEBUG", "WARN", 3},
		{"INFO", "INFO", 4}, // plus platform.start and platform.report
	} {
		got := functionLog(Function{AppLogLevel: tc.app, SystemLogLevel: tc.system, MemoryMB: 128}, lines, "req", time.Millisecond)
		if len(got) != tc.want {
			t.Errorf("application %s, system %s: %d records, want %d", tc.app, tc.system, len(got), tc.want)
		}
	}
}

func TestSettingsAreReadFromTheTemplate(t *testing.T) {
	tpl, err := cfn.Parse([]byte(`{"Resources":{
	  "Fn":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"f","MemorySize":512,"Timeout":3,"Architectures":["arm64"],
	    "LoggingConfig":{"ApplicationLogLevel":"INFO","SystemLogLevel":"WARN","LogGroup":{"Ref":"LG"}},"TracingConfig":{"Mode":"Active"}}},
	  "LG":{"Type":"AWS::Logs::LogGroup","Properties":{"LogGroupName":"/aws/lambda/f","RetentionInDays":30}},
	  "P":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"StateMachineName":"p","StateMachineType":"EXPRESS","DefinitionString":"{\"StartAt\":\"S\",\"States\":{\"S\":{\"Type\":\"Succeed\"}}}",
	    "LoggingConfiguration":{"Level":"ALL","IncludeExecutionData":false}}},
	  "R":{"Type":"AWS::StepFunctions::StateMachine","Properties":{"StateMachineName":"r","DefinitionString":"{\"StartAt\":\"S\",\"States\":{\"S\":{\"Type\":\"Succeed\"}}}"}},
	  "Sched":{"Type":"AWS::Events::Rule","Properties":{"ScheduleExpression":"rate(10 minutes)","Targets":[{"Arn":{"Ref":"R"},"Id":"t"}]}},
	  "A1":{"Type":"AWS::CloudWatch::Alarm","Properties":{}},
	  "A2":{"Type":"AWS::CloudWatch::Alarm","Properties":{"Metrics":[{"Id":"m1","MetricStat":{}},{"Id":"m2","MetricStat":{}},{"Id":"e","Expression":"m1+m2"}]}},
	  "W":{"Type":"AWS::WAFv2::WebACL","Properties":{"Rules":[{"Statement":{"RateBasedStatement":{"Limit":2000}}},{"Statement":{"ManagedRuleGroupStatement":{"VendorName":"AWS","Name":"X"}}}]}},
	  "WL":{"Type":"AWS::WAFv2::LoggingConfiguration","Properties":{"LoggingFilter":{"DefaultBehavior":"DROP","Filters":[{"Behavior":"KEEP","Conditions":[{"ActionCondition":{"Action":"BLOCK"}}]}]}}},
	  "X":{"Type":"AWS::XRay::SamplingRule","Properties":{"SamplingRule":{"RuleName":"payments","ServiceType":"*","FixedRate":0.01,"ReservoirSize":0}}}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ReadSettings(tpl, "p", "r")
	if err != nil {
		t.Fatal(err)
	}
	f := s.Functions["f"]
	if f.MemoryMB != 512 || !f.Arm64 || !f.Tracing || f.AppLogLevel != "INFO" || f.LogGroup != "/aws/lambda/f" || s.LogRetentionDays["/aws/lambda/f"] != 30 {
		t.Errorf("function settings %+v", f)
	}
	if s.Payments.Type != "EXPRESS" || s.Payments.LogLevel != "ALL" || s.Payments.IncludeData || s.Recovery.Type != "STANDARD" {
		t.Errorf("workflows %+v %+v", s.Payments, s.Recovery)
	}
	if s.RecoveryRunsPerMonth != secondsInMonth/600 {
		t.Errorf("recovery runs %v a month, want one every 10 minutes", s.RecoveryRunsPerMonth)
	}
	if s.Alarms != 3 {
		t.Errorf("%d alarm metrics, want 3 (one alarm on one metric, one on two)", s.Alarms)
	}
	if s.WAF.ACLs != 1 || s.WAF.Rules != 2 || s.WAF.RateLimit != 2000 || !s.WAF.Logging || s.WAF.LogsAllowed {
		t.Errorf("WAF %+v: want 1 ACL, 2 rules, logging that drops allowed requests", s.WAF)
	}
	if s.Sampling.FixedRate != 0.01 || s.Sampling.Reservoir != 0 {
		t.Errorf("sampling %+v, want the template's rule", s.Sampling)
	}
}
