package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Parked payments: a queued payment that can never be stored as it is is
// not dropped. The reprocess function parks it in the table, with the
// reason, under
//
//	PARKED#<payment id>#<request hash>   a queued payment
//	PARKED#MESSAGE#<body hash>           a message that is not a payment
//
// and the sparse index ParkedIndex lists what is parked, oldest first, for
// the operators (docs/runbook.md). A parked item keeps the queued message
// verbatim, so it can be replayed once its cause is fixed; resolving it
// takes it out of the index and keeps it as a record.
const (
	// ParkedIndex is the global secondary index of parked items.
	ParkedIndex = "parked-index"
	// ParkedAttribute is the index's partition key: ParkedValue while an
	// item is parked, absent once it is resolved.
	ParkedAttribute = "parked"
	// ParkedAtAttribute is the index's sort key: when the item was last
	// parked (RFC 3339).
	ParkedAtAttribute = "parked_at"
	// ParkedValue marks an item that is parked.
	ParkedValue = "PARKED"

	parkedPrefix = "PARKED#"
)

// ParkReason says why a queued payment was parked.
type ParkReason string

// Why a queued payment is parked.
const (
	// ParkedKeyReused: its idempotency key belongs to another payment (the
	// key was reused with another body after a 202), so it can never be
	// stored under its id.
	ParkedKeyReused ParkReason = "key-reused"
	// ParkedMalformed: the message is not a queued payment this code can
	// read.
	ParkedMalformed ParkReason = "malformed"
	// ParkedPoison: handling it crashed the reprocess function as many
	// times as the bound allows (reprocess.DefaultMaxFailures).
	ParkedPoison ParkReason = "poison"
	// ParkedRedriveLimit was given by earlier versions to a payment that
	// failed every delivery through several redrives, outages included.
	// Nothing parks with it any more; items parked with it before are
	// replayed like any other (docs/runbook.md).
	ParkedRedriveLimit ParkReason = "redrive-limit"
)

// Parked is a parked queued payment.
type Parked struct {
	// Key is the item's partition key (ParkedKey).
	Key    string     `dynamodbav:"pk"`
	Reason ParkReason `dynamodbav:"reason"`
	// Detail says what failed, in this package's words or a workflow error
	// name; never an SDK message or the payment's data.
	Detail      string `dynamodbav:"detail"`
	PaymentID   string `dynamodbav:"payment_id"`
	RequestHash string `dynamodbav:"request_hash"`
	// Body and Attributes are the queued message's, verbatim: a replay
	// sends them again.
	Body       string            `dynamodbav:"body"`
	Attributes map[string]string `dynamodbav:"attributes"`
	MessageID  string            `dynamodbav:"message_id"`
	// Receives is the message's receive count when it was parked;
	// DeadLetters how many times it had been dead-lettered, as versions
	// that counted outages recorded it (nothing sets it now).
	Receives    int `dynamodbav:"receives"`
	DeadLetters int `dynamodbav:"dead_letters"`
	// ParkedAt is when it was (last) parked; FirstParkedAt when first;
	// TimesParked how often (a replay that fails again parks it again).
	ParkedAt      string `dynamodbav:"parked_at"`
	FirstParkedAt string `dynamodbav:"first_parked_at"`
	TimesParked   int    `dynamodbav:"times_parked"`
	// Resolution, ResolvedAt and ResolvedBy (the operator: the caller's
	// ARN) are set when an operator resolves or replays it.
	Resolution string `dynamodbav:"resolution,omitempty"`
	ResolvedAt string `dynamodbav:"resolved_at,omitempty"`
	ResolvedBy string `dynamodbav:"resolved_by,omitempty"`
}

// IsParkedKey reports whether key is the key of a parked item (ParkedKey),
// not of a payment or an idempotency record: the operator commands touch
// parked items only.
func IsParkedKey(key string) bool {
	return strings.HasPrefix(key, parkedPrefix) && len(key) > len(parkedPrefix)
}

// ParkedKey is the partition key of the parked item of a queued payment,
// or of a message that is not one (paymentID or requestHash empty): the
// same payment with the same body, or the same message, parks once.
func ParkedKey(paymentID, requestHash, body string) string {
	if paymentID != "" && requestHash != "" {
		return parkedPrefix + paymentID + "#" + requestHash
	}
	sum := sha256.Sum256([]byte(body))
	return parkedPrefix + "MESSAGE#" + hex.EncodeToString(sum[:16])
}

// itemUpdater parks and resolves; *dynamodb.Client implements it.
type itemUpdater interface {
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// indexQuerier lists parked items; *dynamodb.Client implements it.
type indexQuerier interface {
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var errNotParked = errors.New("store: no parked item has this key, or it is already resolved")

// ErrParkedAgain is returned by ResolveParked when the item was parked
// again after the caller read it (a replayed payment failed again before
// the replay resolved it): it stays parked, with TimesParked counting.
var ErrParkedAgain = errors.New("store: the parked item was parked again since it was read; it stays parked")

// Park records p as parked, now, and returns its key. Parking the same
// payment (or message) again updates the item: it is parked once, and
// TimesParked counts. It needs UpdateItem on the table; failures are
// StoreUnavailable or Internal *payment.Error values (the caller leaves
// the message on the queue and tries again).
func (s *Store) Park(ctx context.Context, p Parked) (string, error) {
	key := ParkedKey(p.PaymentID, p.RequestHash, p.Body)
	now := s.now().UTC().Format(time.RFC3339Nano)
	if p.Attributes == nil {
		p.Attributes = map[string]string{}
	}
	attrs, err := attributevalue.Marshal(p.Attributes)
	if err != nil {
		return "", errInternal.Wrap(err)
	}
	values := map[string]types.AttributeValue{
		":parked": &types.AttributeValueMemberS{Value: ParkedValue}, ":now": &types.AttributeValueMemberS{Value: now},
		":reason": &types.AttributeValueMemberS{Value: string(p.Reason)}, ":detail": &types.AttributeValueMemberS{Value: p.Detail},
		":pid": &types.AttributeValueMemberS{Value: p.PaymentID}, ":rh": &types.AttributeValueMemberS{Value: p.RequestHash},
		":body": &types.AttributeValueMemberS{Value: p.Body}, ":attrs": attrs,
		":mid":      &types.AttributeValueMemberS{Value: p.MessageID},
		":receives": &types.AttributeValueMemberN{Value: strconv.Itoa(p.Receives)},
		":dl":       &types.AttributeValueMemberN{Value: strconv.Itoa(p.DeadLetters)},
		":one":      &types.AttributeValueMemberN{Value: "1"},
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err = s.db.UpdateItem(cctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table),
		Key:       map[string]types.AttributeValue{PartitionKey: &types.AttributeValueMemberS{Value: key}},
		UpdateExpression: aws.String("SET #parked = :parked, #parked_at = :now, #reason = :reason, #detail = :detail, " +
			"#payment_id = :pid, #request_hash = :rh, #body = :body, #attributes = :attrs, #message_id = :mid, " +
			"#receives = :receives, #dead_letters = :dl, #first = if_not_exists(#first, :now) " +
			"ADD #times :one REMOVE #resolution, #resolved_at"),
		ExpressionAttributeNames: map[string]string{
			"#parked": ParkedAttribute, "#parked_at": ParkedAtAttribute, "#reason": "reason", "#detail": "detail",
			"#payment_id": "payment_id", "#request_hash": "request_hash", "#body": "body", "#attributes": "attributes",
			"#message_id": "message_id", "#receives": "receives", "#dead_letters": "dead_letters",
			"#first": "first_parked_at", "#times": "times_parked", "#resolution": "resolution", "#resolved_at": "resolved_at",
		},
		ExpressionAttributeValues: values,
	})
	if err != nil {
		return "", classify(err)
	}
	return key, nil
}

// ListParked returns what is parked, oldest first, at most limit items
// (0: all), from ParkedIndex.
func (s *Store) ListParked(ctx context.Context, limit int) ([]Parked, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(ParkedIndex),
		KeyConditionExpression:    aws.String("#parked = :parked"),
		ExpressionAttributeNames:  map[string]string{"#parked": ParkedAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":parked": &types.AttributeValueMemberS{Value: ParkedValue}},
		ScanIndexForward:          aws.Bool(true),
	}
	var out []Parked
	for {
		cctx, cancel := s.call(ctx)
		page, err := s.db.Query(cctx, in)
		cancel()
		if err != nil {
			return nil, classify(err)
		}
		var items []Parked
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, errInternal.Wrap(err)
		}
		out = append(out, items...)
		if limit > 0 && len(out) >= limit {
			return out[:limit], nil
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// GetParked reads one parked (or resolved) item by key; a key that is not
// a parked item's (a payment's, an idempotency record's) is not read.
func (s *Store) GetParked(ctx context.Context, key string) (Parked, error) {
	if !IsParkedKey(key) {
		return Parked{}, errNotParked
	}
	var p Parked
	found, err := s.get(ctx, key, &p)
	if err != nil {
		return Parked{}, err
	}
	if !found {
		return Parked{}, errNotParked
	}
	return p, nil
}

// Resolution is how an operator handled a parked payment.
type Resolution struct {
	// How it was handled, e.g. "replayed", "refunded by the merchant".
	How string
	// By is who handled it: the operator's ARN.
	By string
	// TimesParked, when not 0, is the item's TimesParked as the operator
	// read it: the item is resolved only if it was not parked again since
	// (each park adds 1), else ResolveParked returns ErrParkedAgain.
	TimesParked int
}

// ResolveParked takes a parked item out of ParkedIndex, recording how and
// by whom it was resolved; the item stays as a record. The write is
// conditional: the key must be a parked item's (never a payment or an
// idempotency record), the item still parked, and, when r.TimesParked is
// set, not parked again since it was read.
func (s *Store) ResolveParked(ctx context.Context, key string, r Resolution) error {
	switch {
	case !IsParkedKey(key):
		return errNotParked
	case r.How == "" || r.By == "":
		return errors.New("store: a resolution says how and by whom")
	}
	cond := "begins_with(#pk, :prefix) AND #parked = :parked"
	values := map[string]types.AttributeValue{
		":r": &types.AttributeValueMemberS{Value: r.How}, ":by": &types.AttributeValueMemberS{Value: r.By},
		":now":    &types.AttributeValueMemberS{Value: s.now().UTC().Format(time.RFC3339Nano)},
		":prefix": &types.AttributeValueMemberS{Value: parkedPrefix}, ":parked": &types.AttributeValueMemberS{Value: ParkedValue},
	}
	names := map[string]string{"#pk": PartitionKey, "#resolution": "resolution", "#resolved_at": "resolved_at",
		"#resolved_by": "resolved_by", "#parked": ParkedAttribute}
	if r.TimesParked != 0 {
		cond += " AND #times = :times"
		names["#times"] = "times_parked"
		values[":times"] = &types.AttributeValueMemberN{Value: strconv.Itoa(r.TimesParked)}
	}
	cctx, cancel := s.call(ctx)
	defer cancel()
	_, err := s.db.UpdateItem(cctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{PartitionKey: &types.AttributeValueMemberS{Value: key}},
		ConditionExpression:       aws.String(cond),
		UpdateExpression:          aws.String("SET #resolution = :r, #resolved_at = :now, #resolved_by = :by REMOVE #parked"),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		// Say which condition failed: read the item as it is now.
		if now, getErr := s.GetParked(ctx, key); getErr == nil && now.ResolvedAt == "" && r.TimesParked != 0 && now.TimesParked != r.TimesParked {
			return ErrParkedAgain
		}
		return errNotParked
	}
	if err != nil {
		return classify(err)
	}
	return nil
}
