package restore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func TestMain(m *testing.M) { emulator.Main(m) }

// restorePoint is the rehearsal's point in time.
var restorePoint = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// sourceToken is the payment source every test payment carries: the
// report must never show it.
const sourceToken = "tok_visa_4242abcdWXYZ"

type rehearsal struct {
	t     *testing.T
	db    *dynamodb.Client
	now   time.Time
	store *store.Store
}

func newTable(t *testing.T, db *dynamodb.Client, prefix string) string {
	t.Helper()
	name := emulator.UniqueName(prefix)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := store.CreateTable(ctx, db, name); err != nil {
		t.Fatal(err)
	}
	return name
}

// at moves the rehearsal's clock, which the store stamps items with.
func (r *rehearsal) at(d time.Duration) *rehearsal { r.now = restorePoint.Add(d); return r }

func (r *rehearsal) pay(name string) payment.Payment {
	r.t.Helper()
	p := payment.Payment{ID: "pay_" + name, Amount: 1250, Currency: "EUR", Source: sourceToken, MerchantID: "merchant_1",
		Owner: "arn:aws:iam::111122223333:user/merchant", IdempotencyKeyHash: "keyhash-" + name, RequestHash: "reqhash-" + name}
	if _, err := r.store.Persist(context.Background(), p); err != nil {
		r.t.Fatalf("persisting %s: %v", name, err)
	}
	return p
}

func (r *rehearsal) park(name string) string {
	r.t.Helper()
	key, err := r.store.Park(context.Background(), store.Parked{Reason: store.ParkedKeyReused, Detail: "Payment.KeyReused",
		PaymentID: "pay_" + name, RequestHash: "reqhash-" + name, Body: `{"source":"` + sourceToken + `"}`, MessageID: "m-" + name})
	if err != nil {
		r.t.Fatalf("parking %s: %v", name, err)
	}
	return key
}

func (r *rehearsal) del(table, pk string) {
	r.t.Helper()
	if _, err := r.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{store.PartitionKey: &types.AttributeValueMemberS{Value: pk}}}); err != nil {
		r.t.Fatal(err)
	}
}

// copyTable copies every item of from into to: what a restore to "now"
// would hold.
func (r *rehearsal) copyTable(from, to string) {
	r.t.Helper()
	out, err := r.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(from), ConsistentRead: aws.Bool(true)})
	if err != nil {
		r.t.Fatal(err)
	}
	for _, it := range out.Items {
		if _, err := r.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(to), Item: it}); err != nil {
			r.t.Fatal(err)
		}
	}
}

// TestTheRehearsalReportNamesExactlyWhatDiffers drives the restore
// rehearsal up to the AWS-only call: a source table written by the store,
// a "restored" copy of it at the restore point, then the source moves on
// (a payment, a parked item, a resolution, an accidental deletion) and the
// copy is damaged (a lost record, an orphan record). The report must name
// exactly those items, with their kinds and changed attributes.
func TestTheRehearsalReportNamesExactlyWhatDiffers(t *testing.T) {
	db := emulator.DynamoDBClient(emulator.DynamoDB(t))
	source, copy := newTable(t, db, "transactions-source"), newTable(t, db, "transactions-copy")
	r := &rehearsal{t: t, db: db}
	r.store = store.New(db, source, store.WithCallTimeout(30*time.Second), store.WithClock(func() time.Time { return r.now }))

	// GIVEN a source table before the restore point: three payments (the
	// oldest one's record already swept by TTL) and two parked items.
	r.at(-48 * time.Hour).pay("old")
	r.del(source, store.IdempotencyKey("keyhash-old"))
	r.at(-2 * time.Hour).pay("p1")
	r.at(-time.Hour).pay("p2")
	k1 := r.at(-30 * time.Minute).park("k1")
	r.at(-20 * time.Minute).park("k2")
	// AND a copy of it as of the restore point.
	r.copyTable(source, copy)

	// WHEN the source moves on after the restore point
	r.at(5 * time.Minute)
	k3 := r.park("k3")
	r.at(10 * time.Minute).pay("p3")
	r.at(15 * time.Minute)
	if err := r.store.ResolveParked(context.Background(), k1, store.Resolution{How: "refunded by the merchant", By: "arn:aws:iam::111122223333:user/operator"}); err != nil {
		t.Fatal(err)
	}
	r.del(source, store.PaymentKey("pay_p2")) // an operator's mistake
	// AND the copy is damaged: p1's record lost, a record of no payment.
	r.del(copy, store.IdempotencyKey("keyhash-p1"))
	if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(copy), Item: map[string]types.AttributeValue{
		store.PartitionKey: &types.AttributeValueMemberS{Value: store.IdempotencyKey("orphan")},
		"payment_id":       &types.AttributeValueMemberS{Value: "pay_ghost"},
		"request_hash":     &types.AttributeValueMemberS{Value: "reqhash-ghost"},
		"created_at":       &types.AttributeValueMemberS{Value: restorePoint.Add(-time.Minute).Format(time.RFC3339Nano)},
		store.TTLAttribute: &types.AttributeValueMemberN{Value: "4102444800"},
	}}); err != nil {
		t.Fatal(err)
	}

	report, err := restore.Verify(context.Background(), db, source, copy, restore.Options{At: restorePoint, Now: restorePoint.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}

	// THEN the counts are per kind
	if want := (restore.Counts{store.KindPayment: 3, store.KindIdempotency: 3, store.KindParked: 3}); !reflect.DeepEqual(report.SourceCounts, want) {
		t.Errorf("source counts = %v, want %v", report.SourceCounts, want)
	}
	if want := (restore.Counts{store.KindPayment: 3, store.KindIdempotency: 2, store.KindParked: 2}); !reflect.DeepEqual(report.CopyCounts, want) {
		t.Errorf("copy counts = %v, want %v", report.CopyCounts, want)
	}
	// AND the copy's inconsistencies are exactly the lost and the orphan record
	wantProblems := []restore.Problem{
		{Kind: store.KindIdempotency, Key: store.IdempotencyKey("orphan"), PaymentID: "pay_ghost", Issue: "the record's payment is not in the copy"},
		{Kind: store.KindPayment, Key: store.PaymentKey("pay_p1"), PaymentID: "pay_p1",
			Issue: "no idempotency record points at the payment, though the record's TTL had not passed at the restore point"},
	}
	if !reflect.DeepEqual(report.Problems, wantProblems) {
		t.Errorf("problems:\n got %+v\nwant %+v", report.Problems, wantProblems)
	}
	if report.PaymentsPastRecordTTL != 1 {
		t.Errorf("payments past their record's TTL = %d, want 1 (pay_old)", report.PaymentsPastRecordTTL)
	}
	// AND the differences are exactly what changed, each with its kind
	type diff struct {
		change     restore.Change
		kind, key  string
		payment    string
		fields     string
		afterPoint bool
	}
	var got []diff
	for _, d := range report.Differences {
		got = append(got, diff{d.Change, d.Kind, d.Key, d.PaymentID, strings.Join(d.Fields, ","), d.AfterRestorePoint})
	}
	want := []diff{
		{restore.MissingInCopy, store.KindIdempotency, store.IdempotencyKey("keyhash-p1"), "pay_p1", "", false},
		{restore.MissingInCopy, store.KindIdempotency, store.IdempotencyKey("keyhash-p3"), "pay_p3", "", true},
		{restore.MissingInCopy, store.KindParked, k3, "pay_k3", "", true},
		{restore.MissingInCopy, store.KindPayment, store.PaymentKey("pay_p3"), "pay_p3", "", true},
		{restore.Changed, store.KindParked, k1, "pay_k1", "parked,resolution,resolved_at,resolved_by", true},
		{restore.OnlyInCopy, store.KindIdempotency, store.IdempotencyKey("orphan"), "pay_ghost", "", false},
		{restore.OnlyInCopy, store.KindPayment, store.PaymentKey("pay_p2"), "pay_p2", "", false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("differences:\n got %+v\nwant %+v", got, want)
	}

	// AND neither the text nor the JSON report shows a payment's source.
	var text bytes.Buffer
	if err := report.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(report)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "json": string(js)} {
		if strings.Contains(out, sourceToken) || strings.Contains(out, "tok_") || strings.Contains(out, "4242") {
			t.Errorf("the %s report shows a payment source:\n%s", name, out)
		}
	}
	for _, want := range []string{"PROBLEMS", store.PaymentKey("pay_p3"), "fields=parked,resolution,resolved_at", "look closer"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q:\n%s", want, text.String())
		}
	}

	// WHEN the items written after the restore point are copied over
	copied, err := restore.CopyMissing(context.Background(), db, report)
	if err != nil {
		t.Fatal(err)
	}
	// THEN exactly those were copied, and a second verification lists
	// only what the operator must decide on.
	if want := []string{store.IdempotencyKey("keyhash-p3"), k3, store.PaymentKey("pay_p3")}; !reflect.DeepEqual(copied, want) {
		t.Errorf("copied %v, want %v", copied, want)
	}
	// (read as parallel segments this time: the same report)
	again, err := restore.Verify(context.Background(), db, source, copy, restore.Options{At: restorePoint, Now: restorePoint.Add(time.Hour), Segments: 3})
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, d := range again.Differences {
		left = append(left, string(d.Change)+" "+d.Key)
	}
	wantLeft := []string{"missing-in-copy " + store.IdempotencyKey("keyhash-p1"), "changed " + k1,
		"only-in-copy " + store.IdempotencyKey("orphan"), "only-in-copy " + store.PaymentKey("pay_p2")}
	if !reflect.DeepEqual(left, wantLeft) {
		t.Errorf("after the copy, differences %v, want %v", left, wantLeft)
	}
	// AND copying again changes nothing.
	if copied, err := restore.CopyMissing(context.Background(), db, report); err != nil || len(copied) != 0 {
		t.Errorf("a second copy copied %v (err %v), want nothing", copied, err)
	}
}

func TestAnIdenticalCopyVerifiesClean(t *testing.T) {
	db := emulator.DynamoDBClient(emulator.DynamoDB(t))
	source, copy := newTable(t, db, "transactions-source"), newTable(t, db, "transactions-copy")
	r := &rehearsal{t: t, db: db}
	r.store = store.New(db, source, store.WithCallTimeout(30*time.Second), store.WithClock(func() time.Time { return r.now }))
	r.at(-time.Hour).pay("p1")
	r.at(-time.Minute).park("k1")
	r.copyTable(source, copy)

	report, err := restore.Verify(context.Background(), db, source, copy, restore.Options{At: restorePoint})
	if err != nil {
		t.Fatal(err)
	}
	if !report.Consistent() || len(report.Differences) != 0 {
		t.Errorf("an identical copy: problems %+v, differences %+v", report.Problems, report.Differences)
	}
	if want := (restore.Counts{store.KindPayment: 1, store.KindIdempotency: 1, store.KindParked: 1}); !reflect.DeepEqual(report.CopyCounts, want) {
		t.Errorf("copy counts = %v, want %v", report.CopyCounts, want)
	}
}

func TestVerifyFailsWhenATableCannotBeRead(t *testing.T) {
	db := emulator.DynamoDBClient(emulator.DynamoDB(t))
	source := newTable(t, db, "transactions-source")
	_, err := restore.Verify(context.Background(), db, source, "transactions-table-none", restore.Options{At: restorePoint})
	if err == nil || !strings.Contains(err.Error(), "transactions-table-none") {
		t.Errorf("Verify against a missing copy: err = %v, want an error naming the table", err)
	}
}
