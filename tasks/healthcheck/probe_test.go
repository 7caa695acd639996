package healthcheck_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/payment"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// fakeStore answers the probe and the parked count.
type fakeStore struct {
	probeErr error
	parked   int64
	countErr error
}

var _ healthcheck.StoreReader = fakeStore{}

func (f fakeStore) Probe(context.Context) error { return f.probeErr }

func (f fakeStore) CountParked(context.Context) (int64, error) { return f.parked, f.countErr }

// DescribeTable says ACTIVE while reads and writes fail: the report reads
// the data plane through a probe, and a probe that finds the store
// unavailable writes the line the store-unavailable alarm counts.
func TestCheckProbesTheDataPlane(t *testing.T) {
	tests := []struct {
		name         string
		store        fakeStore
		countParked  bool
		wantStatus   healthcheck.Status
		wantReadable bool
		wantSignal   bool
		wantParked   string
	}{
		{"a store that serves reads is healthy and readable", fakeStore{}, false, healthcheck.Healthy, true, false, ""},
		{"an ACTIVE table whose reads fail is unhealthy, and the outage is signalled",
			fakeStore{probeErr: payment.NewError(errorname.StoreUnavailable, "down").Wrap(errSDK)}, false, healthcheck.Unhealthy, false, true, ""},
		{"a refused probe (a permission) holds the redrive back without calling it an outage",
			fakeStore{probeErr: payment.NewError(errorname.Internal, "refused").Wrap(errSDK)}, false, healthcheck.Degraded, false, false, ""},
		{"the health monitor reports how many payments are parked", fakeStore{parked: 3}, true, healthcheck.Healthy, true, false, "3"},
		{"zero parked is reported as 0, not omitted", fakeStore{}, true, healthcheck.Healthy, true, false, "0"},
		{"a count that fails is left out, never guessed", fakeStore{countErr: errors.New("x")}, true, healthcheck.Healthy, true, false, "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(0)
			f.config.CountParked = tt.countParked
			var logs bytes.Buffer
			c := &healthcheck.Checker{Alarms: f.alarms, Tables: f.table, Queues: f.queues, MoveTasks: f.moves, Config: f.config,
				Store: tt.store, Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Now: func() time.Time { return checkedAt }}
			r := c.Check(context.Background())
			if r.Status != tt.wantStatus || r.Table.Readable != tt.wantReadable {
				t.Errorf("status %s readable %v (reasons %v), want %s and %v", r.Status, r.Table.Readable, r.Reasons, tt.wantStatus, tt.wantReadable)
			}
			if got := strings.Contains(logs.String(), store.UnavailableLogMessage); got != tt.wantSignal {
				t.Errorf("logged the outage signal: %v, want %v: %s", got, tt.wantSignal, logs.String())
			}
			if strings.Contains(strings.Join(r.Reasons, " "), sdkSecret) {
				t.Errorf("reasons quote the SDK error: %v", r.Reasons)
			}
			switch {
			case tt.wantParked == "":
			case tt.wantParked == "absent" && r.ParkedPayments != nil:
				t.Errorf("parked %d, want absent", *r.ParkedPayments)
			case tt.wantParked != "absent" && (r.ParkedPayments == nil || tt.wantParked != strconv.FormatInt(*r.ParkedPayments, 10)):
				t.Errorf("parked %v, want %s", r.ParkedPayments, tt.wantParked)
			}
		})
	}
}
