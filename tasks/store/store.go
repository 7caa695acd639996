// Package store is the DynamoDB transaction store: it persists a payment and
// its idempotency record in one transaction, answers replays and key reuse
// from the idempotency record, and reads payments back.
//
// The table has a single string partition key, pk, and a TTL attribute,
// expires_at (epoch seconds). It holds two kinds of item:
//
//	PAYMENT#<payment id>               the payment and its owner (never the idempotency key)
//	IDEMPOTENCY#<idempotency key hash> the first response to a key, kept for the TTL
//
// Payment ids and key hashes are derived from the owner and the key
// (payment.DeriveID), so each owner has its own namespace of both.
package store

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// Attribute and key names of the table, shared with the CDK table definition.
const (
	// PartitionKey is the table's only key attribute (type S).
	PartitionKey = "pk"
	// TTLAttribute holds the epoch second after which DynamoDB may delete an
	// idempotency record.
	TTLAttribute = "expires_at"

	paymentPrefix     = "PAYMENT#"
	idempotencyPrefix = "IDEMPOTENCY#"
)

// Status values stored in the items.
const (
	// StatusProcessed is the status of a persisted payment.
	StatusProcessed = "PROCESSED"
	// StatusCompleted is the status of an idempotency record whose response
	// is final.
	StatusCompleted = "COMPLETED"
)

// DefaultTTL is how long an idempotency key is remembered, as Stripe does.
const DefaultTTL = 24 * time.Hour

// transactWriter writes the payment and its idempotency record atomically.
type transactWriter interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// itemGetter reads one item.
type itemGetter interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
}

// tableDescriber reads the table status for health checks.
type tableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// DB is the part of the DynamoDB API the store uses; *dynamodb.Client
// implements it.
type DB interface {
	transactWriter
	itemGetter
	tableDescriber
	itemUpdater
	indexQuerier
}

var _ DB = (*dynamodb.Client)(nil)

// Store persists and reads payments in one DynamoDB table.
type Store struct {
	db    DB
	table string
	ttl   time.Duration
	now   func() time.Time
	// contention bounds how Persist waits for a concurrent request with the
	// same key before answering InProgress.
	attempts int
	backoff  time.Duration
	// callTimeout bounds each DynamoDB call.
	callTimeout time.Duration
}

// DefaultCallTimeout bounds each DynamoDB call (the SDK's own retries of
// it included): far above DynamoDB's latency, well inside the Persist
// function's timeout, so that a hung call is answered StoreUnavailable
// while the function can still say so.
const DefaultCallTimeout = 800 * time.Millisecond

// Option configures a Store.
type Option func(*Store)

// WithTTL sets how long idempotency records are kept (default DefaultTTL).
func WithTTL(d time.Duration) Option { return func(s *Store) { s.ttl = d } }

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithCallTimeout sets the bound of each DynamoDB call (default
// DefaultCallTimeout).
func WithCallTimeout(d time.Duration) Option { return func(s *Store) { s.callTimeout = d } }

// WithContention sets how many times Persist writes or re-reads while
// another request with the same key holds the records, and the first pause
// between tries (doubled each time, jittered down to half). The defaults
// (6 tries from 10 ms) wait at most about 0.3 s before answering InProgress.
func WithContention(attempts int, backoff time.Duration) Option {
	return func(s *Store) { s.attempts, s.backoff = max(attempts, 1), backoff }
}

// New returns a store over table.
func New(db DB, table string, opts ...Option) *Store {
	if db == nil || table == "" {
		panic("store: New needs a DynamoDB client and a table name")
	}
	s := &Store{db: db, table: table, ttl: DefaultTTL, now: time.Now, attempts: 6, backoff: 10 * time.Millisecond,
		callTimeout: DefaultCallTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// ParseTTLHours reads the IDEMPOTENCY_TTL_HOURS setting: empty means
// DefaultTTL, otherwise a whole number of hours from 1 to 8760.
func ParseTTLHours(s string) (time.Duration, error) {
	if s == "" {
		return DefaultTTL, nil
	}
	h, err := strconv.Atoi(s)
	if err != nil || h < 1 || h > 8760 {
		return 0, fmt.Errorf("store: idempotency TTL %q is not a whole number of hours from 1 to 8760", s)
	}
	return time.Duration(h) * time.Hour, nil
}

// Receipt is the public view of a stored payment: the body of the 201 and
// GET /payments/{id} responses. Its source is masked.
type Receipt struct {
	ID          string            `json:"id"`
	Amount      int64             `json:"amount"`
	Currency    string            `json:"currency"`
	Source      string            `json:"source"`
	MerchantID  string            `json:"merchant_id"`
	Description string            `json:"description,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Status      string            `json:"status"`
	CreatedAt   string            `json:"created_at"`
}

// MaskSource hides a payment source token except its last four characters,
// and hides short tokens entirely.
func MaskSource(src string) string {
	const keep, minLen = 4, 12
	if len(src) < minLen {
		return "****"
	}
	return "****" + src[len(src)-keep:]
}

// paymentItem is the stored payment.
type paymentItem struct {
	PK          string            `dynamodbav:"pk"`
	ID          string            `dynamodbav:"id"`
	Amount      int64             `dynamodbav:"amount"`
	Currency    string            `dynamodbav:"currency"`
	Source      string            `dynamodbav:"source"`
	MerchantID  string            `dynamodbav:"merchant_id"`
	Description string            `dynamodbav:"description,omitempty"`
	Metadata    map[string]string `dynamodbav:"metadata,omitempty"`
	Status      string            `dynamodbav:"status"`
	CreatedAt   string            `dynamodbav:"created_at"`
	RequestHash string            `dynamodbav:"request_hash"`
	// Owner is the caller that made the payment (payment.OwnerID: the
	// principal's unique id; its ARN for a payment made before the
	// versioned derivations); Get answers only to it.
	Owner string `dynamodbav:"owner"`
	// OwnerArn is the owner's readable ARN (payment.OwnerOf); empty for a
	// payment made before the versioned derivations.
	OwnerArn string `dynamodbav:"owner_arn,omitempty"`
}

func (it paymentItem) receipt() Receipt {
	return Receipt{
		ID: it.ID, Amount: it.Amount, Currency: it.Currency, Source: MaskSource(it.Source),
		MerchantID: it.MerchantID, Description: it.Description, Metadata: it.Metadata,
		Status: it.Status, CreatedAt: it.CreatedAt,
	}
}

// idempotencyItem remembers the first response to an idempotency key.
type idempotencyItem struct {
	PK          string `dynamodbav:"pk"`
	RequestHash string `dynamodbav:"request_hash"`
	Status      string `dynamodbav:"status"`
	// Response is the payment.Result JSON of the first response.
	Response  string `dynamodbav:"response"`
	PaymentID string `dynamodbav:"payment_id"`
	CreatedAt string `dynamodbav:"created_at"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
}

// PaymentKey is the partition key of the payment with the given id.
func PaymentKey(id string) string { return paymentPrefix + id }

// IdempotencyKey is the partition key of the idempotency record of a key hash.
func IdempotencyKey(keyHash string) string { return idempotencyPrefix + keyHash }

// Domain errors returned by the store. Each is a *payment.Error; callers
// wrap them with the cause for logs.
var (
	errKeyReused = payment.NewError(errorname.KeyReused,
		"This Idempotency-Key was already used with a different request.")
	errInProgress = payment.NewError(errorname.InProgress,
		"A request with this Idempotency-Key is still being processed; retry later.")
	errUnavailable = payment.NewError(errorname.StoreUnavailable,
		"The transaction store is temporarily unavailable.")
	errInternal = payment.NewError(errorname.Internal, "The payment could not be processed.")
)

// ErrNotFound is the answer for a payment id the store does not hold; GET
// /payments/{id} answers a malformed id with it too, so that the two
// cannot be told apart.
var ErrNotFound = payment.NewError(errorname.NotFound, "No payment has this id.")

// Persist stores p and its idempotency record in one transaction and
// returns the 201 result. If the idempotency key was seen before it answers
// from the stored record: the first response again (Replayed) for the same
// request, KeyReused for a different one, InProgress while a concurrent
// request with the key has not finished. Store failures that may pass are
// StoreUnavailable. Every error is a *payment.Error.
func (s *Store) Persist(ctx context.Context, p payment.Payment) (payment.Result, error) {
	if p.ID == "" || p.IdempotencyKeyHash == "" || p.RequestHash == "" || p.Owner == "" {
		return payment.Result{}, errInternal.Wrap(errors.New("store: payment without id, key hash, request hash or owner"))
	}
	now := s.now()
	item := paymentItem{
		PK: PaymentKey(p.ID), ID: p.ID, Amount: p.Amount, Currency: p.Currency, Source: p.Source,
		MerchantID: p.MerchantID, Description: p.Description, Metadata: p.Metadata,
		Status: StatusProcessed, CreatedAt: now.UTC().Format(time.RFC3339Nano), RequestHash: p.RequestHash,
		Owner: p.Owner, OwnerArn: p.OwnerArn,
	}
	body, err := json.Marshal(item.receipt())
	if err != nil {
		return payment.Result{}, errInternal.Wrap(err)
	}
	result := payment.Result{StatusCode: 201, Body: string(body)}
	response, err := json.Marshal(result)
	if err != nil {
		return payment.Result{}, errInternal.Wrap(err)
	}
	record := idempotencyItem{
		PK: IdempotencyKey(p.IdempotencyKeyHash), RequestHash: p.RequestHash, Status: StatusCompleted,
		Response: string(response), PaymentID: p.ID, CreatedAt: item.CreatedAt,
		ExpiresAt: now.Add(s.ttl).Unix(),
	}
	// The migration: the same key sent before the versioned derivations
	// has a live version-1 record; then that record answers, as it would
	// have before the upgrade. A strongly consistent read (1 RRU) rather
	// than a condition check in the transaction (2 WCU): see
	// docs/security.md, "Identity and derivations".
	if res, found, err := s.answerLegacy(ctx, p, now); found || err != nil {
		return res, err
	}
	in, err := s.transaction(item, record, now)
	if err != nil {
		return payment.Result{}, errInternal.Wrap(err)
	}

	pause := s.backoff
	for try := 1; ; try++ {
		// A token per write makes the SDK's own retries of it idempotent: a
		// retry of a write that committed succeeds instead of failing
		// its condition.
		in.ClientRequestToken = aws.String(rand.Text())
		cctx, cancel := s.call(ctx)
		_, err := s.db.TransactWriteItems(cctx, in)
		cancel()
		if err == nil {
			return result, nil
		}
		res, done, err := s.resolve(ctx, p, now, err)
		if done {
			return res, err
		}
		// Another request with this key holds the records. Wait for it to
		// finish and answer from its record, or write again if it failed.
		if try >= s.attempts {
			return payment.Result{}, errInProgress.Wrap(err)
		}
		// Full jitter keeps concurrent requests from retrying in lockstep.
		if werr := sleep(ctx, pause/2+mathrand.N(pause/2+1)); werr != nil {
			return payment.Result{}, errInProgress.Wrap(werr)
		}
		pause *= 2
		rec, found, rerr := s.readRecord(ctx, p.IdempotencyKeyHash)
		if rerr != nil {
			return payment.Result{}, rerr
		}
		if found && rec.ExpiresAt >= now.Unix() {
			return answer(rec, p)
		}
		if res, found, err := s.answerLegacy(ctx, p, now); found || err != nil {
			return res, err
		}
	}
}

func (s *Store) transaction(item paymentItem, record idempotencyItem, now time.Time) (*dynamodb.TransactWriteItemsInput, error) {
	payItem, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, err
	}
	recItem, err := attributevalue.MarshalMap(record)
	if err != nil {
		return nil, err
	}
	in := &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{
			TableName: aws.String(s.table),
			Item:      recItem,
			// An expired record not yet swept by TTL counts as absent.
			ConditionExpression:      aws.String("attribute_not_exists(#pk) OR #exp < :now"),
			ExpressionAttributeNames: map[string]string{"#pk": PartitionKey, "#exp": TTLAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			},
		}},
		{Put: &types.Put{
			TableName: aws.String(s.table),
			Item:      payItem,
			// A payment is never overwritten.
			ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
			ExpressionAttributeNames: map[string]string{"#pk": PartitionKey},
		}},
	}}
	return in, nil
}

// Cancellation reason codes of TransactWriteItems.
const (
	reasonNone        = "None"
	reasonCondition   = "ConditionalCheckFailed"
	reasonConflict    = "TransactionConflict"
	reasonThroughput  = "ProvisionedThroughputExceeded"
	reasonThrottling  = "ThrottlingError"
	reasonRequestRate = "RequestLimitExceeded"
)

// resolve decides what a failed transaction means. done is false when
// another request with the same key holds the records (contention), so
// Persist waits and looks again.
func (s *Store) resolve(ctx context.Context, p payment.Payment, now time.Time, err error) (payment.Result, bool, error) {
	var canceled *types.TransactionCanceledException
	if !errors.As(err, &canceled) {
		var inProgress *types.TransactionInProgressException
		if errors.As(err, &inProgress) {
			return payment.Result{}, false, err
		}
		return payment.Result{}, true, classify(err)
	}
	codes := make([]string, 2)
	for i, r := range canceled.CancellationReasons {
		if i < len(codes) {
			codes[i] = aws.ToString(r.Code)
		}
	}
	for _, c := range codes {
		switch c {
		case reasonThroughput, reasonThrottling, reasonRequestRate:
			return payment.Result{}, true, errUnavailable.Wrap(err)
		}
	}
	recordCode, paymentCode := codes[0], codes[1]
	switch {
	case recordCode == reasonCondition:
		// A live record exists: answer from it.
		rec, found, rerr := s.readRecord(ctx, p.IdempotencyKeyHash)
		if rerr != nil {
			return payment.Result{}, true, rerr
		}
		if !found || rec.ExpiresAt < now.Unix() {
			return payment.Result{}, false, err // it went away meanwhile: try again
		}
		res, aerr := answer(rec, p)
		return res, true, aerr
	case paymentCode == reasonCondition:
		// No live record, but the payment exists: its record expired (a
		// queued payment reprocessed after the TTL, or a key reused after
		// it). The payment decides.
		it, found, rerr := s.readPayment(ctx, p.ID)
		if rerr != nil {
			return payment.Result{}, true, rerr
		}
		if !found {
			return payment.Result{}, false, err
		}
		if it.RequestHash != p.RequestHash {
			return payment.Result{}, true, errKeyReused.Wrap(errors.New("store: payment id taken by a different request"))
		}
		body, merr := json.Marshal(it.receipt())
		if merr != nil {
			return payment.Result{}, true, errInternal.Wrap(merr)
		}
		return payment.Result{StatusCode: 201, Replayed: true, Body: string(body)}, true, nil
	case recordCode == reasonConflict || paymentCode == reasonConflict:
		return payment.Result{}, false, err
	default:
		return payment.Result{}, true, errInternal.Wrap(err)
	}
}

// answerLegacy answers a request from the live version-1 record of its
// key (p.Legacy), if there is one: found is false when there is none or p
// has no legacy keys.
func (s *Store) answerLegacy(ctx context.Context, p payment.Payment, now time.Time) (payment.Result, bool, error) {
	if p.Legacy == nil || p.Legacy.IdempotencyKeyHash == "" {
		return payment.Result{}, false, nil
	}
	rec, found, err := s.readRecord(ctx, p.Legacy.IdempotencyKeyHash)
	if err != nil {
		return payment.Result{}, false, err
	}
	if !found || rec.ExpiresAt < now.Unix() {
		return payment.Result{}, false, nil
	}
	legacy := p
	legacy.RequestHash = p.Legacy.RequestHash
	res, err := answer(rec, legacy)
	return res, true, err
}

// answer replies to a request whose key has a live idempotency record.
func answer(rec idempotencyItem, p payment.Payment) (payment.Result, error) {
	if rec.RequestHash != p.RequestHash {
		return payment.Result{}, errKeyReused
	}
	var res payment.Result
	if err := json.Unmarshal([]byte(rec.Response), &res); err != nil || res.StatusCode == 0 {
		return payment.Result{}, errInternal.Wrap(fmt.Errorf("store: unreadable stored response: %v", err))
	}
	res.Replayed = true
	return res, nil
}

func (s *Store) readRecord(ctx context.Context, keyHash string) (idempotencyItem, bool, error) {
	var rec idempotencyItem
	found, err := s.get(ctx, IdempotencyKey(keyHash), &rec)
	return rec, found, err
}

func (s *Store) readPayment(ctx context.Context, id string) (paymentItem, bool, error) {
	var it paymentItem
	found, err := s.get(ctx, PaymentKey(id), &it)
	return it, found, err
}

// get reads one item with a strongly consistent read.
func (s *Store) get(ctx context.Context, pk string, into any) (bool, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{PartitionKey: &types.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, classify(err)
	}
	if len(out.Item) == 0 {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(out.Item, into); err != nil {
		return false, errInternal.Wrap(err)
	}
	return true, nil
}

// Get returns the payment with the given id if owner made it, or
// ErrNotFound: another owner's payment is answered like an unknown one.
// owner is the caller's payment.OwnerID; legacyOwner, when given, is its
// ARN (payment.OwnerOf), which owns the payments made before the
// versioned derivations (they have no owner_arn).
func (s *Store) Get(ctx context.Context, owner, id string, legacyOwner ...string) (Receipt, error) {
	it, found, err := s.readPayment(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	if !found || owner == "" || !ownedBy(it, owner, legacyOwner) {
		return Receipt{}, ErrNotFound
	}
	return it.receipt(), nil
}

func ownedBy(it paymentItem, owner string, legacyOwners []string) bool {
	if it.Owner == owner {
		return true
	}
	if it.OwnerArn != "" { // a versioned payment: its unique id decides
		return false
	}
	for _, l := range legacyOwners {
		if l != "" && it.Owner == l {
			return true
		}
	}
	return false
}

// Describe returns the table status (ACTIVE, UPDATING, ...) for health
// checks.
func (s *Store) Describe(ctx context.Context) (string, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(s.table)})
	if err != nil {
		return "", classify(err)
	}
	if out.Table == nil {
		return "", errInternal.Wrap(errors.New("store: DescribeTable returned no table"))
	}
	return string(out.Table.TableStatus), nil
}

// call bounds one DynamoDB call by the call timeout.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	if s.callTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.callTimeout)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isCode reports whether s is one of codes, for error codes.
func isCode(s string, codes ...string) bool {
	for _, c := range codes {
		if strings.EqualFold(s, c) {
			return true
		}
	}
	return false
}
