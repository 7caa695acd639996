package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/resilientpay/paymentapi/localrun"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// The ledger test: a few hundred payments from concurrent clients while
// the store and the queue fail at random, some keys reused with another
// body after a 202; then the faults clear, reprocessing and recovery run,
// and every accepted payment must be accounted for: stored exactly once
// with the fields sent, or (a key reused after a 202) parked and listed.
const (
	ledgerPayments = 300
	ledgerClients  = 16
	// ledgerReuseEvery makes every n-th payment answered 202 reuse its key
	// with another body.
	ledgerReuseEvery = 4
	// ledgerReplayEvery makes every n-th accepted payment replay its
	// request at once.
	ledgerReplayEvery = 5
)

// ledgerBody is the body of payment i (variant 1: the other body of a
// reused key).
func ledgerBody(i, variant int) (string, ledgerFields) {
	f := ledgerFields{Amount: int64(1000 + 10*i + variant), Currency: []string{"EUR", "USD", "GBP", "JPY"}[i%4],
		MerchantID: "m_ledger_" + strconv.Itoa(i%7), Source: fmt.Sprintf("tok_ledger%06dv%d", i, variant)}
	return fmt.Sprintf(`{"amount":%d,"currency":%q,"source":%q,"merchant_id":%q}`, f.Amount, f.Currency, f.Source, f.MerchantID), f
}

// ledgerFields are the fields a payment was sent with.
type ledgerFields struct {
	Amount     int64  `json:"amount"`
	Currency   string `json:"currency"`
	MerchantID string `json:"merchant_id"`
	Source     string `json:"source"`
}

// ledgerEntry is what the clients saw of one key.
type ledgerEntry struct {
	key string
	id  string
	// accepted are the bodies (variants) answered 201 or 202 under the key.
	accepted map[int]ledgerFields
	// reused: the key was used with another body after a 202.
	reused bool
	// otherMaybeQueued: the other body was answered 503 on some attempt
	// ("the payment may have been accepted": its send was delivered, the
	// answer lost) before a final 422, so it may be queued and parked.
	otherMaybeQueued bool
}

// ledgerCounts are the answers the clients got.
type ledgerCounts struct {
	requests, created, accepted, unavailable, throttled, conflict, refused422, replays, unexpected atomic.Int64
}

func TestLedgerEveryAcceptedPaymentIsStoredOnceOrParkedUnderRandomFaults(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 17))
	var rngMu sync.Mutex
	random := func(n int) int { rngMu.Lock(); defer rngMu.Unlock(); return rng.IntN(n) }

	// Retries of the payments workflow are 10 times shorter than deployed
	// (the Task timeouts are not), so hundreds of failing payments take
	// seconds.
	e := startLocal(t, func(c *localrun.Config) {
		c.PaymentsTimeScale = 10
		c.RecoveryInterval = 300 * time.Millisecond
		c.PollInterval = 50 * time.Millisecond
	})
	start := time.Now()
	run := strconv.FormatInt(time.Now().UnixNano(), 36)
	faults := e.r.Faults()

	// Faults at random, every 100-300 ms, until the clients are done.
	stop := make(chan struct{})
	var faultsDone sync.WaitGroup
	var toggles atomic.Int64
	faultsDone.Go(func() {
		storeKinds := []string{localrun.FaultOK, localrun.FaultOK, localrun.FaultOK, localrun.FaultUnavailable, localrun.FaultUnavailable,
			localrun.FaultThrottled, localrun.FaultConflict}
		queueKinds := []string{localrun.FaultOK, localrun.FaultOK, localrun.FaultOK, localrun.FaultUnavailable, localrun.FaultLostAnswer}
		for {
			if err := faults.Apply(localrun.FaultRequest{Store: storeKinds[random(len(storeKinds))], Queue: queueKinds[random(len(queueKinds))]}); err != nil {
				t.Error(err)
			}
			toggles.Add(1)
			select {
			case <-stop:
				return
			case <-time.After(time.Duration(100+random(200)) * time.Millisecond):
			}
		}
	})

	var counts ledgerCounts
	client := &http.Client{Timeout: 40 * time.Second}
	// post sends one request and answers its status and id.
	post := func(key, body string) (int, string, bool) {
		counts.requests.Add(1)
		req, _ := http.NewRequest(http.MethodPost, e.base+"/payments", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("POST %s: %v", key, err)
			return 0, "", false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var m struct{ ID string }
		_ = json.Unmarshal(b, &m)
		switch resp.StatusCode {
		case http.StatusCreated:
			counts.created.Add(1)
		case http.StatusAccepted:
			counts.accepted.Add(1)
		case http.StatusServiceUnavailable:
			counts.unavailable.Add(1)
		case http.StatusTooManyRequests:
			counts.throttled.Add(1)
		case http.StatusConflict:
			counts.conflict.Add(1)
		case http.StatusUnprocessableEntity:
			counts.refused422.Add(1)
		default:
			counts.unexpected.Add(1)
			t.Errorf("POST %s answered %d %s", key, resp.StatusCode, b)
		}
		return resp.StatusCode, m.ID, resp.Header.Get("Idempotent-Replayed") == "true"
	}
	// payNoting posts until the answer is final: 503, 429 and 409 are
	// retried with the same key and body, as the contract tells clients
	// to. It also says whether an attempt was answered 503.
	payNoting := func(key, body string) (int, string, bool) {
		saw503 := false
		for attempt := 0; ; attempt++ {
			status, id, _ := post(key, body)
			switch status {
			case http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusConflict:
				saw503 = saw503 || status == http.StatusServiceUnavailable
				if attempt == 200 {
					t.Errorf("%s still answered %d after %d retries", key, status, attempt)
					return status, "", saw503
				}
				time.Sleep(time.Duration(20+random(60)) * time.Millisecond)
				continue
			}
			return status, id, saw503
		}
	}
	pay := func(key, body string) (int, string) {
		status, id, _ := payNoting(key, body)
		return status, id
	}

	entries := make([]*ledgerEntry, ledgerPayments)
	work := make(chan int)
	var clients sync.WaitGroup
	for range ledgerClients {
		clients.Go(func() {
			for i := range work {
				en := &ledgerEntry{key: "ledger-" + run + "-" + strconv.Itoa(i), accepted: map[int]ledgerFields{}}
				entries[i] = en
				body, fields := ledgerBody(i, 0)
				status, id := pay(en.key, body)
				if status != http.StatusCreated && status != http.StatusAccepted {
					t.Errorf("payment %d ended with %d", i, status)
					continue
				}
				en.id, en.accepted[0] = id, fields
				if i%ledgerReplayEvery == 0 {
					// A replay answers the same payment: 202 with the same id
					// while queued, or the stored 201.
					counts.replays.Add(1)
					if st, again := pay(en.key, body); (st != http.StatusCreated && st != http.StatusAccepted) || again != id {
						t.Errorf("payment %d: replay answered %d with id %q, want 201/202 with %s", i, st, again, id)
					}
				}
				if status == http.StatusAccepted && i%ledgerReuseEvery == 0 {
					// The same key with another body after a 202: accepted if
					// no idempotency record holds the key yet (then one body
					// is stored and the other parked), else refused with 422.
					en.reused = true
					other, otherFields := ledgerBody(i, 1)
					st, otherID, saw503 := payNoting(en.key, other)
					switch {
					case (st == http.StatusCreated || st == http.StatusAccepted) && otherID == id:
						en.accepted[1] = otherFields
					case st == http.StatusUnprocessableEntity:
						// A 503 before the 422 may have queued it all the same.
						en.otherMaybeQueued = saw503
					default:
						t.Errorf("payment %d: the reused key answered %d with id %q", i, st, otherID)
					}
				}
			}
		})
	}
	for i := range ledgerPayments {
		work <- i
	}
	close(work)
	clients.Wait()
	close(stop)
	faultsDone.Wait()
	clientsTook := time.Since(start)

	// The faults clear; reprocessing and recovery (every 300 ms, redriving
	// the DLQ once healthy) take what was queued.
	if err := faults.Apply(localrun.FaultRequest{Store: localrun.FaultOK, Queue: localrun.FaultOK}); err != nil {
		t.Fatal(err)
	}
	queueURL, dlqURL := e.r.QueueURLs()
	eventually(t, 60*time.Second, "the queue and the DLQ never drained", func() bool {
		return e.queueDepth(t, queueURL) == 0 && e.queueDepth(t, dlqURL) == 0
	})
	if rec := e.r.RunRecovery(context.Background()); rec == nil || rec.Status != "SUCCEEDED" {
		t.Errorf("a final recovery run: %+v", rec)
	}

	// The ledger: the table's payments and the parked list.
	stored := map[string]ledgerFields{}
	storedCount := map[string]int{}
	e.forEachStoredPayment(t, func(id string, it map[string]ddbtypes.AttributeValue) {
		storedCount[id]++
		amount, _ := strconv.ParseInt(it["amount"].(*ddbtypes.AttributeValueMemberN).Value, 10, 64)
		stored[id] = ledgerFields{Amount: amount, Currency: it["currency"].(*ddbtypes.AttributeValueMemberS).Value,
			MerchantID: it["merchant_id"].(*ddbtypes.AttributeValueMemberS).Value, Source: it["source"].(*ddbtypes.AttributeValueMemberS).Value}
	})
	// Parked payments are visible where an operator looks locally.
	var list struct{ Parked []reprocess.Summary }
	if rp := e.do(t, http.MethodGet, "/_local/parked", nil, ""); rp.status != http.StatusOK || json.Unmarshal(rp.body, &list) != nil {
		t.Fatalf("GET /_local/parked: %d %s", rp.status, rp.body)
	}
	parked := list.Parked
	parkedByID := map[string][]reprocess.Summary{}
	for _, pk := range parked {
		if pk.Reason != store.ParkedKeyReused {
			t.Errorf("parked %s as %s (%s): only key reuse may park a payment here", pk.PaymentID, pk.Reason, pk.Detail)
		}
		parkedByID[pk.PaymentID] = append(parkedByID[pk.PaymentID], pk)
	}

	var accepted, reused, bothAccepted int
	for i, en := range entries {
		if en == nil || en.id == "" {
			continue
		}
		accepted++
		if storedCount[en.id] != 1 {
			t.Errorf("payment %d (%s) is stored %d times, want once", i, en.id, storedCount[en.id])
			continue
		}
		got := stored[en.id]
		// Readable through the API (past the stage's throttling), with
		// the fields sent.
		rp := e.do(t, http.MethodGet, "/payments/"+en.id, nil, "")
		for tries := 0; rp.status == http.StatusTooManyRequests && tries < 100; tries++ {
			time.Sleep(20 * time.Millisecond)
			rp = e.do(t, http.MethodGet, "/payments/"+en.id, nil, "")
		}
		if rp.status != http.StatusOK {
			t.Errorf("payment %d (%s): GET answered %d", i, en.id, rp.status)
		}
		match := -1
		for v, f := range en.accepted {
			if f == got {
				match = v
			}
		}
		if match < 0 {
			t.Errorf("payment %d (%s) is stored as %+v, none of the bodies accepted %+v", i, en.id, got, en.accepted)
		}
		if en.reused {
			reused++
		}
		switch {
		case len(en.accepted) == 2:
			// Both bodies accepted: the other one is parked, listed once.
			bothAccepted++
			other := en.accepted[1-match]
			ps := parkedByID[en.id]
			if len(ps) != 1 || ps[0].Amount != other.Amount || ps[0].Currency != other.Currency {
				t.Errorf("payment %d (%s): the other accepted body %+v is not parked once (parked %d)", i, en.id, other, len(ps))
			}
		case len(parkedByID[en.id]) != 0 && en.otherMaybeQueued:
			// The other body's 503 said it may have been accepted: it was
			// queued, and parked rather than dropped.
			if _, other := ledgerBody(i, 1); len(parkedByID[en.id]) != 1 || parkedByID[en.id][0].Amount != other.Amount {
				t.Errorf("payment %d (%s): parked %+v, want the other body, once", i, en.id, parkedByID[en.id])
			}
		case len(parkedByID[en.id]) != 0:
			t.Errorf("payment %d (%s) is parked although one body only was accepted", i, en.id)
		}
	}
	for id := range storedCount {
		found := false
		for _, en := range entries {
			found = found || (en != nil && en.id == id)
		}
		if !found {
			t.Errorf("payment %s is stored but was never accepted", id)
		}
	}
	if accepted != ledgerPayments {
		t.Errorf("%d of %d payments were accepted", accepted, ledgerPayments)
	}
	if counts.unavailable.Load()+counts.accepted.Load() == 0 {
		t.Error("no fault reached a payment: the test proves nothing")
	}
	t.Logf("ledger: %d payments by %d clients in %s (%s to drain); %d requests: %d answered 201, %d 202, %d 503, %d 429, %d 409, %d 422; "+
		"%d replays answered their payment; %d keys reused after a 202, %d with both bodies accepted; %d stored, %d parked; %d fault changes",
		ledgerPayments, ledgerClients, clientsTook.Round(time.Millisecond), (time.Since(start) - clientsTook).Round(time.Millisecond),
		counts.requests.Load(), counts.created.Load(), counts.accepted.Load(), counts.unavailable.Load(), counts.throttled.Load(),
		counts.conflict.Load(), counts.refused422.Load(), counts.replays.Load(), reused, bothAccepted, len(storedCount), len(parked), toggles.Load())
}
