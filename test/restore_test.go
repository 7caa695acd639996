package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/storage"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

// Tests of the cutover to a restored table (docs/runbook.md, "Restore").

// restoredTable is a table cmd/restore would name for the test suffix.
const restoredTable = "transactions-table-" + suffix + "-r202612071000"

var (
	restoredOnce                   sync.Once
	restoredTemplate               []byte
	restoredNagErrs, restoredNagWs []string
)

// synthRestored synthesizes the app with `-c transactionsTable=<restored>`
// (stub Lambda code), once, under cdk-nag's packs.
func synthRestored(t *testing.T) []byte {
	t.Helper()
	restoredOnce.Do(func() {
		restoredNagErrs, restoredNagWs, restoredTemplate = nagSynthWith(t,
			map[string]interface{}{paymentstack.KeyTransactionsTable: restoredTable})
	})
	if restoredTemplate == nil {
		t.Fatalf("the synthesis with the restored table failed: %v", restoredNagErrs)
	}
	return restoredTemplate
}

func TestWithARestoredTableEveryReferenceMovesToItAndNothingElseChanges(t *testing.T) {
	// GIVEN the template without and with the context
	base := synthStub(t, suffix)
	restored := synthRestored(t)
	var oldID string
	for id := range base.Resources("AWS::DynamoDB::Table") {
		oldID = id
	}
	newID := restore.LogicalID(restoredTable)
	oldName := restore.SourceName(suffix)

	// THEN the restored template holds the restored table under its own
	// logical id, and neither the old logical id nor the old name.
	var tmpl map[string]interface{}
	if err := json.Unmarshal(restored, &tmpl); err != nil {
		t.Fatal(err)
	}
	resources := tmpl["Resources"].(map[string]interface{})
	table, ok := resources[newID].(map[string]interface{})
	if !ok {
		t.Fatalf("no resource %s in the template with the restored table", newID)
	}
	if got := props(table)["TableName"]; got != restoredTable {
		t.Errorf("%s: TableName = %v, want %s", newID, got, restoredTable)
	}
	if table["DeletionPolicy"] != "Delete" || table["UpdateReplacePolicy"] != "Delete" {
		t.Errorf("%s: DeletionPolicy %v, UpdateReplacePolicy %v: the restored table must be destroyed with the stack",
			newID, table["DeletionPolicy"], table["UpdateReplacePolicy"])
	}
	text := string(restored)
	if strings.Contains(text, `"`+oldID+`"`) {
		t.Errorf("the template with the restored table still refers to %s", oldID)
	}
	if strings.Contains(text, `"`+oldName+`"`) || strings.Contains(text, oldName+`/`) || strings.Contains(text, oldName+`:`) {
		t.Errorf("the template with the restored table still names %s", oldName)
	}
	// AND renaming the restored table back gives the base template
	// exactly: every function environment, grant, alarm, dashboard widget
	// and health check moved with the table, and nothing else changed.
	back := strings.NewReplacer(
		`"`+newID+`"`, `"`+oldID+`"`, // resource key, Ref, Fn::GetAtt, DependsOn
		"/"+newID+"/", "/TransactionsTable/", // aws:cdk:path metadata
		restoredTable, oldName,
	).Replace(text)
	var got map[string]interface{}
	if err := json.Unmarshal([]byte(back), &got); err != nil {
		t.Fatal(err)
	}
	// The order of a key policy's statements carries no meaning (and
	// follows the order constructs were added in): compare them by Sid.
	want := map[string]interface{}{}
	if err := json.Unmarshal(base.Raw, &want); err != nil {
		t.Fatal(err)
	}
	sortKeyPolicyStatements(got)
	sortKeyPolicyStatements(want)
	if !reflect.DeepEqual(got, want) {
		for _, d := range jsonDiff("", got, want) {
			t.Errorf("differs beyond the table: %s", d)
		}
	}
}

func TestTheRestoredStackPassesCdkNag(t *testing.T) {
	synthRestored(t)
	for _, f := range restoredNagErrs {
		t.Errorf("error: %s", f)
	}
	for _, f := range restoredNagWs {
		t.Errorf("warning: %s", f)
	}
}

func TestTheRestoreNamingAgreesWithTheStack(t *testing.T) {
	if restore.TableResourceType != storage.TransactionsTable {
		t.Errorf("restore.TableResourceType %q, the stack's table type %q", restore.TableResourceType, storage.TransactionsTable)
	}
	tables := synthStub(t, suffix).Resources("AWS::DynamoDB::Table")
	for id, r := range tables {
		if got := props(r)["TableName"]; got != restore.SourceName(suffix) {
			t.Errorf("%s: TableName %v, restore.SourceName %s", id, got, restore.SourceName(suffix))
		}
	}
}

func TestTheTableContextAcceptsOnlyARestoredTableOfTheSuffix(t *testing.T) {
	for _, name := range []string{"transactions-table-" + suffix, "transactions-table-prod-r202612071000", "other", "transactions-table-" + suffix + "-r2026"} {
		synthMu.Lock()
		_, err := paymentstack.Synthesize(paymentstack.SynthOptions{ModuleDir: "..", Suffix: suffix, StubCode: true, SkipValidation: true,
			Outdir: t.TempDir(), Context: map[string]interface{}{paymentstack.KeyTransactionsTable: name}})
		synthMu.Unlock()
		if err == nil || !strings.Contains(err.Error(), paymentstack.KeyTransactionsTable) {
			t.Errorf("transactionsTable=%s: err = %v, want a refusal naming the context key", name, err)
		}
	}
}

// jsonDiff lists the paths where a and b differ.
// sortKeyPolicyStatements orders every KMS key policy's statements by Sid.
func sortKeyPolicyStatements(tpl map[string]interface{}) {
	resources, _ := tpl["Resources"].(map[string]interface{})
	for _, r := range resources {
		res, _ := r.(map[string]interface{})
		if res["Type"] != "AWS::KMS::Key" {
			continue
		}
		policy, _ := props(res)["KeyPolicy"].(map[string]interface{})
		st, _ := policy["Statement"].([]interface{})
		sort.SliceStable(st, func(i, j int) bool {
			si, _ := st[i].(map[string]interface{})["Sid"].(string)
			sj, _ := st[j].(map[string]interface{})["Sid"].(string)
			return si < sj
		})
	}
}

func jsonDiff(path string, a, b interface{}) []string {
	am, aok := a.(map[string]interface{})
	bm, bok := b.(map[string]interface{})
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		var sorted []string
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		var out []string
		for _, k := range sorted {
			out = append(out, jsonDiff(path+"/"+k, am[k], bm[k])...)
		}
		return out
	}
	al, alok := a.([]interface{})
	bl, blok := b.([]interface{})
	if alok && blok && len(al) == len(bl) {
		var out []string
		for i := range al {
			out = append(out, jsonDiff(fmt.Sprintf("%s/%d", path, i), al[i], bl[i])...)
		}
		return out
	}
	if !reflect.DeepEqual(a, b) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		return []string{path + ": " + trim(string(ja)) + " vs " + trim(string(jb))}
	}
	return nil
}

func trim(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
