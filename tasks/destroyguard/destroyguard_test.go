package destroyguard_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/tasks/destroyguard"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// fakeTable answers Scan with pages of counts and Query with one count,
// recording the requests.
type fakeTable struct {
	scanPages []int32
	parked    int32
	err       error
	scans     []*dynamodb.ScanInput
	queries   []*dynamodb.QueryInput
}

var _ destroyguard.Table = (*fakeTable)(nil)

func (f *fakeTable) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	copied := *in
	f.scans = append(f.scans, &copied)
	if f.err != nil {
		return nil, f.err
	}
	page := len(f.scans) - 1
	out := &dynamodb.ScanOutput{Count: f.scanPages[page]}
	if page+1 < len(f.scanPages) {
		out.LastEvaluatedKey = map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "page"}}
	}
	return out, nil
}

func (f *fakeTable) Query(_ context.Context, in *dynamodb.QueryInput, _ ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	f.queries = append(f.queries, in)
	return &dynamodb.QueryOutput{Count: f.parked}, nil
}

// fakeQueues holds queues by name: their attributes, as SQS returns them.
type fakeQueues struct {
	attrs map[string]map[string]string
	err   error
}

var _ destroyguard.Queues = (*fakeQueues)(nil)

func (f *fakeQueues) GetQueueUrl(_ context.Context, in *sqs.GetQueueUrlInput, _ ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error) {
	if _, ok := f.attrs[*in.QueueName]; !ok {
		return nil, &sqstypes.QueueDoesNotExist{Message: aws.String("The specified queue does not exist.")}
	}
	return &sqs.GetQueueUrlOutput{QueueUrl: aws.String("https://sqs.example/" + *in.QueueName)}, nil
}

func (f *fakeQueues) GetQueueAttributes(_ context.Context, in *sqs.GetQueueAttributesInput, _ ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	name := strings.TrimPrefix(*in.QueueUrl, "https://sqs.example/")
	return &sqs.GetQueueAttributesOutput{Attributes: f.attrs[name]}, nil
}

func counts(visible, inFlight, delayed string) map[string]string {
	return map[string]string{"ApproximateNumberOfMessages": visible, "ApproximateNumberOfMessagesNotVisible": inFlight,
		"ApproximateNumberOfMessagesDelayed": delayed}
}

func TestCountSumsEveryPageAndEveryKindOfQueuedMessage(t *testing.T) {
	// GIVEN a table whose scan takes three pages and two queues, one with
	// messages in flight and delayed only
	db := &fakeTable{scanPages: []int32{2, 0, 3}, parked: 4}
	g := destroyguard.Guard{DB: db, Table: "transactions-table-dev",
		SQS:        &fakeQueues{attrs: map[string]map[string]string{"q": counts("1", "0", "0"), "dlq": counts("0", "2", "5")}},
		QueueNames: []string{"q", "dlq"}}
	// WHEN the guard counts
	inv, err := g.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// THEN every page counts, and only payment items are scanned for
	if inv.Payments != 5 || inv.Parked != 4 || len(inv.Queues) != 2 || inv.Queues[0].Total() != 1 || inv.Queues[1].Total() != 7 {
		t.Fatalf("inventory %+v", inv)
	}
	if len(db.scans) != 3 || db.scans[1].ExclusiveStartKey == nil || db.scans[0].Select != ddbtypes.SelectCount {
		t.Errorf("scans %+v: want 3 paginated COUNT scans", db.scans)
	}
	if v := db.scans[0].ExpressionAttributeValues[":payment"].(*ddbtypes.AttributeValueMemberS).Value; v != store.PaymentKey("") {
		t.Errorf("scan filters on %q, want the payment prefix %q", v, store.PaymentKey(""))
	}
	if len(db.queries) != 1 || *db.queries[0].IndexName != store.ParkedIndex || db.queries[0].Select != ddbtypes.SelectCount {
		t.Errorf("parked count queries %+v: want one COUNT query of the parked index", db.queries)
	}
	if inv.Empty() {
		t.Error("an inventory with payments is Empty")
	}
}

func TestCountTreatsWhatDoesNotExistAsEmptyAndAnyOtherFailureAsAnError(t *testing.T) {
	missingTable := &fakeTable{err: &ddbtypes.ResourceNotFoundException{Message: aws.String("Requested resource not found")}}
	noQueues := &fakeQueues{attrs: map[string]map[string]string{}}
	inv, err := destroyguard.Guard{DB: missingTable, SQS: noQueues, Table: "t", QueueNames: []string{"q"}}.Count(context.Background())
	if err != nil || !inv.TableMissing || len(inv.Queues) != 1 || !inv.Queues[0].Missing || !inv.Empty() {
		t.Errorf("a destroyed environment: inventory %+v, err %v; want empty, table and queue missing", inv, err)
	}
	denied := errors.New("AccessDeniedException: not authorized")
	for name, g := range map[string]destroyguard.Guard{
		"the table cannot be scanned": {DB: &fakeTable{err: denied}, SQS: noQueues, Table: "t"},
		"a queue cannot be read": {DB: &fakeTable{scanPages: []int32{0}}, Table: "t", QueueNames: []string{"q"},
			SQS: &fakeQueues{attrs: map[string]map[string]string{"q": counts("0", "0", "0")}, err: denied}},
		"SQS leaves a count out": {DB: &fakeTable{scanPages: []int32{0}}, Table: "t", QueueNames: []string{"q"},
			SQS: &fakeQueues{attrs: map[string]map[string]string{"q": {"ApproximateNumberOfMessages": "0"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := g.Count(context.Background()); err == nil {
				t.Error("Count succeeded; the guard cannot know what would be lost")
			}
		})
	}
}

func TestDecideRefusesWhilePaymentsWouldBeLostUnlessForced(t *testing.T) {
	full := destroyguard.Inventory{Table: "transactions-table-prod", Payments: 12, Parked: 1,
		Queues: []destroyguard.QueueCount{{Name: "failed-transactions-queue-prod", InFlight: 3}, {Name: "failed-transactions-dlq-prod"}}}
	onlyQueued := destroyguard.Inventory{Table: "t", Queues: []destroyguard.QueueCount{{Name: "dlq", Delayed: 1}}}
	empty := destroyguard.Inventory{Table: "t", Queues: []destroyguard.QueueCount{{Name: "q"}}}
	for _, tc := range []struct {
		name     string
		inv      destroyguard.Inventory
		countErr error
		force    bool
		refused  bool
		says     []string
	}{
		{name: "payments, parked and queued messages are refused", inv: full, refused: true,
			says: []string{"12 payments", "1 parked payments", "3 queued payments (0 visible, 3 in flight, 0 delayed)", "FORCE=1"}},
		{name: "one delayed message alone is refused", inv: onlyQueued, refused: true, says: []string{"1 queued payments"}},
		{name: "FORCE=1 destroys anyway, saying what is lost", inv: full, force: true, says: []string{"12 payments", "destroying anyway"}},
		{name: "an empty environment is destroyed", inv: empty, says: []string{"nothing would be lost"}},
		{name: "an unreadable environment is refused", countErr: errors.New("no credentials"), refused: true, says: []string{"no credentials", "FORCE=1"}},
		{name: "an unreadable environment with FORCE=1 is destroyed", countErr: errors.New("no credentials"), force: true, says: []string{"destroying anyway"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := destroyguard.Decide(&out, tc.inv, tc.countErr, tc.force)
			if (err != nil) != tc.refused {
				t.Errorf("Decide = %v, refused want %v", err, tc.refused)
			}
			for _, s := range tc.says {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output does not say %q:\n%s", s, out.String())
				}
			}
		})
	}
}
