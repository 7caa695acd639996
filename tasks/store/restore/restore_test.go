package restore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

// wire is an HTTP transport for the real DynamoDB client that answers
// each operation (X-Amz-Target) with the next of its canned response
// bodies from testdata/ — written in the response syntax of the DynamoDB
// API reference (no test may call AWS) — and records every request, so
// the tests check the SDK's own encoding and decoding of both.
type wire struct {
	mu        sync.Mutex
	responses map[string][]string // operation -> testdata file names, in order
	calls     []call
}

type call struct {
	Op   string
	Body map[string]any
}

func (w *wire) Do(req *http.Request) (*http.Response, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	var body map[string]any
	if req.Body != nil {
		b, _ := io.ReadAll(req.Body)
		_ = json.Unmarshal(b, &body)
	}
	w.calls = append(w.calls, call{op, body})
	queue := w.responses[op]
	if len(queue) == 0 {
		return nil, fmt.Errorf("wire: no canned response for %s", op)
	}
	file := queue[0]
	if len(queue) > 1 {
		w.responses[op] = queue[1:]
	}
	b, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		return nil, err
	}
	status := http.StatusOK
	if strings.HasSuffix(file, "Exception.json") {
		status = http.StatusBadRequest
	}
	return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b)), Request: req}, nil
}

func (w *wire) ops() []string {
	var out []string
	for _, c := range w.calls {
		out = append(out, c.Op)
	}
	return out
}

func (w *wire) body(op string) map[string]any {
	for _, c := range w.calls {
		if c.Op == op {
			return c.Body
		}
	}
	return nil
}

func client(w *wire) *dynamodb.Client {
	return dynamodb.NewFromConfig(aws.Config{Region: "us-east-1", HTTPClient: w,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		// Canned errors are final: no SDK retries.
		RetryMaxAttempts: 1})
}

func happyWire() *wire {
	return &wire{responses: map[string][]string{
		"DescribeContinuousBackups": {"DescribeContinuousBackups.json"},
		"DescribeTable":             {"DescribeTable-source.json", "DescribeTable-creating.json", "DescribeTable-active.json"},
		"RestoreTableToPointInTime": {"RestoreTableToPointInTime.json"},
		"UpdateContinuousBackups":   {"UpdateContinuousBackups.json"},
		"UpdateTimeToLive":          {"UpdateTimeToLive.json"},
		"ListTagsOfResource":        {"ListTagsOfResource.json"},
		"TagResource":               {"TagResource.json"},
	}}
}

const keyARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

func TestRestoreRestoresWaitsAndSetsWhatARestoreDoesNotCarryOver(t *testing.T) {
	w := happyWire()
	db := client(w)
	ctx := context.Background()

	// GIVEN a source whose window runs from 2026-11-05 10:00 to 2026-12-07 23:55
	at := restorePoint
	plan, err := restore.PlanRestore(ctx, db, "prod", restore.SourceName("prod"), &at)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Target != "transactions-table-prod-r202612071000" || plan.KeyARN != keyARN || !plan.At.Equal(restorePoint) {
		t.Fatalf("plan = %+v", plan)
	}
	// WHEN it is restored
	if err := (restore.Restorer{API: db, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}).Restore(ctx, plan); err != nil {
		t.Fatal(err)
	}
	// THEN the calls are these, in this order: nothing deletes or updates the source
	want := []string{"DescribeContinuousBackups", "DescribeTable", "RestoreTableToPointInTime", "DescribeTable", "DescribeTable",
		"UpdateContinuousBackups", "UpdateTimeToLive", "ListTagsOfResource", "DescribeTable", "TagResource"}
	if got := w.ops(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("calls:\n got %v\nwant %v", got, want)
	}
	// AND the restore names the point, on-demand billing and the source's key
	r := w.body("RestoreTableToPointInTime")
	sse, _ := r["SSESpecificationOverride"].(map[string]any)
	if r["SourceTableName"] != "transactions-table-prod" || r["TargetTableName"] != "transactions-table-prod-r202612071000" ||
		r["RestoreDateTime"] != float64(restorePoint.Unix()) || r["BillingModeOverride"] != "PAY_PER_REQUEST" ||
		sse["Enabled"] != true || sse["SSEType"] != "KMS" || sse["KMSMasterKeyId"] != keyARN || r["UseLatestRestorableTime"] != nil {
		t.Errorf("RestoreTableToPointInTime request = %v", r)
	}
	// AND the new table gets PITR, TTL and the source's own tags (not CloudFormation's aws: ones)
	for op, want := range map[string]string{
		"UpdateContinuousBackups": `{"PointInTimeRecoverySpecification":{"PointInTimeRecoveryEnabled":true},"TableName":"transactions-table-prod-r202612071000"}`,
		"UpdateTimeToLive":        `{"TableName":"transactions-table-prod-r202612071000","TimeToLiveSpecification":{"AttributeName":"expires_at","Enabled":true}}`,
		"TagResource": `{"ResourceArn":"arn:aws:dynamodb:us-east-1:111122223333:table/transactions-table-prod-r202612071000",` +
			`"Tags":[{"Key":"Application","Value":"resilient-payment-api"},{"Key":"Environment","Value":"prod"}]}`,
	} {
		got, _ := json.Marshal(w.body(op))
		if string(got) != want {
			t.Errorf("%s request:\n got %s\nwant %s", op, got, want)
		}
	}
}

func TestPITRIsTurnedOnOnceTheNewTablesBackupsAreAvailable(t *testing.T) {
	w := happyWire()
	w.responses["UpdateContinuousBackups"] = []string{"ContinuousBackupsUnavailableException.json",
		"ContinuousBackupsUnavailableException.json", "UpdateContinuousBackups.json"}
	db := client(w)
	at := restorePoint
	plan, err := restore.PlanRestore(context.Background(), db, "prod", restore.SourceName("prod"), &at)
	if err != nil {
		t.Fatal(err)
	}
	if err := (restore.Restorer{API: db, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}).Restore(context.Background(), plan); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range w.ops() {
		if op == "UpdateContinuousBackups" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("UpdateContinuousBackups called %d times, want 3 (two refusals, then success)", n)
	}
}

func TestWithoutATimeTheLatestRestorableTimeIsUsedAndNamed(t *testing.T) {
	w := happyWire()
	plan, err := restore.PlanRestore(context.Background(), client(w), "prod", restore.SourceName("prod"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 7, 23, 55, 0, 0, time.UTC); !plan.At.Equal(want) || plan.Target != "transactions-table-prod-r202612072355" {
		t.Errorf("plan at %s into %s, want the latest restorable time %s", plan.At, plan.Target, want)
	}
}

func TestRestoreRefusesWhatItCannotDoBeforeRestoringAnything(t *testing.T) {
	before := time.Date(2026, 11, 5, 9, 59, 0, 0, time.UTC)
	after := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name     string
		backups  string
		at       *time.Time
		wantText string
	}{
		{"point-in-time recovery is off", "DescribeContinuousBackups-disabled.json", nil, "not enabled"},
		{"the time is before the window", "DescribeContinuousBackups.json", &before, "outside the restorable window"},
		{"the time is after the latest restorable time", "DescribeContinuousBackups.json", &after, "outside the restorable window"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := happyWire()
			w.responses["DescribeContinuousBackups"] = []string{tc.backups}
			_, err := restore.PlanRestore(context.Background(), client(w), "prod", restore.SourceName("prod"), tc.at)
			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("err = %v, want it to say %q", err, tc.wantText)
			}
			for _, op := range w.ops() {
				if op != "DescribeContinuousBackups" && op != "DescribeTable" {
					t.Errorf("called %s before refusing", op)
				}
			}
		})
	}
	t.Run("point-in-time recovery is off: ErrNoRecovery", func(t *testing.T) {
		w := happyWire()
		w.responses["DescribeContinuousBackups"] = []string{"DescribeContinuousBackups-disabled.json"}
		_, err := restore.PlanRestore(context.Background(), client(w), "prod", restore.SourceName("prod"), nil)
		if !errors.Is(err, restore.ErrNoRecovery) {
			t.Errorf("err = %v, want ErrNoRecovery", err)
		}
	})
}

func TestARestoreIntoAnExistingTableStopsAndSaysWhatToDo(t *testing.T) {
	w := happyWire()
	w.responses["RestoreTableToPointInTime"] = []string{"TableAlreadyExistsException.json"}
	db := client(w)
	at := restorePoint
	plan, err := restore.PlanRestore(context.Background(), db, "prod", restore.SourceName("prod"), &at)
	if err != nil {
		t.Fatal(err)
	}
	err = restore.Restorer{API: db, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}.Restore(context.Background(), plan)
	if err == nil || !strings.Contains(err.Error(), "exists already") || !strings.Contains(err.Error(), "-verify-only") {
		t.Errorf("err = %v, want a message that the table exists and how to verify it", err)
	}
	if ops := w.ops(); ops[len(ops)-1] != "RestoreTableToPointInTime" {
		t.Errorf("went on after the failed restore: %v", ops)
	}
}

func TestTheWaitGivesUpAtItsBound(t *testing.T) {
	w := happyWire()
	w.responses["DescribeTable"] = []string{"DescribeTable-source.json", "DescribeTable-creating.json"} // CREATING for ever
	db := client(w)
	at := restorePoint
	plan, err := restore.PlanRestore(context.Background(), db, "prod", restore.SourceName("prod"), &at)
	if err != nil {
		t.Fatal(err)
	}
	err = restore.Restorer{API: db, WaitMax: 50 * time.Millisecond, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}.Restore(context.Background(), plan)
	if err == nil || !strings.Contains(err.Error(), "waiting for transactions-table-prod-r202612071000") {
		t.Errorf("err = %v, want the wait to give up", err)
	}
	for _, op := range w.ops() {
		if op == "UpdateContinuousBackups" || op == "TagResource" {
			t.Errorf("configured a table that never became ACTIVE (%s)", op)
		}
	}
}

func TestNamesFollowTheNamingRule(t *testing.T) {
	name := restore.TargetName("prod", time.Date(2026, 12, 7, 10, 0, 59, 0, time.FixedZone("CET", 3600)))
	if name != "transactions-table-prod-r202612070900" {
		t.Errorf("TargetName = %s, want the UTC minute", name)
	}
	at, err := restore.ParseTargetName(name, "prod")
	if err != nil || !at.Equal(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseTargetName(%s) = %s, %v", name, at, err)
	}
	for _, bad := range []string{"transactions-table-prod", "transactions-table-dev-r202612070900", "transactions-table-prod-r2026120709",
		"transactions-table-prod-r202613070900", "other-table-prod-r202612070900", ""} {
		if _, err := restore.ParseTargetName(bad, "prod"); err == nil {
			t.Errorf("ParseTargetName(%q, prod) accepted it", bad)
		}
	}
	if got := restore.LogicalID(name); got != "TransactionsTableR202612070900" {
		t.Errorf("LogicalID = %s", got)
	}
	if got := restore.ImportMapping(name); got != `{"TransactionsTableR202612070900":{"TableName":"transactions-table-prod-r202612070900"}}` {
		t.Errorf("ImportMapping = %s", got)
	}
}

// FuzzParseTargetName: a name the context accepts is exactly the name
// TargetName gives its restore point, so the stack can only be put on a
// table of the naming rule.
func FuzzParseTargetName(f *testing.F) {
	for _, s := range []string{"transactions-table-prod-r202612071000", "transactions-table-prod-r209912312359",
		"transactions-table-prod-r000000000000", "transactions-table-prod", "transactions-table-prod-r-r202612071000",
		"transactions-table-prod-r2026120710000", "x"} {
		f.Add(s, "prod")
	}
	f.Fuzz(func(t *testing.T, name, suffix string) {
		at, err := restore.ParseTargetName(name, suffix)
		if err != nil {
			return
		}
		if got := restore.TargetName(suffix, at); got != name {
			t.Errorf("ParseTargetName(%q, %q) accepted a name TargetName spells %q", name, suffix, got)
		}
		if id := restore.LogicalID(name); !strings.HasPrefix(id, "TransactionsTableR") || len(id) != len("TransactionsTableR")+12 {
			t.Errorf("LogicalID(%q) = %q", name, id)
		}
	})
}
