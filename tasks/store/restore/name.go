// Package restore rehearses and performs the disaster recovery of the
// transactions table (docs/runbook.md, "Restore"): it restores the table
// to a point in time into a new table (Restore), verifies the copy and
// reports how it differs from the table it came from (Verify), and names
// the restored table and its CloudFormation resource so that the stack can
// be put on it (`-c transactionsTable=<name>`, then `cdk import` and
// `cdk deploy`). It never deletes a table and never switches the stack by
// itself. It knows nothing of the CDK: cmd/restore and the stack both use
// it.
package restore

import (
	"fmt"
	"regexp"
	"time"

	"github.com/resilientpay/paymentapi/internal/platform"
)

// TableResourceType is the transactions table's resource type in the
// naming rule `{resource-type}-{environment-suffix}`.
const TableResourceType = platform.TransactionsTable

// stampLayout is the restore point in a restored table's name: UTC, to the
// minute (yyyymmddhhmm).
const stampLayout = "200601021504"

// SourceName is the table the stack creates for suffix.
func SourceName(suffix string) string { return TableResourceType + "-" + suffix }

// TargetName is the name of the table restored for suffix to the point in
// time at: `transactions-table-<suffix>-r<yyyymmddhhmm>` (UTC, truncated to
// the minute).
func TargetName(suffix string, at time.Time) string {
	return SourceName(suffix) + "-r" + at.UTC().Format(stampLayout)
}

// TableInUse is the transactions table the stack of suffix uses: the
// restored table cdk.json's transactionsTable names after a cutover
// (restored, checked with ParseTargetName), else SourceName. The
// operators' commands (cmd/parked, cmd/destroyguard) take it with -table.
func TableInUse(suffix, restored string) (string, error) {
	if restored == "" {
		return SourceName(suffix), nil
	}
	if _, err := ParseTargetName(restored, suffix); err != nil {
		return "", err
	}
	return restored, nil
}

var targetName = regexp.MustCompile(`^(.+)-r([0-9]{12})$`)

// ParseTargetName checks that name is a restored table of suffix (as
// TargetName names them) and returns its restore point, to the minute.
func ParseTargetName(name, suffix string) (time.Time, error) {
	m := targetName.FindStringSubmatch(name)
	if m == nil || m[1] != SourceName(suffix) {
		return time.Time{}, fmt.Errorf("restore: %q is not a restored transactions table of suffix %q (want %s-r<yyyymmddhhmm>)",
			name, suffix, SourceName(suffix))
	}
	at, err := time.Parse(stampLayout, m[2])
	if err != nil {
		return time.Time{}, fmt.Errorf("restore: %q: the restore point %s is not a time: %w", name, m[2], err)
	}
	return at, nil
}

// LogicalID is the CloudFormation logical id of the restored table name in
// the stack. The stack sets it explicitly (instead of CDK's path hash) so
// that this package can write the resource mapping `cdk import` needs
// without synthesizing: "TransactionsTableR" and the restore point. A new
// restore is a new resource: CloudFormation imports a resource only under
// a logical id the stack does not hold yet.
func LogicalID(name string) string {
	m := targetName.FindStringSubmatch(name)
	if m == nil {
		panic(fmt.Sprintf("restore: LogicalID of %q, which is not a restored table name", name))
	}
	return "TransactionsTableR" + m[2]
}

// ImportMapping is the value of `cdk import --resource-mapping-inline` that
// imports the restored table name into the stack: its logical id and the
// table's identifier property (TableName).
func ImportMapping(name string) string {
	return fmt.Sprintf(`{"%s":{"TableName":"%s"}}`, LogicalID(name), name)
}

// NextCommands are the commands an operator runs, after reading the
// report, to put the stack of suffix on the restored table name.
func NextCommands(suffix, name string) []string {
	extra := fmt.Sprintf(`CDK_EXTRA="-c transactionsTable=%s"`, name)
	return []string{
		fmt.Sprintf("make import-table SUFFIX=%s TABLE=%s", suffix, name),
		fmt.Sprintf("make diff SUFFIX=%s %s", suffix, extra),
		fmt.Sprintf("make deploy SUFFIX=%s %s", suffix, extra),
	}
}
