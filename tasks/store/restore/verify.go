package restore

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// Scanner reads a whole table; *dynamodb.Client implements it.
type Scanner interface {
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Counts is the number of items of each kind (store.KindOf).
type Counts map[string]int

// Change says how an item of the source differs from its copy.
type Change string

// How an item differs.
const (
	// MissingInCopy: the source has the item, the copy does not — written
	// after the restore point (a payment to re-drive or reconcile).
	MissingInCopy Change = "missing-in-copy"
	// Changed: both have it, with different attributes — changed after the
	// restore point (a parked item resolved, re-parked).
	Changed Change = "changed"
	// OnlyInCopy: the copy has the item, the source no longer does —
	// deleted from the source after the restore point (what a restore
	// brings back), or an idempotency record TTL removed since.
	OnlyInCopy Change = "only-in-copy"
)

// Difference is one item that differs between the source and the copy.
// It names the item and the attributes that differ, never their values:
// no payment source token or other payment data reaches the report.
type Difference struct {
	Change Change `json:"change"`
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	// PaymentID is the payment the item is or belongs to, when it has one.
	PaymentID string `json:"paymentId,omitempty"`
	// Fields are the names of the attributes that differ (Changed only).
	Fields []string `json:"fields,omitempty"`
	// WrittenAt is when the app last wrote the item (created_at, parked_at
	// or resolved_at, the latest), as it is stored.
	WrittenAt string `json:"writtenAt,omitempty"`
	// AfterRestorePoint reports that WrittenAt is after the restore point:
	// the copy cannot have this write. A MissingInCopy or Changed item
	// written before the restore point deserves a closer look.
	AfterRestorePoint bool `json:"afterRestorePoint"`
	// Expired marks an idempotency record past its TTL: DynamoDB deletes
	// it from either table in time, and nothing depends on it.
	Expired bool `json:"expired,omitempty"`
}

// Problem is an inconsistency inside the copy: a payment and its
// idempotency record that do not point at each other.
type Problem struct {
	Kind      string `json:"kind"`
	Key       string `json:"key"`
	PaymentID string `json:"paymentId,omitempty"`
	Issue     string `json:"issue"`
}

// Report is the result of Verify.
type Report struct {
	Source       string       `json:"source"`
	Copy         string       `json:"copy"`
	At           time.Time    `json:"restorePoint"`
	SourceCounts Counts       `json:"sourceCounts"`
	CopyCounts   Counts       `json:"copyCounts"`
	Problems     []Problem    `json:"problems"`
	Differences  []Difference `json:"differences"`
	// PaymentsPastRecordTTL counts the copy's payments without an
	// idempotency record whose record's TTL had passed at the restore
	// point: expected, not a problem.
	PaymentsPastRecordTTL int `json:"paymentsPastRecordTtl"`
}

// Consistent reports whether the copy has no Problems.
func (r Report) Consistent() bool { return len(r.Problems) == 0 }

// Options are the settings Verify needs besides the tables.
type Options struct {
	// At is the restore point.
	At time.Time
	// Now marks idempotency records past their TTL; default time.Now.
	Now time.Time
	// TTL is how long the app keeps idempotency records (the stack's
	// idempotencyTtlHours); default store.DefaultTTL.
	TTL time.Duration
	// Segments scans each table as that many parallel segments (DynamoDB's
	// parallel scan), for large tables; default 1.
	Segments int
}

// item is one scanned item.
type item map[string]types.AttributeValue

// Verify reads the source table and its restored copy in full (strongly
// consistent scans; two full reads of the table, billed as such) and
// reports the items of each kind in both, the copy's inconsistencies
// (every payment's idempotency record must point at it and every record
// at an existing payment with the same request hash, unless the record's
// TTL has passed), and every item that differs between them. It writes
// nothing.
func Verify(ctx context.Context, db Scanner, source, copy string, opts Options) (Report, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	if opts.TTL <= 0 {
		opts.TTL = store.DefaultTTL
	}
	src, err := scan(ctx, db, source, opts.Segments)
	if err != nil {
		return Report{}, err
	}
	cp, err := scan(ctx, db, copy, opts.Segments)
	if err != nil {
		return Report{}, err
	}
	r := Report{Source: source, Copy: copy, At: opts.At.UTC(), SourceCounts: count(src), CopyCounts: count(cp),
		Problems: []Problem{}, Differences: []Difference{}}
	r.Problems, r.PaymentsPastRecordTTL = consistency(cp, opts)
	r.Differences = differences(src, cp, opts)
	return r, nil
}

// scan reads a whole table, as segments parallel scans when segments > 1.
func scan(ctx context.Context, db Scanner, table string, segments int) (map[string]item, error) {
	segments = max(segments, 1)
	items := map[string]item{}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	for seg := 0; seg < segments; seg++ {
		in := &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)}
		if segments > 1 {
			in.Segment, in.TotalSegments = aws.Int32(int32(seg)), aws.Int32(int32(segments))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				out, err := db.Scan(ctx, in)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = fmt.Errorf("restore: reading %s: %w", table, err)
					}
					mu.Unlock()
					return
				}
				for _, it := range out.Items {
					items[str(it, store.PartitionKey)] = it
				}
				done := len(out.LastEvaluatedKey) == 0 || firstErr != nil
				mu.Unlock()
				if done {
					return
				}
				in.ExclusiveStartKey = out.LastEvaluatedKey
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return items, nil
}

func count(items map[string]item) Counts {
	c := Counts{store.KindPayment: 0, store.KindIdempotency: 0, store.KindParked: 0}
	for pk := range items {
		c[store.KindOf(pk)]++
	}
	return c
}

// consistency checks that payments and idempotency records of the copy
// point at each other.
func consistency(items map[string]item, opts Options) ([]Problem, int) {
	problems := []Problem{}
	recorded := map[string]bool{}
	for pk, it := range items {
		if store.KindOf(pk) != store.KindIdempotency {
			continue
		}
		pid := str(it, "payment_id")
		recorded[pid] = true
		pay, ok := items[store.PaymentKey(pid)]
		switch {
		case pid == "" || !ok:
			problems = append(problems, Problem{Kind: store.KindIdempotency, Key: pk, PaymentID: pid,
				Issue: "the record's payment is not in the copy"})
		case str(pay, "request_hash") != str(it, "request_hash"):
			problems = append(problems, Problem{Kind: store.KindIdempotency, Key: pk, PaymentID: pid,
				Issue: "the record's request hash differs from its payment's"})
		}
	}
	pastTTL := 0
	for pk, it := range items {
		if store.KindOf(pk) != store.KindPayment || recorded[str(it, "id")] {
			continue
		}
		created, err := time.Parse(time.RFC3339Nano, str(it, "created_at"))
		if err == nil && !created.Add(opts.TTL).After(opts.At) {
			pastTTL++
			continue
		}
		problems = append(problems, Problem{Kind: store.KindPayment, Key: pk, PaymentID: str(it, "id"),
			Issue: "no idempotency record points at the payment, though the record's TTL had not passed at the restore point"})
	}
	sort.Slice(problems, func(i, j int) bool { return problems[i].Key < problems[j].Key })
	return problems, pastTTL
}

func differences(src, cp map[string]item, opts Options) []Difference {
	diffs := []Difference{}
	for pk, s := range src {
		c, ok := cp[pk]
		if ok && reflect.DeepEqual(s, c) {
			continue
		}
		d := describe(pk, s, opts)
		if !ok {
			d.Change = MissingInCopy
		} else {
			d.Change, d.Fields = Changed, changedFields(s, c)
		}
		diffs = append(diffs, d)
	}
	for pk, c := range cp {
		if _, ok := src[pk]; !ok {
			d := describe(pk, c, opts)
			d.Change, d.AfterRestorePoint = OnlyInCopy, false
			diffs = append(diffs, d)
		}
	}
	order := map[Change]int{MissingInCopy: 0, Changed: 1, OnlyInCopy: 2}
	sort.Slice(diffs, func(i, j int) bool {
		if diffs[i].Change != diffs[j].Change {
			return order[diffs[i].Change] < order[diffs[j].Change]
		}
		return diffs[i].Key < diffs[j].Key
	})
	return diffs
}

// describe fills what a Difference says of an item.
func describe(pk string, it item, opts Options) Difference {
	d := Difference{Kind: store.KindOf(pk), Key: pk, PaymentID: str(it, "payment_id")}
	if d.Kind == store.KindPayment {
		d.PaymentID = str(it, "id")
	}
	var latest time.Time
	for _, attr := range []string{"created_at", store.ParkedAtAttribute, "resolved_at"} {
		v := str(it, attr)
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil && t.After(latest) {
			latest, d.WrittenAt = t, v
		}
	}
	d.AfterRestorePoint = !latest.IsZero() && latest.After(opts.At)
	if d.Kind == store.KindIdempotency {
		if n, ok := it[store.TTLAttribute].(*types.AttributeValueMemberN); ok {
			if exp, err := strconv.ParseInt(n.Value, 10, 64); err == nil && exp < opts.Now.Unix() {
				d.Expired = true
			}
		}
	}
	return d
}

// changedFields names the attributes that differ between a and b.
func changedFields(a, b item) []string {
	var fields []string
	for k, v := range a {
		if w, ok := b[k]; !ok || !reflect.DeepEqual(v, w) {
			fields = append(fields, k)
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			fields = append(fields, k)
		}
	}
	sort.Strings(fields)
	return fields
}

func str(it item, attr string) string {
	if s, ok := it[attr].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
