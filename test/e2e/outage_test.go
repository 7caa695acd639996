package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/resilientpay/paymentapi/localrun"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
)

// The long-outage ledger: the product's core promise. The store fails for
// longer than three full redrive cycles, with short healthy windows in
// between, while payments arrive at a quiet rate, alarms are evaluated as
// CloudWatch evaluates them and recovery runs on its schedule (and when a
// gating alarm returns to OK). Once the outage is over, every payment
// answered 201 or 202 is stored exactly once and none is parked: an
// outage never counts against a payment.
//
// Time runs outageScale times faster than deployed for everything that
// waits: alarm periods (5 min -> 0.5 s), the recovery schedule, the
// recovery workflow's waits and the payments workflow's retry backoff, and
// a queued payment's cycle to the DLQ (10 receives of 180 s -> 3 receives
// of 1 s, the emulator's smallest visibility timeout: Config.MaxReceiveCount).
const (
	outageScale = 600
	// outageMaxReceives and a 1 s visibility timeout make the 30-minute
	// cycle to the DLQ 3 s, as outageScale makes it.
	outageMaxReceives = 3
	// outagePhase is one spell of the store being down: longer than a
	// full cycle of a queued payment through the queue (maxReceiveCount
	// receives, one per visibility timeout) to the DLQ, 40 minutes
	// deployed.
	outagePhase = 4 * time.Second
	// healthyWindow is the store's short recovery between spells:
	// shorter than the three alarm periods a failure alarm holds.
	healthyWindow = time.Second
	outagePhases  = 4
	// paymentEvery is the quiet arrival rate of payments.
	paymentEvery = 300 * time.Millisecond
)

func TestLongOutageEndsWithEveryAcceptedPaymentStoredOnceAndNoneParked(t *testing.T) {
	t.Parallel()
	period := time.Duration(float64(5*time.Minute) / outageScale)
	e := startLocal(t, func(c *localrun.Config) {
		c.AlarmTimeScale = outageScale
		c.TimeScale = outageScale
		c.PaymentsTimeScale = 10
		c.RecoveryInterval = period // the 5-minute schedule
		c.VisibilityTimeout = time.Second
		c.MaxReceiveCount = outageMaxReceives
		c.PollInterval = 50 * time.Millisecond
	})
	// The queue cycles as the constants say: a payment reaches the DLQ on
	// its outageMaxReceives-th receive.
	queueURL, dlqURL := e.r.QueueURLs()
	qa, err := e.r.SQS().GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameRedrivePolicy, sqstypes.QueueAttributeNameVisibilityTimeout}})
	if err != nil {
		t.Fatal(err)
	}
	var redrive struct{ MaxReceiveCount json.Number }
	if err := json.Unmarshal([]byte(qa.Attributes["RedrivePolicy"]), &redrive); err != nil || redrive.MaxReceiveCount.String() != strconv.Itoa(outageMaxReceives) ||
		qa.Attributes["VisibilityTimeout"] != "1" {
		t.Fatalf("the queue's redrive policy is %s and visibility timeout %s s, want maxReceiveCount %d and 1 s", qa.Attributes["RedrivePolicy"], qa.Attributes["VisibilityTimeout"], outageMaxReceives)
	}
	faults := e.r.Faults()
	// Base 36: a run of 19 decimal digits in a key could pass Luhn and be
	// refused as card data.
	run := "outage-" + strconv.FormatInt(time.Now().UnixNano(), 36)

	// The store's spells: down, a short healthy window, down again.
	var schedule sync.WaitGroup
	outageOver := make(chan struct{})
	schedule.Go(func() {
		defer close(outageOver)
		for i := range outagePhases {
			if err := faults.Apply(localrun.FaultRequest{Store: localrun.FaultUnavailable}); err != nil {
				t.Error(err)
			}
			time.Sleep(outagePhase)
			if err := faults.Apply(localrun.FaultRequest{Store: localrun.FaultOK}); err != nil {
				t.Error(err)
			}
			if i < outagePhases-1 {
				time.Sleep(healthyWindow)
			}
		}
	})

	// Payments at a quiet rate until the outage is over; 503 is retried
	// with the same key and body, as the contract tells clients to.
	type accepted struct{ id, body string }
	var (
		mu       sync.Mutex
		answered = map[string]accepted{}
		counts   = map[int]int{}
	)
	client := &http.Client{Timeout: 40 * time.Second}
	var clients sync.WaitGroup
	tick := time.NewTicker(paymentEvery)
	for i := 0; ; i++ {
		select {
		case <-outageOver:
		case <-tick.C:
			clients.Go(func() {
				key := fmt.Sprintf("%s-%d", run, i)
				body, _ := ledgerBody(i, 0)
				for attempt := 0; attempt < 50; attempt++ {
					req, _ := http.NewRequest(http.MethodPost, e.base+"/payments", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", key)
					resp, err := client.Do(req)
					if err != nil {
						t.Errorf("POST %s: %v", key, err)
						return
					}
					var m struct{ ID string }
					_ = json.NewDecoder(resp.Body).Decode(&m)
					resp.Body.Close()
					mu.Lock()
					counts[resp.StatusCode]++
					mu.Unlock()
					switch resp.StatusCode {
					case http.StatusCreated, http.StatusAccepted:
						mu.Lock()
						answered[key] = accepted{id: m.ID, body: body}
						mu.Unlock()
						return
					case http.StatusServiceUnavailable, http.StatusTooManyRequests, http.StatusConflict:
						time.Sleep(200 * time.Millisecond)
					default:
						t.Errorf("POST %s answered %d", key, resp.StatusCode)
						return
					}
				}
				t.Errorf("POST %s never answered 201 or 202", key)
			})
			continue
		}
		break
	}
	tick.Stop()
	clients.Wait()
	schedule.Wait()
	outageEnded := time.Now()

	// Recovery heals it: once the gating alarms are back to OK the DLQ is
	// moved back and every queued payment is persisted.
	// Healed means every accepted payment is stored and both queues are
	// empty: empty queues alone can be a moment of a move task, whose
	// message has left the DLQ and is not yet in the queue.
	healed := func() bool {
		if e.queueDepth(t, queueURL) != 0 || e.queueDepth(t, dlqURL) != 0 {
			return false
		}
		stored := e.storedPayments(t)
		for _, a := range answered {
			if stored[a.id] == 0 {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(90 * time.Second)
	for !healed() && time.Now().Before(deadline) {
		time.Sleep(250 * time.Millisecond)
	}
	healedIn := time.Since(outageEnded)

	var list struct{ Parked []reprocess.Summary }
	if rp := e.do(t, http.MethodGet, "/_local/parked", nil, ""); rp.status != http.StatusOK || json.Unmarshal(rp.body, &list) != nil {
		t.Fatalf("GET /_local/parked: %d %s", rp.status, rp.body)
	}
	for _, p := range list.Parked {
		t.Errorf("payment %s parked as %s (%s): an outage must never park a payment", p.PaymentID, p.Reason, p.Detail)
	}
	stored := e.storedPayments(t)
	for key, a := range answered {
		if n := stored[a.id]; n != 1 {
			t.Errorf("payment %s (key %s) is stored %d times, want once", a.id, key, n)
		}
	}
	if len(stored) != len(answered) {
		t.Errorf("%d payments stored, %d answered 201 or 202", len(stored), len(answered))
	}
	// The redrive is counted once the recovery execution has followed its
	// move task to the end, which can be after the messages are back and
	// persisted.
	redriveDeadline := time.Now().Add(30 * time.Second)
	for e.counter(t, "ResilientPay/Recovery/MessagesRedriven") < 1 && time.Now().Before(redriveDeadline) {
		time.Sleep(100 * time.Millisecond)
	}
	queued := counts[http.StatusAccepted]
	if queued == 0 || e.counter(t, "ResilientPay/Recovery/MessagesRedriven") < 1 {
		t.Errorf("%d payments queued, %v redriven: the outage did not exercise the queue and the DLQ", queued, e.counter(t, "ResilientPay/Recovery/MessagesRedriven"))
	}
	t.Logf("long outage: %d spells of %s with %s healthy windows; %d payments answered (%d 201, %d 202; %d 503 retried); "+
		"%d stored, %d parked; %v messages redriven, %v redrives deferred, %v recovery runs; healed %s after the outage",
		outagePhases, outagePhase, healthyWindow, len(answered), counts[http.StatusCreated], queued, counts[http.StatusServiceUnavailable],
		len(stored), len(list.Parked), e.counter(t, "ResilientPay/Recovery/MessagesRedriven"),
		e.counter(t, "ResilientPay/Recovery/RedriveDeferred"), e.counter(t, "Local/RecoveryExecutionsSUCCEEDED"), healedIn.Round(time.Millisecond))
}
