package restore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// API is the part of the DynamoDB control plane a restore uses;
// *dynamodb.Client implements it. None of these calls deletes a table or
// changes the source table.
type API interface {
	DescribeContinuousBackups(ctx context.Context, in *dynamodb.DescribeContinuousBackupsInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeContinuousBackupsOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	RestoreTableToPointInTime(ctx context.Context, in *dynamodb.RestoreTableToPointInTimeInput, opts ...func(*dynamodb.Options)) (*dynamodb.RestoreTableToPointInTimeOutput, error)
	UpdateContinuousBackups(ctx context.Context, in *dynamodb.UpdateContinuousBackupsInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateContinuousBackupsOutput, error)
	UpdateTimeToLive(ctx context.Context, in *dynamodb.UpdateTimeToLiveInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateTimeToLiveOutput, error)
	ListTagsOfResource(ctx context.Context, in *dynamodb.ListTagsOfResourceInput, opts ...func(*dynamodb.Options)) (*dynamodb.ListTagsOfResourceOutput, error)
	TagResource(ctx context.Context, in *dynamodb.TagResourceInput, opts ...func(*dynamodb.Options)) (*dynamodb.TagResourceOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// Plan is a restore about to be made: from which table, to which point in
// time, into which table, encrypted with which key.
type Plan struct {
	Suffix string
	Source string
	// At is the restore point; Earliest and Latest the source's
	// restorable window when the plan was made.
	At, Earliest, Latest time.Time
	Target               string
	// KeyARN is the source's customer-managed key, which the restored
	// table is encrypted with too.
	KeyARN    string
	SourceARN string
}

// ErrNoRecovery is returned when the source table cannot be restored to a
// point in time: point-in-time recovery is off (or was turned on too
// recently to have a window).
var ErrNoRecovery = errors.New("restore: point-in-time recovery is not enabled on the source table")

// PlanRestore reads the source table's restorable window and encryption
// and checks the restore point: at, or the latest restorable time when at
// is nil. It changes nothing.
func PlanRestore(ctx context.Context, api API, suffix, source string, at *time.Time) (Plan, error) {
	cb, err := api.DescribeContinuousBackups(ctx, &dynamodb.DescribeContinuousBackupsInput{TableName: aws.String(source)})
	if err != nil {
		return Plan{}, fmt.Errorf("restore: reading the backups of %s: %w", source, err)
	}
	d := cb.ContinuousBackupsDescription
	if d == nil || d.PointInTimeRecoveryDescription == nil ||
		d.PointInTimeRecoveryDescription.PointInTimeRecoveryStatus != types.PointInTimeRecoveryStatusEnabled ||
		d.PointInTimeRecoveryDescription.EarliestRestorableDateTime == nil || d.PointInTimeRecoveryDescription.LatestRestorableDateTime == nil {
		return Plan{}, fmt.Errorf("%w (%s)", ErrNoRecovery, source)
	}
	p := Plan{Suffix: suffix, Source: source,
		Earliest: d.PointInTimeRecoveryDescription.EarliestRestorableDateTime.UTC(),
		Latest:   d.PointInTimeRecoveryDescription.LatestRestorableDateTime.UTC()}
	if at == nil {
		p.At = p.Latest
	} else {
		p.At = at.UTC()
		if p.At.Before(p.Earliest) || p.At.After(p.Latest) {
			return Plan{}, fmt.Errorf("restore: %s is outside the restorable window of %s (%s to %s)",
				p.At.Format(time.RFC3339), source, p.Earliest.Format(time.RFC3339), p.Latest.Format(time.RFC3339))
		}
	}
	p.Target = TargetName(suffix, p.At)
	desc, err := api.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(source)})
	if err != nil {
		return Plan{}, fmt.Errorf("restore: describing %s: %w", source, err)
	}
	if desc.Table == nil || desc.Table.SSEDescription == nil || desc.Table.SSEDescription.KMSMasterKeyArn == nil {
		return Plan{}, fmt.Errorf("restore: %s is not encrypted with a customer-managed key; the stack's table always is", source)
	}
	p.KeyARN = aws.ToString(desc.Table.SSEDescription.KMSMasterKeyArn)
	p.SourceARN = aws.ToString(desc.Table.TableArn)
	return p, nil
}

// Restorer makes a planned restore.
type Restorer struct {
	API API
	// WaitMax bounds the wait for the restored table to become ACTIVE
	// (default 6 h: AWS gives no upper bound; 95% of restores finish
	// within an hour, larger tables take longer — docs/runbook.md).
	WaitMax time.Duration
	// MinDelay and MaxDelay pace the wait's DescribeTable calls (defaults
	// 20 s and 120 s, the SDK's).
	MinDelay, MaxDelay time.Duration
}

// Restore restores p.Source to p.At into p.Target and waits until the new
// table is ACTIVE. Then it sets on the new table what a restore does not
// carry over and the stack's table has (DynamoDB developer guide,
// "Restoring a DynamoDB table to a point in time": tags, TTL and
// point-in-time recovery settings must be set up on the restored table):
// point-in-time recovery, TTL on store.TTLAttribute, and the source's
// tags. CloudFormation does not apply a template's properties to a
// resource it imports, so these must already hold when the stack adopts
// the table (`cdk import`). The restore itself keeps the source's
// indexes, is billed on demand and encrypted with p.KeyARN.
func (r Restorer) Restore(ctx context.Context, p Plan) error {
	if p.Source == "" || p.Target == "" || p.KeyARN == "" || p.At.IsZero() {
		return errors.New("restore: an incomplete plan (use PlanRestore)")
	}
	_, err := r.API.RestoreTableToPointInTime(ctx, &dynamodb.RestoreTableToPointInTimeInput{
		SourceTableName:     aws.String(p.Source),
		TargetTableName:     aws.String(p.Target),
		RestoreDateTime:     aws.Time(p.At),
		BillingModeOverride: types.BillingModePayPerRequest,
		SSESpecificationOverride: &types.SSESpecification{
			Enabled: aws.Bool(true), SSEType: types.SSETypeKms, KMSMasterKeyId: aws.String(p.KeyARN),
		},
	})
	var exists *types.TableAlreadyExistsException
	if errors.As(err, &exists) {
		return fmt.Errorf("restore: a table named %s exists already (a restore to the same minute?); "+
			"verify it with -verify-only -target %s, or choose another TIME", p.Target, p.Target)
	}
	if err != nil {
		return fmt.Errorf("restore: restoring %s to %s: %w", p.Source, p.At.Format(time.RFC3339), err)
	}
	if err := r.wait(ctx, p.Target); err != nil {
		return err
	}
	return r.configure(ctx, p)
}

func (r Restorer) wait(ctx context.Context, table string) error {
	waitMax := r.WaitMax
	if waitMax <= 0 {
		waitMax = 6 * time.Hour
	}
	waiter := dynamodb.NewTableExistsWaiter(r.API, func(o *dynamodb.TableExistsWaiterOptions) {
		if r.MinDelay > 0 {
			o.MinDelay = r.MinDelay
		}
		if r.MaxDelay > 0 {
			o.MaxDelay = r.MaxDelay
		}
	})
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, waitMax); err != nil {
		return fmt.Errorf("restore: waiting for %s to become ACTIVE: %w", table, err)
	}
	return nil
}

// backupsAttempts bounds the tries of UpdateContinuousBackups: a new
// table answers ContinuousBackupsUnavailableException until its backups
// are set up (DynamoDB API reference, UpdateContinuousBackups).
const backupsAttempts = 20

func (r Restorer) configure(ctx context.Context, p Plan) error {
	pause := r.MinDelay
	if pause <= 0 {
		pause = 20 * time.Second
	}
	for try := 1; ; try++ {
		_, err := r.API.UpdateContinuousBackups(ctx, &dynamodb.UpdateContinuousBackupsInput{
			TableName:                        aws.String(p.Target),
			PointInTimeRecoverySpecification: &types.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: aws.Bool(true)},
		})
		var unavailable *types.ContinuousBackupsUnavailableException
		if errors.As(err, &unavailable) && try < backupsAttempts {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("restore: turning on point-in-time recovery of %s: %w", p.Target, err)
		}
		break
	}
	if _, err := r.API.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName:               aws.String(p.Target),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(store.TTLAttribute), Enabled: aws.Bool(true)},
	}); err != nil {
		return fmt.Errorf("restore: turning on TTL of %s: %w", p.Target, err)
	}
	var tags []types.Tag
	in := &dynamodb.ListTagsOfResourceInput{ResourceArn: aws.String(p.SourceARN)}
	for {
		out, err := r.API.ListTagsOfResource(ctx, in)
		if err != nil {
			return fmt.Errorf("restore: reading the tags of %s: %w", p.Source, err)
		}
		for _, t := range out.Tags {
			// aws: tags (CloudFormation's own) are reserved: only AWS sets them.
			if !strings.HasPrefix(aws.ToString(t.Key), "aws:") {
				tags = append(tags, t)
			}
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	if len(tags) == 0 {
		return nil
	}
	desc, err := r.API.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(p.Target)})
	if err != nil || desc.Table == nil || desc.Table.TableArn == nil {
		return fmt.Errorf("restore: describing %s: %v", p.Target, err)
	}
	if _, err := r.API.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: desc.Table.TableArn, Tags: tags}); err != nil {
		return fmt.Errorf("restore: tagging %s: %w", p.Target, err)
	}
	return nil
}
