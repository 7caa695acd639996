package memddb

import (
	"context"
	"math/big"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// index is a global secondary index: a hash key and an optional range key
// over the items that have the hash key (a sparse index, as DynamoDB's).
type index struct {
	hash, rangeKey string
}

// UpdateItem applies an update expression to one item (created when
// absent) if its condition holds. It implements SET of a value or of
// if_not_exists(path, value), ADD of a number and REMOVE of top-level
// attributes: the clauses the store writes.
func (db *DB) UpdateItem(_ context.Context, in *dynamodb.UpdateItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if in.ReturnValues != "" && in.ReturnValues != types.ReturnValueNone {
		return nil, validation("ReturnValues is not implemented")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, k, err := db.keyed(in.TableName, in.Key)
	if err != nil {
		return nil, err
	}
	old := t.items[k]
	ok, err := evalCondition(in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, old)
	if err != nil {
		return nil, err
	}
	item := clone(old)
	if item == nil {
		item = clone(in.Key)
	}
	if err := applyUpdate(aws.ToString(in.UpdateExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues, old, item); err != nil {
		return nil, err
	}
	units := WriteUnits(max(ItemSize(item), ItemSize(old)), false)
	db.meter.add("UpdateItem", units, 0) // a failed condition is billed too
	if !ok {
		return nil, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed")}
	}
	t.items[k] = item
	out := &dynamodb.UpdateItemOutput{}
	if in.ReturnConsumedCapacity == types.ReturnConsumedCapacityTotal || in.ReturnConsumedCapacity == types.ReturnConsumedCapacityIndexes {
		out.ConsumedCapacity = &types.ConsumedCapacity{TableName: in.TableName, CapacityUnits: aws.Float64(units), WriteCapacityUnits: aws.Float64(units)}
	}
	return out, nil
}

// applyUpdate applies the SET, ADD and REMOVE clauses of expr to item;
// values read from the item (if_not_exists, ADD) come from old, as
// DynamoDB evaluates every clause against the item before the update.
func applyUpdate(expr string, names map[string]string, values map[string]types.AttributeValue, old, item map[string]types.AttributeValue) error {
	toks, err := tokenize(expr)
	if err != nil {
		return err
	}
	p := &parser{toks: toks, names: names, values: values, item: old}
	seen := map[string]bool{}
	for p.peek() != "" {
		clause := strings.ToUpper(p.next())
		if seen[clause] {
			return validation("the %s clause appears twice", clause)
		}
		seen[clause] = true
		for {
			name, err := p.name(p.next())
			if err != nil {
				return err
			}
			switch clause {
			case "SET":
				if err := p.expect("="); err != nil {
					return err
				}
				v, err := p.setValue()
				if err != nil {
					return err
				}
				if v == nil {
					return validation("SET %s reads an attribute that does not exist", name)
				}
				item[name] = v
			case "ADD":
				v, err := p.operand()
				if err != nil {
					return err
				}
				n, ok := v.(*types.AttributeValueMemberN)
				if !ok {
					return validation("ADD of a %s is not implemented (numbers only)", typeName(v))
				}
				sum, _ := new(big.Float).SetString(n.Value)
				if cur, ok := old[name].(*types.AttributeValueMemberN); ok {
					c, _ := new(big.Float).SetString(cur.Value)
					sum.Add(sum, c)
				} else if old[name] != nil {
					return validation("ADD to %s, which is not a number", name)
				}
				item[name] = &types.AttributeValueMemberN{Value: sum.Text('f', -1)}
			case "REMOVE":
				delete(item, name)
			default:
				return validation("update clause %q is not implemented (SET, ADD, REMOVE)", clause)
			}
			if p.peek() != "," {
				break
			}
			p.next()
		}
	}
	return nil
}

// setValue reads the value of a SET action: an operand or
// if_not_exists(path, operand).
func (p *parser) setValue() (types.AttributeValue, error) {
	if strings.EqualFold(p.peek(), "if_not_exists") {
		p.next()
		if err := p.expect("("); err != nil {
			return nil, err
		}
		cur, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(","); err != nil {
			return nil, err
		}
		def, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if cur != nil {
			return cur, nil
		}
		return def, nil
	}
	return p.operand()
}

// Query reads the items of a global secondary index whose hash key equals
// a value (KeyConditionExpression "#k = :v"), ordered by the index's range
// key, in one page. Its read units are those of the items read, as
// DynamoDB bills a query.
func (db *DB) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in.FilterExpression != nil || in.ProjectionExpression != nil || in.ExclusiveStartKey != nil || in.Limit != nil {
		return nil, validation("filters, projections, limits and start keys are not implemented")
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	t, err := db.table(in.TableName)
	if err != nil {
		return nil, err
	}
	idx, ok := t.indexes[aws.ToString(in.IndexName)]
	if !ok {
		return nil, validation("query only the table's global secondary indexes (%q is none)", aws.ToString(in.IndexName))
	}
	toks, err := tokenize(aws.ToString(in.KeyConditionExpression))
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks, names: in.ExpressionAttributeNames, values: in.ExpressionAttributeValues}
	name, err := p.name(p.next())
	if err != nil {
		return nil, err
	}
	if err := p.expect("="); err != nil {
		return nil, err
	}
	want, err := p.operand()
	if err != nil {
		return nil, err
	}
	if name != idx.hash || p.peek() != "" {
		return nil, validation("only an equality on the index's hash key %s is implemented", idx.hash)
	}
	var items []map[string]types.AttributeValue
	size := 0
	for _, item := range t.items {
		if c, ok := compare(item[idx.hash], want); ok && c == 0 {
			items = append(items, clone(item))
			size += ItemSize(item)
		}
	}
	sort.SliceStable(items, func(i, j int) bool {
		c, _ := compare(items[i][idx.rangeKey], items[j][idx.rangeKey])
		if in.ScanIndexForward != nil && !*in.ScanIndexForward {
			return c > 0
		}
		return c < 0
	})
	units := ReadUnits(size, aws.ToBool(in.ConsistentRead), false)
	db.meter.add("Query", 0, units)
	return &dynamodb.QueryOutput{Items: items, Count: int32(len(items)), ScannedCount: int32(len(items))}, nil
}
