package console

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func statuses(r *run, names ...string) map[string]string {
	out := map[string]string{}
	for _, n := range names {
		out[n] = r.States[n].Status()
	}
	return out
}

func TestReadHistoryFollowsAQueuedPaymentThroughRetriesAndTheCatch(t *testing.T) {
	r := readHistory(queued(t).History)
	want := map[string]string{"Validate": statusSucceeded, "Persist": statusCaught, "EnqueueOnFailure": statusSucceeded,
		"Queued": statusSucceeded, "Processed": statusNotRun, "PaymentNotAccepted": statusNotRun}
	if got := statuses(r, "Validate", "Persist", "EnqueueOnFailure", "Queued", "Processed", "PaymentNotAccepted"); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	persist := r.States["Persist"]
	var delays []time.Duration
	for _, rt := range persist.Retries {
		if rt.Error != "Payment.StoreUnavailable" || rt.Max != 2 {
			t.Errorf("retry %+v, want Payment.StoreUnavailable of at most 2", rt)
		}
		delays = append(delays, rt.Delay)
	}
	if want := []time.Duration{time.Second, 2 * time.Second}; !reflect.DeepEqual(delays, want) {
		t.Errorf("retry delays %v, want %v (1 s, backoff rate 2)", delays, want)
	}
	if want := []caught{{Error: "Payment.StoreUnavailable", Next: "EnqueueOnFailure"}}; !reflect.DeepEqual(persist.Caught, want) {
		t.Errorf("caught %v, want %v", persist.Caught, want)
	}
	for k, want := range map[edgeKey]bool{
		{From: startID, To: "Validate"}:                        true,
		{From: "Validate", To: "Persist"}:                      true,
		{From: "Persist", To: "EnqueueOnFailure", Catch: true}: true,
		{From: "EnqueueOnFailure", To: "Queued"}:               true,
		{From: "Persist", To: "Processed"}:                     false,
		{From: "Persist", To: "EnqueueOnFailure"}:              false,
	} {
		if r.Taken[k] != want {
			t.Errorf("transition %+v taken = %v, want %v", k, r.Taken[k], want)
		}
	}
	if want := []string{"Validate", "Persist", "EnqueueOnFailure", "Queued"}; !reflect.DeepEqual(r.Sequence, want) {
		t.Errorf("sequence %v, want %v", r.Sequence, want)
	}
}

func TestReadHistoryMarksTheFailStateOfARejectedPayment(t *testing.T) {
	r := readHistory(invalid(t).History)
	if got, want := statuses(r, "Validate", "InvalidRequest", "Persist"), map[string]string{
		"Validate": statusCaught, "InvalidRequest": statusFailed, "Persist": statusNotRun}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if got := r.States["InvalidRequest"].Failed; got != "Payment.Invalid" {
		t.Errorf("InvalidRequest failed with %q, want Payment.Invalid", got)
	}
	if !r.Taken[edgeKey{From: "Validate", To: "InvalidRequest", Catch: true}] {
		t.Error("the Catch from Validate to InvalidRequest is not marked taken")
	}
}

func TestReadHistoryCountsMapIterationsAndTheLoopInside(t *testing.T) {
	r := readHistory(redriven(t).History)
	for name, want := range map[string]int{"InitPolls": 2, "ListMoves": 4, "CountPoll": 2, "WaitForMove": 4, "MoveFinished": 2, "Redrive": 1} {
		if got := len(r.States[name].Entries); got != want {
			t.Errorf("%s entered %d times, want %d", name, got, want)
		}
	}
	iterations := map[int]int{}
	for _, e := range r.States["InitPolls"].Entries {
		if e.Index == nil {
			t.Fatal("an InitPolls entry has no Map iteration")
		}
		iterations[*e.Index]++
	}
	if !reflect.DeepEqual(iterations, map[int]int{0: 1, 1: 1}) {
		t.Errorf("InitPolls ran in iterations %v, want 0 and 1", iterations)
	}
	for _, k := range []edgeKey{{From: "CountPoll", To: "WaitForMove"}, {From: "Redrive", To: "Notify"}, {From: "Notify", To: "Redriven"}} {
		if !r.Taken[k] {
			t.Errorf("transition %+v is not marked taken", k)
		}
	}
	for _, n := range []string{"Publish", "PutMetric", "Notify", "Redriven"} {
		if s := r.States[n].Status(); s != statusSucceeded {
			t.Errorf("%s is %s, want succeeded", n, s)
		}
	}
}

func TestReadHistoryTellsTheFailedBranchFromTheCaughtParallel(t *testing.T) {
	r := readHistory(recoveryFailed(t).History)
	// PutMetric, the other branch, may finish or be stopped first.
	want := map[string]string{"Publish": statusFailed, "Notify": statusCaught, "RecoveryFailed": statusFailed}
	if got := statuses(r, "Publish", "Notify", "RecoveryFailed"); !reflect.DeepEqual(got, want) {
		t.Errorf("statuses %v, want %v", got, want)
	}
	if got := r.States["Publish"].Failed; got != "SNS.InternalError" {
		t.Errorf("Publish failed with %q, want SNS.InternalError", got)
	}
}

func TestReadHistoryBlamesThePassStateWhoseDataFailed(t *testing.T) {
	def := `{"StartAt":"Shape","States":{"Shape":{"Type":"Pass","InputPath":"$.missing","End":true}}}`
	x := execute(t, "req-x", "w", def, 500, func(string, int) (json.RawMessage, error) { return nil, nil })
	r := readHistory(x.History)
	if s := r.States["Shape"]; s.Status() != statusFailed || s.Failed != "States.Runtime" {
		t.Errorf("Shape is %s with %q, want failed with States.Runtime", s.Status(), s.Failed)
	}
}

func TestReadHistoryOfNothingIsEmpty(t *testing.T) {
	r := readHistory(nil)
	if len(r.States) != 0 || len(r.Taken) != 0 || r.States["x"].Status() != statusNotRun {
		t.Errorf("an empty history read as %+v", r)
	}
}
