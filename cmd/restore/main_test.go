package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/tasks/store/restore"
)

func TestParseReadsTheCommandLine(t *testing.T) {
	at := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		args    string
		want    options
		wantErr string
	}{
		{name: "defaults restore dev to the latest time", args: "",
			want: options{suffix: "dev", source: "transactions-table-dev", ttl: 24 * time.Hour, wait: 6 * time.Hour, segments: 4}},
		{name: "a suffix and a time", args: "-suffix prod -time 2026-12-07T10:00:00Z",
			want: options{suffix: "prod", source: "transactions-table-prod", at: &at, ttl: 24 * time.Hour, wait: 6 * time.Hour, segments: 4}},
		{name: "verify-only takes the restore point from the name", args: "-suffix prod -verify-only -target transactions-table-prod-r202612071000",
			want: options{suffix: "prod", source: "transactions-table-prod", target: "transactions-table-prod-r202612071000", at: &at,
				verifyOnly: true, ttl: 24 * time.Hour, wait: 6 * time.Hour, segments: 4}},
		{name: "a time that is not RFC 3339", args: "-time 2026-12-07", wantErr: "not an RFC 3339 time"},
		{name: "verify-only without a target", args: "-verify-only", wantErr: "needs -target"},
		{name: "a target without verify-only", args: "-target transactions-table-dev-r202612071000", wantErr: "for -verify-only"},
		{name: "a target of another suffix", args: "-suffix prod -verify-only -target transactions-table-dev-r202612071000",
			wantErr: "not a restored transactions table of suffix"},
		{name: "a zero TTL", args: "-ttl-hours 0", wantErr: "at least 1"},
		{name: "no scan segments", args: "-segments 0", wantErr: "-segments"},
		{name: "stray arguments", args: "prod", wantErr: "unexpected arguments"},
		{name: "copy-missing without verify-only", args: "-copy-missing", wantErr: "for -verify-only"},
		{name: "the import mapping of another suffix's table", args: "-suffix prod -import-mapping transactions-table-dev-r202612071000",
			wantErr: "not a restored transactions table of suffix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parse(strings.Fields(tc.args), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (got.at == nil) != (tc.want.at == nil) || (got.at != nil && !got.at.Equal(*tc.want.at)) {
				t.Errorf("at = %v, want %v", got.at, tc.want.at)
			}
			got.at, tc.want.at = nil, nil
			if got != tc.want {
				t.Errorf("options = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// tables is a fake client holding whole tables, for -verify-only runs;
// a restore call panics (the embedded API is nil).
type tables struct {
	restore.API
	restore.Copier
	items map[string][]map[string]types.AttributeValue
}

func (f tables) Scan(_ context.Context, in *dynamodb.ScanInput, _ ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	items, ok := f.items[aws.ToString(in.TableName)]
	if !ok {
		return nil, errors.New("ResourceNotFoundException")
	}
	return &dynamodb.ScanOutput{Items: items}, nil
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func TestAVerifyOnlyRunPrintsTheReportAndTheNextCommandsAndSwitchesNothing(t *testing.T) {
	payment := map[string]types.AttributeValue{"pk": s("PAYMENT#pay_1"), "id": s("pay_1"), "request_hash": s("h"),
		"created_at": s("2026-12-07T09:00:00Z"), "source": s("tok_secret_0000")}
	record := map[string]types.AttributeValue{"pk": s("IDEMPOTENCY#k1"), "payment_id": s("pay_1"), "request_hash": s("h"),
		"created_at": s("2026-12-07T09:00:00Z"), "expires_at": &types.AttributeValueMemberN{Value: "4102444800"}}
	late := map[string]types.AttributeValue{"pk": s("PAYMENT#pay_2"), "id": s("pay_2"), "request_hash": s("h2"),
		"created_at": s("2026-12-07T10:30:00Z"), "source": s("tok_secret_0000")}
	const target = "transactions-table-prod-r202612071000"
	db := tables{items: map[string][]map[string]types.AttributeValue{
		"transactions-table-prod": {payment, record, late},
		target:                    {payment, record},
	}}
	var out bytes.Buffer
	err := run(context.Background(), []string{"-suffix", "prod", "-verify-only", "-target", target}, &out, io.Discard, db)
	if err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{
		"missing-in-copy payment",
		"PAYMENT#pay_2",
		"make import-table SUFFIX=prod TABLE=" + target,
		`make deploy SUFFIX=prod CDK_EXTRA="-c transactionsTable=` + target + `"`,
		"Nothing has been switched or deleted",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "tok_secret") {
		t.Errorf("output shows a payment source:\n%s", text)
	}
}

func TestAnInconsistentCopyEndsWithItsOwnStatus(t *testing.T) {
	orphan := map[string]types.AttributeValue{"pk": s("IDEMPOTENCY#k1"), "payment_id": s("pay_gone"), "request_hash": s("h")}
	const target = "transactions-table-prod-r202612071000"
	db := tables{items: map[string][]map[string]types.AttributeValue{"transactions-table-prod": {orphan}, target: {orphan}}}
	err := run(context.Background(), []string{"-suffix", "prod", "-verify-only", "-target", target}, io.Discard, io.Discard, db)
	var inconsistent errInconsistent
	if !errors.As(err, &inconsistent) || int(inconsistent) != 1 {
		t.Errorf("err = %v, want errInconsistent(1)", err)
	}
}

func TestImportMappingPrintsTheMappingMakeImportTableUses(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-suffix", "prod", "-import-mapping", "transactions-table-prod-r202612071000"}, &out, io.Discard, tables{}); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), `{"TransactionsTableR202612071000":{"TableName":"transactions-table-prod-r202612071000"}}`+"\n"; got != want {
		t.Errorf("printed %q, want %q", got, want)
	}
}
