package paymentstack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"

	"github.com/resilientpay/paymentapi/storage"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

// transactionsTable is the stack's table: the one it creates, or, with the
// transactionsTable context (Config.TransactionsTable), a table restored
// by cmd/restore. The restored table takes the created one's place: every
// function's environment, grant, alarm and dashboard widget refers to it,
// and the created table leaves the template.
//
// The mechanism is CloudFormation resource import (`make import-table`,
// i.e. `cdk import`), chosen over the alternatives (docs/runbook.md,
// "Restore", lists the sources):
//   - CloudFormation cannot create a table from a point-in-time restore
//     (AWS::DynamoDB::Table has no such property), so a second managed
//     table would start empty and need a copy of every item;
//   - referencing the restored table by name (Table.fromTableName) would
//     leave it outside the stack: nothing would keep it on demand, with
//     point-in-time recovery, the key and the tags, and `make destroy`
//     would leave it behind;
//   - `cdk deploy --import-existing-resources` (CloudFormation's automatic
//     import) requires DeletionPolicy Retain or RetainExceptOnCreate,
//     which the product forbids; an IMPORT change set (`cdk import`)
//     accepts the table's Delete policy.
//
// Imported, the table is the stack's like the one it replaces: same
// definition, DeletionPolicy Delete.
func transactionsTable(stack awscdk.Stack, key awskms.IKey, restored string) awsdynamodb.Table {
	if restored == "" {
		return storage.NewTransactionsTable(stack, "TransactionsTable", key)
	}
	return storage.NewRestoredTransactionsTable(stack, restore.LogicalID(restored), key, restored)
}
