package store_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// fakeDB answers TransactWriteItems, GetItem and DescribeTable from
// functions; unset functions fail the call.
type fakeDB struct {
	transact func(*dynamodb.TransactWriteItemsInput) error
	get      func(pk string) (map[string]types.AttributeValue, error)
	describe func() (*dynamodb.DescribeTableOutput, error)
	// transacts counts TransactWriteItems calls.
	transacts int
}

var _ store.DB = (*fakeDB)(nil)

func (f *fakeDB) TransactWriteItems(_ context.Context, in *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	f.transacts++
	if f.transact == nil {
		return &dynamodb.TransactWriteItemsOutput{}, nil
	}
	return &dynamodb.TransactWriteItemsOutput{}, f.transact(in)
}

func (f *fakeDB) GetItem(_ context.Context, in *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if f.get == nil {
		return &dynamodb.GetItemOutput{}, nil
	}
	pk := in.Key[store.PartitionKey].(*types.AttributeValueMemberS).Value
	item, err := f.get(pk)
	return &dynamodb.GetItemOutput{Item: item}, err
}

func (f *fakeDB) UpdateItem(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	return nil, errors.New("fake: UpdateItem not set")
}

func (f *fakeDB) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	return nil, errors.New("fake: Query not set")
}

func (f *fakeDB) DescribeTable(context.Context, *dynamodb.DescribeTableInput, ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error) {
	if f.describe == nil {
		return nil, errors.New("fake: DescribeTable not set")
	}
	return f.describe()
}

var testNow = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func newPayment(key, body string) payment.Payment {
	return payment.Payment{
		ID: "pay_" + strings.Repeat("a", 22) + key[:min(4, len(key))], Amount: 1250, Currency: "EUR",
		Source: "tok_visa_4242abcdWXYZ", MerchantID: "merchant_1",
		Description: "Order 42", Metadata: map[string]string{"order": "42"},
		Owner:              testOwner,
		IdempotencyKeyHash: "keyhash-" + key, RequestHash: "reqhash-" + body,
	}
}

const testOwner = "arn:aws:iam::111122223333:user/merchant-service"

func canceled(codes ...string) error {
	reasons := make([]types.CancellationReason, len(codes))
	for i, c := range codes {
		reasons[i] = types.CancellationReason{Code: aws.String(c)}
	}
	return &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: reasons}
}

// record is a stored idempotency record for the fake.
func record(t *testing.T, p payment.Payment, expiresAt time.Time) map[string]types.AttributeValue {
	t.Helper()
	res, _ := json.Marshal(payment.Result{StatusCode: 201, Body: `{"id":"` + p.ID + `"}`})
	return map[string]types.AttributeValue{
		"pk":           &types.AttributeValueMemberS{Value: store.IdempotencyKey(p.IdempotencyKeyHash)},
		"request_hash": &types.AttributeValueMemberS{Value: p.RequestHash},
		"status":       &types.AttributeValueMemberS{Value: store.StatusCompleted},
		"response":     &types.AttributeValueMemberS{Value: string(res)},
		"payment_id":   &types.AttributeValueMemberS{Value: p.ID},
		"expires_at":   &types.AttributeValueMemberN{Value: fmt.Sprint(expiresAt.Unix())},
	}
}

func paymentRecord(t *testing.T, p payment.Payment) map[string]types.AttributeValue {
	t.Helper()
	item, err := attributevalue.MarshalMap(map[string]any{
		"pk": store.PaymentKey(p.ID), "id": p.ID, "amount": p.Amount, "currency": p.Currency,
		"source": p.Source, "merchant_id": p.MerchantID, "status": store.StatusProcessed,
		"created_at": testNow.Format(time.RFC3339Nano), "request_hash": p.RequestHash, "owner": p.Owner,
	})
	if err != nil {
		t.Fatal(err)
	}
	return item
}

func apiError(code string, fault smithy.ErrorFault) error {
	return &smithy.GenericAPIError{Code: code, Message: "secret SDK detail arn:aws:dynamodb:table/x", Fault: fault}
}

func responseError(status int) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: "TransactWriteItems", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("secret SDK detail"),
	}}
}

func TestPersistMapsEveryStoreFailureToAWorkflowErrorName(t *testing.T) {
	p := newPayment("k1", "b1")
	other := newPayment("k1", "b2")
	tests := []struct {
		name     string
		transact error
		get      func(pk string) (map[string]types.AttributeValue, error)
		want     errorname.Name
	}{
		{"provisioned throughput exceeded is transient", &types.ProvisionedThroughputExceededException{Message: aws.String("x")}, nil, errorname.StoreUnavailable},
		{"a throttling exception is transient", apiError("ThrottlingException", smithy.FaultClient), nil, errorname.StoreUnavailable},
		{"the request limit exceeded is transient", &types.RequestLimitExceeded{Message: aws.String("x")}, nil, errorname.StoreUnavailable},
		{"an internal server error is transient", &types.InternalServerError{Message: aws.String("x")}, nil, errorname.StoreUnavailable},
		{"service unavailable is transient", apiError("ServiceUnavailable", smithy.FaultServer), nil, errorname.StoreUnavailable},
		{"an unknown 5xx response is transient", responseError(http.StatusBadGateway), nil, errorname.StoreUnavailable},
		{"a refused connection is transient", &smithy.OperationError{Err: &smithyhttp.RequestSendError{Err: &net.OpError{Op: "dial", Err: errors.New("connection refused")}}}, nil, errorname.StoreUnavailable},
		{"a timeout is transient", fmt.Errorf("operation error: %w", context.DeadlineExceeded), nil, errorname.StoreUnavailable},
		{"exhausted SDK retries on throttling are transient", &retry.MaxAttemptsError{Attempt: 3, Err: apiError("ThrottlingException", smithy.FaultClient)}, nil, errorname.StoreUnavailable},
		{"a cancellation for throttling is transient", canceled("ThrottlingError", "None"), nil, errorname.StoreUnavailable},
		{"a cancellation for throughput is transient", canceled("None", "ProvisionedThroughputExceeded"), nil, errorname.StoreUnavailable},
		{"a missing table is internal", &types.ResourceNotFoundException{Message: aws.String("x")}, nil, errorname.Internal},
		{"a validation error is internal", apiError("ValidationException", smithy.FaultClient), nil, errorname.Internal},
		{"a cancellation for validation is internal", canceled("ValidationError", "None"), nil, errorname.Internal},
		{"an existing record for a different body is key reuse", canceled("ConditionalCheckFailed", "None"),
			func(string) (map[string]types.AttributeValue, error) {
				return record(t, other, testNow.Add(time.Hour)), nil
			}, errorname.KeyReused},
		{"a payment id owned by a different body is key reuse", canceled("None", "ConditionalCheckFailed"),
			func(pk string) (map[string]types.AttributeValue, error) {
				if strings.HasPrefix(pk, "PAYMENT#") {
					return paymentRecord(t, other), nil
				}
				return nil, nil
			}, errorname.KeyReused},
		{"throttled re-reading the record is transient", canceled("ConditionalCheckFailed", "None"),
			func(string) (map[string]types.AttributeValue, error) {
				return nil, &types.ProvisionedThroughputExceededException{Message: aws.String("x")}
			}, errorname.StoreUnavailable},
		{"a conflict that never resolves is in progress", canceled("TransactionConflict", "None"), nil, errorname.InProgress},
		{"a transaction in progress that never resolves is in progress", &types.TransactionInProgressException{Message: aws.String("x")}, nil, errorname.InProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &fakeDB{transact: func(*dynamodb.TransactWriteItemsInput) error { return tt.transact }, get: tt.get}
			s := store.New(db, "transactions", store.WithClock(func() time.Time { return testNow }), store.WithContention(3, time.Millisecond))
			res, err := s.Persist(context.Background(), p)
			if err == nil {
				t.Fatalf("Persist succeeded with %+v; want %s", res, tt.want)
			}
			var e *payment.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *payment.Error", err)
			}
			if e.Name != tt.want {
				t.Errorf("error name = %s, want %s (error: %v)", e.Name, tt.want, err)
			}
			if pj := e.ProblemJSON(); strings.Contains(pj, "secret") || strings.Contains(pj, "arn:") {
				t.Errorf("problem document leaks the SDK error: %s", pj)
			}
		})
	}
}

func TestPersistAnswersFromEarlierRequests(t *testing.T) {
	p := newPayment("k1", "b1")
	tests := []struct {
		name     string
		transact func(n int) error
		get      func(pk string) (map[string]types.AttributeValue, error)
		wantBody string
		want     bool // want Replayed
	}{
		{"a first request is stored and not a replay", func(int) error { return nil }, nil, "", false},
		{"a repeated request replays the stored response", func(int) error { return canceled("ConditionalCheckFailed", "None") },
			func(string) (map[string]types.AttributeValue, error) {
				return record(t, p, testNow.Add(time.Hour)), nil
			},
			`{"id":"` + p.ID + `"}`, true},
		{"a request whose record expired but whose payment exists replays the payment", func(int) error { return canceled("None", "ConditionalCheckFailed") },
			func(pk string) (map[string]types.AttributeValue, error) {
				if strings.HasPrefix(pk, "PAYMENT#") {
					return paymentRecord(t, p), nil
				}
				return nil, nil
			}, "", true},
		{"a request that loses a conflict replays the winner's response", func(int) error { return canceled("TransactionConflict", "TransactionConflict") },
			func(string) (map[string]types.AttributeValue, error) {
				return record(t, p, testNow.Add(time.Hour)), nil
			},
			`{"id":"` + p.ID + `"}`, true},
		{"a conflict with a request that failed is written again", func(n int) error {
			if n == 1 {
				return canceled("TransactionConflict", "None")
			}
			return nil
		}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := &fakeDB{get: tt.get}
			db.transact = func(*dynamodb.TransactWriteItemsInput) error { return tt.transact(db.transacts) }
			s := store.New(db, "transactions", store.WithClock(func() time.Time { return testNow }), store.WithContention(3, time.Millisecond))
			res, err := s.Persist(context.Background(), p)
			if err != nil {
				t.Fatalf("Persist: %v", err)
			}
			if res.StatusCode != 201 || res.Replayed != tt.want {
				t.Errorf("result = %d replayed=%v, want 201 replayed=%v", res.StatusCode, res.Replayed, tt.want)
			}
			if tt.wantBody != "" && res.Body != tt.wantBody {
				t.Errorf("body = %s, want %s", res.Body, tt.wantBody)
			}
			var r store.Receipt
			if err := json.Unmarshal([]byte(res.Body), &r); err != nil || r.ID != p.ID {
				t.Errorf("body %s does not carry the payment id %s (%v)", res.Body, p.ID, err)
			}
			if strings.Contains(res.Body, p.Source) {
				t.Errorf("body %s leaks the source token", res.Body)
			}
		})
	}
}

func TestPersistWritesBothItemsInOneConditionalTransaction(t *testing.T) {
	p := newPayment("k1", "b1")
	var got *dynamodb.TransactWriteItemsInput
	db := &fakeDB{transact: func(in *dynamodb.TransactWriteItemsInput) error { got = in; return nil }}
	s := store.New(db, "transactions", store.WithClock(func() time.Time { return testNow }), store.WithTTL(2*time.Hour))
	res, err := s.Persist(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TransactItems) != 2 {
		t.Fatalf("transaction has %d items, want 2", len(got.TransactItems))
	}
	for i, it := range got.TransactItems {
		if it.Put == nil || aws.ToString(it.Put.ConditionExpression) == "" || aws.ToString(it.Put.TableName) != "transactions" {
			t.Errorf("item %d is not a conditional put into the table: %+v", i, it)
		}
	}
	var rec struct {
		PK        string `dynamodbav:"pk"`
		ExpiresAt int64  `dynamodbav:"expires_at"`
		Response  string `dynamodbav:"response"`
	}
	if err := attributevalue.UnmarshalMap(got.TransactItems[0].Put.Item, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.PK != store.IdempotencyKey(p.IdempotencyKeyHash) || rec.ExpiresAt != testNow.Add(2*time.Hour).Unix() {
		t.Errorf("idempotency record pk=%s expires_at=%d, want %s and now+2h", rec.PK, rec.ExpiresAt, store.IdempotencyKey(p.IdempotencyKeyHash))
	}
	var stored payment.Result
	if err := json.Unmarshal([]byte(rec.Response), &stored); err != nil || stored != res {
		t.Errorf("stored response %s does not match the result %+v", rec.Response, res)
	}
	if pk := got.TransactItems[1].Put.Item["pk"].(*types.AttributeValueMemberS).Value; pk != store.PaymentKey(p.ID) {
		t.Errorf("payment item pk = %s", pk)
	}
	for _, it := range got.TransactItems {
		for name, v := range it.Put.Item {
			if s, ok := v.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, "keyhash") && name != "pk" {
				t.Errorf("attribute %s stores the idempotency key hash", name)
			}
		}
	}
}

func TestPersistStoresTheOwnerWithThePayment(t *testing.T) {
	var got *dynamodb.TransactWriteItemsInput
	db := &fakeDB{transact: func(in *dynamodb.TransactWriteItemsInput) error { got = in; return nil }}
	p := newPayment("k1", "b1")
	if _, err := store.New(db, "t", store.WithClock(func() time.Time { return testNow })).Persist(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got.TransactItems) != 2 {
		t.Fatalf("transaction %+v, want two items", got)
	}
	item := got.TransactItems[1].Put.Item
	owner, _ := item["owner"].(*types.AttributeValueMemberS)
	if owner == nil || owner.Value != testOwner {
		t.Errorf("the payment item's owner is %v, want %s", item["owner"], testOwner)
	}
}

func TestPersistRefusesAPaymentWithoutIdentity(t *testing.T) {
	tests := []struct {
		name   string
		change func(*payment.Payment)
	}{
		{"a payment without id", func(p *payment.Payment) { p.ID = "" }},
		{"a payment without key hash", func(p *payment.Payment) { p.IdempotencyKeyHash = "" }},
		{"a payment without request hash", func(p *payment.Payment) { p.RequestHash = "" }},
		{"a payment without owner", func(p *payment.Payment) { p.Owner = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an internal error and writes nothing", func(t *testing.T) {
			p := newPayment("k1", "b1")
			tt.change(&p)
			db := &fakeDB{}
			_, err := store.New(db, "t").Persist(context.Background(), p)
			if e := payment.AsError(err); err == nil || e.Name != errorname.Internal {
				t.Errorf("error = %v, want Payment.Internal", err)
			}
			if db.transacts != 0 {
				t.Errorf("%d transactions written", db.transacts)
			}
		})
	}
}

func TestGetAndDescribeMapErrors(t *testing.T) {
	throttled := &types.ProvisionedThroughputExceededException{Message: aws.String("x")}
	tests := []struct {
		name string
		call func(s *store.Store) error
		db   *fakeDB
		want errorname.Name
	}{
		{"getting an unknown payment is not found", func(s *store.Store) error { _, err := s.Get(context.Background(), testOwner, "pay_x"); return err },
			&fakeDB{}, errorname.NotFound},
		{"getting while throttled is transient", func(s *store.Store) error { _, err := s.Get(context.Background(), testOwner, "pay_x"); return err },
			&fakeDB{get: func(string) (map[string]types.AttributeValue, error) { return nil, throttled }}, errorname.StoreUnavailable},
		{"describing while the service fails is transient", func(s *store.Store) error { _, err := s.Describe(context.Background()); return err },
			&fakeDB{describe: func() (*dynamodb.DescribeTableOutput, error) { return nil, &types.InternalServerError{} }}, errorname.StoreUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(store.New(tt.db, "t"))
			if e := payment.AsError(err); err == nil || e.Name != tt.want {
				t.Errorf("error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestGetReturnsTheMaskedReceipt(t *testing.T) {
	p := newPayment("k1", "b1")
	db := &fakeDB{get: func(string) (map[string]types.AttributeValue, error) { return paymentRecord(t, p), nil }}
	r, err := store.New(db, "t").Get(context.Background(), p.Owner, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Another owner does not see it: the same answer as an unknown id.
	for _, other := range []string{"arn:aws:iam::111122223333:user/other", "", strings.ToUpper(p.Owner)} {
		if _, err := store.New(db, "t").Get(context.Background(), other, p.ID); err != store.ErrNotFound {
			t.Errorf("Get by owner %q = %v, want store.ErrNotFound", other, err)
		}
	}
	want := store.Receipt{ID: p.ID, Amount: p.Amount, Currency: p.Currency, Source: "****WXYZ", MerchantID: p.MerchantID,
		Status: store.StatusProcessed, CreatedAt: testNow.Format(time.RFC3339Nano)}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("Get = %+v, want %+v", r, want)
	}
}

func TestMaskSourceShowsAtMostTheLastFourCharacters(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a long token keeps its last four", "tok_1234567890abcd", "****abcd"},
		{"a short token is hidden entirely", "tok_12345", "****"},
		{"an empty token is hidden", "", "****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.MaskSource(tt.in); got != tt.want {
				t.Errorf("MaskSource(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseTTLHours(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"an empty setting means 24 hours", "", 24 * time.Hour, false},
		{"a number of hours is accepted", "48", 48 * time.Hour, false},
		{"zero is refused", "0", 0, true},
		{"a duration string is refused", "24h", 0, true},
		{"more than a year is refused", "9000", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := store.ParseTTLHours(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("ParseTTLHours(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// hangingDB never answers a call before its context ends, as a network
// partition does. A call whose context has no deadline would hang for
// ever: it is answered at once and counted in unbounded.
type hangingDB struct {
	fakeDB
	unbounded atomic.Int32
}

func (h *hangingDB) hang(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		h.unbounded.Add(1)
		return errors.New("hangingDB: a call without a deadline")
	}
	<-ctx.Done()
	return ctx.Err()
}

func (h *hangingDB) TransactWriteItems(ctx context.Context, _ *dynamodb.TransactWriteItemsInput, _ ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	return nil, h.hang(ctx)
}

func (h *hangingDB) GetItem(ctx context.Context, _ *dynamodb.GetItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	return nil, h.hang(ctx)
}

// Every DynamoDB call is bounded by the store's call timeout, well inside
// the function's timeout, so a hung call is answered StoreUnavailable
// while the function can still say so.
func TestAHungCallIsCutOffByTheCallTimeout(t *testing.T) {
	// GIVEN a table that never answers, WHEN the store calls it under a
	// context without a deadline, THEN the store's call timeout alone
	// bounds the call (no wall-clock assertion: the fake tells whether
	// the call carried a deadline) and the answer is StoreUnavailable.
	db := &hangingDB{}
	s := store.New(db, "t", store.WithCallTimeout(50*time.Millisecond))
	for name, call := range map[string]func(context.Context) error{
		"Persist": func(ctx context.Context) error { _, err := s.Persist(ctx, newPayment("k1", "b1")); return err },
		"Get":     func(ctx context.Context) error { _, err := s.Get(ctx, testOwner, "pay_x"); return err },
	} {
		t.Run(name, func(t *testing.T) {
			db.unbounded.Store(0)
			err := call(context.Background())
			if n := db.unbounded.Load(); n > 0 {
				t.Errorf("%s made %d DynamoDB calls without a deadline: nothing cuts off a hung call", name, n)
			}
			var e *payment.Error
			if !errors.As(err, &e) || e.Name != errorname.StoreUnavailable {
				t.Errorf("%s error = %v, want %s", name, err, errorname.StoreUnavailable)
			}
		})
	}
}

func TestKindOfNamesEachItemKindByItsKey(t *testing.T) {
	for pk, want := range map[string]string{
		store.PaymentKey("p1"):                   store.KindPayment,
		store.IdempotencyKey("abc"):              store.KindIdempotency,
		store.ParkedKey("p1", "h", ""):           store.KindParked,
		store.ParkedKey("", "", "not a payment"): store.KindParked,
		"SOMETHING#else":                         store.KindOther,
		"":                                       store.KindOther,
	} {
		if got := store.KindOf(pk); got != want {
			t.Errorf("KindOf(%q) = %q, want %q", pk, got, want)
		}
	}
}
