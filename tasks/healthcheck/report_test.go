package healthcheck_test

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/theory/jsonpath"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

// decode marshals r and decodes it as the generic JSON a workflow sees.
func decode(t *testing.T, r healthcheck.Report) map[string]any {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestReportJSONFieldNamesAreTheDocumentedContract(t *testing.T) {
	doc := decode(t, newFixture(3).check(t))
	keys := slices.Sorted(maps.Keys(doc))
	want := []string{"alarmsInAlarm", "alarmsInsufficientData", "checkedAt", "moveTasks", "nonBlockingAlarmsInAlarm",
		"notes", "queues", "reasons", "redrive", "redriveNeeded", "status", "table"}
	if !slices.Equal(keys, want) {
		t.Errorf("report keys = %q, want %q", keys, want)
	}
	candidate := doc["redrive"].([]any)[0].(map[string]any)
	wantCandidate := []string{"dlqArn", "dlqName", "dlqUrl", "maxNumberOfMessagesPerSecond", "messages", "sourceArn", "sourceName", "sourceUrl"}
	if got := slices.Sorted(maps.Keys(candidate)); !slices.Equal(got, wantCandidate) {
		t.Errorf("redrive candidate keys = %q, want %q", got, wantCandidate)
	}
	queue := doc["queues"].([]any)[0].(map[string]any)
	wantQueue := []string{"arn", "deadLetterTargetArn", "delayed", "inFlight", "isDlq", "name", "readable", "sourceQueueArn", "url", "visible"}
	if got := slices.Sorted(maps.Keys(queue)); !slices.Equal(got, wantQueue) {
		t.Errorf("queue keys = %q, want %q", got, wantQueue)
	}
}

func TestReportListsAreNeverNull(t *testing.T) {
	// GIVEN a check where nothing could be read at all
	f := newFixture(0)
	f.alarms.pages[0].err = errSDK
	f.table.err = errSDK
	f.queues.errs[srcURL], f.queues.errs[dlqURL] = errSDK, errSDK
	doc := decode(t, f.check(t))
	// THEN every list is an empty JSON array, so a Map state can iterate it
	for _, k := range []string{"alarmsInAlarm", "alarmsInsufficientData", "moveTasks", "nonBlockingAlarmsInAlarm", "notes", "redrive"} {
		if list, ok := doc[k].([]any); !ok || len(list) != 0 {
			t.Errorf("%s = %#v, want []", k, doc[k])
		}
	}
	if doc["status"] != "unhealthy" || doc["table"].(map[string]any)["status"] != "UNKNOWN" {
		t.Errorf("status %v, table %v", doc["status"], doc["table"])
	}
}

// TestWorkflowPathsSelectTheReport evaluates the JSONPath expressions the
// recovery workflow's Choice and Task states use against a report stored
// at $.health.
func TestWorkflowPathsSelectTheReport(t *testing.T) {
	state := map[string]any{"health": decode(t, newFixture(3).check(t))}
	tests := []struct {
		path string
		want any
	}{
		{"$.health.status", "healthy"},
		{"$.health.redriveNeeded", true},
		{"$.health.redrive[0].dlqArn", dlqARN},
		{"$.health.redrive[0].sourceArn", srcARN},
		{"$.health.redrive[0].maxNumberOfMessagesPerSecond", float64(7)},
		{"$.health.redrive[0].messages", float64(3)},
	}
	for _, tt := range tests {
		t.Run(tt.path+" selects the value the workflow needs", func(t *testing.T) {
			got := jsonpath.MustParse(tt.path).Select(state)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("%s selected %v, want [%v]", tt.path, got, tt.want)
			}
		})
	}
}
