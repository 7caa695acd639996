// Package memddb is an in-memory DynamoDB for the local runner and the
// tests that measure it: tables with a string or number partition key,
// GetItem, PutItem, UpdateItem (SET, ADD, REMOVE), TransactWriteItems (Put,
// Delete, ConditionCheck) with condition expressions, Query of a global
// secondary index by its hash key, DescribeTable, CreateTable and
// UpdateTimeToLive.
// It answers the way DynamoDB does (TransactionCanceledException with a
// reason per item, ConditionalCheckFailedException, ResourceNotFound) and
// meters the capacity units each call consumes as DynamoDB bills them
// (see Units), so it serves both to run the runner without DynamoDB Local
// (its throughput is then the runner's own) and to count what a payment
// costs.
//
// It is not a database: no local indexes, filtered or paged queries, scans,
// sort keys on the table, streams or TTL deletion. A call or expression it does not implement fails with a
// ValidationException naming what is missing, never silently.
package memddb

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// DB is the in-memory DynamoDB. The zero value is not usable; use New.
type DB struct {
	mu     sync.Mutex
	tables map[string]*table
	// tokens are the ClientRequestTokens of committed transactions, and
	// tokenOrder the same in commit order, to forget them after 10 minutes.
	tokens     map[string]time.Time
	tokenOrder []string
	meter      Meter
	now        func() time.Time
}

type table struct {
	name, key string
	ttl       string
	created   time.Time
	items     map[string]map[string]types.AttributeValue
	indexes   map[string]index
}

// New returns an empty DynamoDB.
func New() *DB {
	return &DB{tables: map[string]*table{}, tokens: map[string]time.Time{}, now: time.Now}
}

// Meter returns the capacity units consumed so far.
func (db *DB) Meter() Meter {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.meter
}

// ResetMeter sets the consumed units back to zero.
func (db *DB) ResetMeter() {
	db.mu.Lock()
	defer db.mu.Unlock()
	db.meter = Meter{}
}

// Meter counts the capacity units consumed, by operation, as on-demand
// billing counts request units.
type Meter struct {
	WriteUnits, ReadUnits float64
	// Calls counts requests by operation name.
	Calls map[string]int
}

func (m *Meter) add(op string, write, read float64) {
	if m.Calls == nil {
		m.Calls = map[string]int{}
	}
	m.Calls[op]++
	m.WriteUnits += write
	m.ReadUnits += read
}

func validation(format string, args ...any) error {
	return &smithy.GenericAPIError{Code: "ValidationException", Message: "memddb: " + fmt.Sprintf(format, args...), Fault: smithy.FaultClient}
}

func (db *DB) table(name *string) (*table, error) {
	t, ok := db.tables[aws.ToString(name)]
	if !ok {
		return nil, &types.ResourceNotFoundException{Message: aws.String("Requested resource not found: Table: " + aws.ToString(name) + " not found")}
	}
	return t, nil
}

// CreateTable creates a table with a single partition key.
func (db *DB) CreateTable(_ context.Context, in *dynamodb.CreateTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	name := aws.ToString(in.TableName)
	if _, ok := db.tables[name]; ok {
		return nil, &types.ResourceInUseException{Message: aws.String("Table already exists: " + name)}
	}
	if len(in.KeySchema) != 1 || in.KeySchema[0].KeyType != types.KeyTypeHash {
		return nil, validation("only tables with a single partition key are implemented")
	}
	t := &table{name: name, key: aws.ToString(in.KeySchema[0].AttributeName), created: db.now(),
		items: map[string]map[string]types.AttributeValue{}, indexes: map[string]index{}}
	for _, gsi := range in.GlobalSecondaryIndexes {
		var idx index
		for _, k := range gsi.KeySchema {
			switch k.KeyType {
			case types.KeyTypeHash:
				idx.hash = aws.ToString(k.AttributeName)
			case types.KeyTypeRange:
				idx.rangeKey = aws.ToString(k.AttributeName)
			}
		}
		t.indexes[aws.ToString(gsi.IndexName)] = idx
	}
	db.tables[name] = t
	return &dynamodb.CreateTableOutput{TableDescription: db.tables[name].describe()}, nil
}

func (t *table) describe() *types.TableDescription {
	return &types.TableDescription{
		TableName: aws.String(t.name), TableStatus: types.TableStatusActive, ItemCount: aws.Int64(int64(len(t.items))),
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(t.key), KeyType: types.KeyTypeHash}},
		BillingModeSummary:   &types.BillingModeSummary{BillingMode: types.BillingModePayPerRequest},
		CreationDateTime:     aws.Time(t.created),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(t.key), AttributeType: types.ScalarAttributeTypeS}},
	}
}

// DescribeTable describes a table (always ACTIVE).
func (db *DB) DescribeTable(_ context.Context, in *dynamodb.DescribeTableInput, _ ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	return &dynamodb.DescribeTableOutput{Table: t.describe()}, nil
}

// UpdateTimeToLive records the TTL attribute (items are not deleted).
func (db *DB) UpdateTimeToLive(_ context.Context, in *dynamodb.UpdateTimeToLiveInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	if in.TimeToLiveSpecification != nil && aws.ToBool(in.TimeToLiveSpecification.Enabled) {
		t.ttl = aws.ToString(in.TimeToLiveSpecification.AttributeName)
	}
	return &dynamodb.UpdateTimeToLiveOutput{TimeToLiveSpecification: in.TimeToLiveSpecification}, nil
}

// keyOf returns the partition key value of a key or item as a map key.
func (t *table) keyOf(item map[string]types.AttributeValue) (string, error) {
	switch v := item[t.key].(type) {
	case *types.AttributeValueMemberS:
		return "S" + v.Value, nil
	case *types.AttributeValueMemberN:
		return "N" + v.Value, nil
	case nil:
		return "", validation("the item has no key attribute %s", t.key)
	default:
		return "", validation("key attribute %s must be a string or a number", t.key)
	}
}

// keyed finds a table and the key of one of its items (the partition key
// alone, as every table here has). The caller holds db.mu.
func (db *DB) keyed(tableName *string, key map[string]types.AttributeValue) (*table, string, error) {
	t, err := db.table(tableName)
	if err != nil {
		return nil, "", err
	}
	if len(key) != 1 {
		return nil, "", validation("the key must be the partition key alone")
	}
	k, err := t.keyOf(key)
	return t, k, err
}

// GetItem reads one item; ConsistentRead decides its read units.
func (db *DB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if in.ProjectionExpression != nil || len(in.AttributesToGet) > 0 {
		return nil, validation("projections are not implemented")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, k, err := db.keyed(in.TableName, in.Key)
	if err != nil {
		return nil, err
	}
	item := t.items[k]
	units := ReadUnits(ItemSize(item), aws.ToBool(in.ConsistentRead), false)
	db.meter.add("GetItem", 0, units)
	out := &dynamodb.GetItemOutput{Item: clone(item)}
	if in.ReturnConsumedCapacity == types.ReturnConsumedCapacityTotal || in.ReturnConsumedCapacity == types.ReturnConsumedCapacityIndexes {
		out.ConsumedCapacity = &types.ConsumedCapacity{TableName: in.TableName, CapacityUnits: aws.Float64(units), ReadCapacityUnits: aws.Float64(units)}
	}
	return out, nil
}

// PutItem writes one item if its condition holds.
func (db *DB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
		return nil, validation("ReturnValues is not implemented")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	k, err := t.keyOf(in.Item)
	if err != nil {
		return nil, err
	}
	old := t.items[k]
	units := WriteUnits(max(ItemSize(in.Item), ItemSize(old)), false)
	ok, err := evalCondition(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, old)
	if err != nil {
		return nil, err
	}
	db.meter.add("PutItem", units, 0) // a failed condition is billed too
	if !ok {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	t.items[k] = clone(in.Item)
	out := &dynamodb.PutItemOutput{}
	if in.ReturnConsumedCapacity == types.ReturnConsumedCapacityTotal || in.ReturnConsumedCapacity == types.ReturnConsumedCapacityIndexes {
		out.ConsumedCapacity = &types.ConsumedCapacity{TableName: in.TableName, CapacityUnits: aws.Float64(units), WriteCapacityUnits: aws.Float64(units)}
	}
	return out, nil
}

// TransactWriteItems applies Put, Delete and ConditionCheck actions all or
// none. A failed condition cancels the transaction with a reason per
// action, as DynamoDB does; the same ClientRequestToken within ten minutes
// answers the committed transaction again without writing.
func (db *DB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if n := len(in.TransactItems); n == 0 || n > 100 {
		return nil, validation("a transaction has 1 to 100 actions, not %d", n)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	type action struct {
		t   *table
		key string
		put map[string]types.AttributeValue // nil for Delete and ConditionCheck
		del bool
	}
	now := db.now()
	token := aws.ToString(in.ClientRequestToken)
	retry := false
	if at, ok := db.tokens[token]; ok && token != "" && now.Sub(at) < 10*time.Minute {
		// A retry of a committed transaction: DynamoDB answers success
		// without writing, and bills reading the items.
		retry = true
	}
	actions := make([]action, len(in.TransactItems))
	reasons := make([]types.CancellationReason, len(in.TransactItems))
	seen := map[string]bool{}
	canceled := false
	var units float64
	for i, ti := range in.TransactItems {
		var (
			tableName *string
			key, item map[string]types.AttributeValue
			cond      *string
			names     map[string]string
			values    map[string]types.AttributeValue
			del       bool
		)
		switch {
		case ti.Put != nil:
			p := ti.Put
			tableName, item, key, cond, names, values = p.TableName, p.Item, p.Item, p.ConditionExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues
		case ti.Delete != nil:
			d := ti.Delete
			tableName, key, cond, names, values, del = d.TableName, d.Key, d.ConditionExpression, d.ExpressionAttributeNames, d.ExpressionAttributeValues, true
		case ti.ConditionCheck != nil:
			c := ti.ConditionCheck
			tableName, key, cond, names, values = c.TableName, c.Key, c.ConditionExpression, c.ExpressionAttributeNames, c.ExpressionAttributeValues
		default:
			return nil, validation("only Put, Delete and ConditionCheck actions are implemented")
		}
		t, err := db.table(tableName)
		if err != nil {
			return nil, err
		}
		k, err := t.keyOf(key)
		if err != nil {
			return nil, err
		}
		if seen[t.name+"\x00"+k] {
			return nil, validation("Transaction request cannot include multiple operations on one item")
		}
		seen[t.name+"\x00"+k] = true
		old := t.items[k]
		ok, err := evalCondition(cond, names, values, old)
		if err != nil {
			return nil, err
		}
		// Each action is a transactional write of its item (the larger of
		// the old and new item), a condition check too.
		units += WriteUnits(max(ItemSize(item), ItemSize(old)), true)
		reasons[i] = types.CancellationReason{Code: aws.String("None")}
		if !ok {
			canceled = true
			reasons[i] = types.CancellationReason{Code: aws.String("ConditionalCheckFailed"), Message: aws.String("The conditional request failed")}
		}
		actions[i] = action{t: t, key: k, put: item, del: del}
	}
	if retry {
		db.meter.add("TransactWriteItems", 0, units)
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	// A canceled transaction is billed as well (see Units).
	db.meter.add("TransactWriteItems", units, 0)
	if canceled {
		codes := make([]string, len(reasons))
		for i, r := range reasons {
			codes[i] = aws.ToString(r.Code)
		}
		return nil, &types.TransactionCanceledException{
			Message:             aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"),
			CancellationReasons: reasons,
		}
	}
	for _, a := range actions {
		switch {
		case a.put != nil:
			a.t.items[a.key] = clone(a.put)
		case a.del:
			delete(a.t.items, a.key)
		}
	}
	if token != "" {
		db.tokens[token] = now
		db.tokenOrder = append(db.tokenOrder, token)
		for len(db.tokenOrder) > 0 && now.Sub(db.tokens[db.tokenOrder[0]]) >= 10*time.Minute {
			delete(db.tokens, db.tokenOrder[0])
			db.tokenOrder = db.tokenOrder[1:]
		}
	}
	out := &dynamodb.TransactWriteItemsOutput{}
	if in.ReturnConsumedCapacity == types.ReturnConsumedCapacityTotal || in.ReturnConsumedCapacity == types.ReturnConsumedCapacityIndexes {
		out.ConsumedCapacity = []types.ConsumedCapacity{{TableName: aws.String(actions[0].t.name), CapacityUnits: aws.Float64(units), WriteCapacityUnits: aws.Float64(units)}}
	}
	return out, nil
}

// Items returns a copy of every item of a table.
func (db *DB) Items(tableName string) []map[string]types.AttributeValue {
	db.mu.Lock()
	defer db.mu.Unlock()
	t, ok := db.tables[tableName]
	if !ok {
		return nil
	}
	out := make([]map[string]types.AttributeValue, 0, len(t.items))
	for _, it := range t.items {
		out = append(out, clone(it))
	}
	return out
}

// clone copies an item's top-level map; attribute values are never
// modified in place, so sharing them is safe.
func clone(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(item))
	for k, v := range item {
		out[k] = v
	}
	return out
}
