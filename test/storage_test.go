package test

import (
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/app/paymentstack"
	"github.com/resilientpay/paymentapi/tasks/store"
)

// Tests of the storage construct: the transactions table and the queues.

func TestTheTransactionsTableIsOnDemandRecoverableEncryptedWithTTL(t *testing.T) {
	tables := synth(t, suffix).Resources("AWS::DynamoDB::Table")
	if len(tables) != 1 {
		t.Fatalf("want 1 table, got %d", len(tables))
	}
	for id, r := range tables {
		p := props(r)
		if p["BillingMode"] != "PAY_PER_REQUEST" {
			t.Errorf("%s: BillingMode = %v, want PAY_PER_REQUEST", id, p["BillingMode"])
		}
		if !strings.Contains(toJSON(p["PointInTimeRecoverySpecification"]), `"PointInTimeRecoveryEnabled":true`) {
			t.Errorf("%s: point-in-time recovery is off: %s", id, toJSON(p["PointInTimeRecoverySpecification"]))
		}
		sse, _ := p["SSESpecification"].(map[string]interface{})
		if sse["SSEEnabled"] != true || sse["SSEType"] != "KMS" || sse["KMSMasterKeyId"] == nil {
			t.Errorf("%s: not encrypted with the customer-managed key: %s", id, toJSON(sse))
		}
		if got := toJSON(p["TimeToLiveSpecification"]); got != `{"AttributeName":"expires_at","Enabled":true}` {
			t.Errorf("%s: TTL = %s, want expires_at enabled", id, got)
		}
	}
}

func TestEveryQueueHasADeadLetterQueueRetentionTLSAndEncryption(t *testing.T) {
	s := synth(t, suffix)
	queues := s.Resources("AWS::SQS::Queue")
	dlqs := map[string]bool{}
	for _, r := range queues {
		if rp, ok := props(r)["RedrivePolicy"].(map[string]interface{}); ok {
			arn := toJSON(rp["deadLetterTargetArn"])
			for id := range queues {
				if strings.Contains(arn, `"`+id+`"`) {
					dlqs[id] = true
				}
			}
			if n, _ := rp["maxReceiveCount"].(float64); n < 1 {
				t.Errorf("redrive policy without maxReceiveCount: %s", toJSON(rp))
			}
		}
	}
	// EventBridge's target DLQ is a dead-letter queue too.
	for id, r := range s.Resources("AWS::Events::Rule") {
		for _, target := range props(r)["Targets"].([]interface{}) {
			dl := toJSON(target.(map[string]interface{})["DeadLetterConfig"])
			if dl == "null" {
				t.Errorf("rule %s has a target without a dead-letter queue", id)
			}
			for qid := range queues {
				if strings.Contains(dl, `"`+qid+`"`) {
					dlqs[qid] = true
				}
			}
		}
	}
	// So is the dead-letter queue of asynchronous Lambda invocations.
	for _, r := range s.Resources("AWS::Lambda::Function") {
		dl := toJSON(props(r)["DeadLetterConfig"])
		for qid := range queues {
			if strings.Contains(dl, `"`+qid+`"`) {
				dlqs[qid] = true
			}
		}
	}
	policies := toJSON(s.Resources("AWS::SQS::QueuePolicy"))
	for id, r := range queues {
		p := props(r)
		// Payment data is encrypted with the data key. The dead-letter
		// queue of asynchronous Lambda invocations, to which every
		// function's role sends, uses SQS-managed keys so that only the
		// roles handling payment data may use the data key.
		switch {
		case p["QueueName"] == "lambda-async-dlq-"+suffix:
			if p["SqsManagedSseEnabled"] != true || p["KmsMasterKeyId"] != nil {
				t.Errorf("queue %s is not encrypted with SQS-managed keys", id)
			}
		case p["KmsMasterKeyId"] == nil:
			t.Errorf("queue %s is not encrypted with the customer-managed key", id)
		}
		retention, ok := p["MessageRetentionPeriod"].(float64)
		switch {
		case !ok:
			t.Errorf("queue %s has no explicit MessageRetentionPeriod", id)
		case dlqs[id] && retention != 14*24*3600:
			t.Errorf("dead-letter queue %s keeps messages %v s, want 14 days", id, retention)
		}
		if !dlqs[id] && p["RedrivePolicy"] == nil {
			t.Errorf("queue %s has no dead-letter queue", id)
		}
		if !strings.Contains(policies, `{"Ref":"`+id+`"}`) {
			t.Errorf("queue %s has no queue policy (TLS-only access)", id)
		}
	}
	for id, r := range s.Resources("AWS::SQS::QueuePolicy") {
		doc := toJSON(props(r)["PolicyDocument"])
		if !strings.Contains(doc, `"aws:SecureTransport":"false"`) || !strings.Contains(doc, `"Effect":"Deny"`) {
			t.Errorf("queue policy %s does not deny non-TLS access: %s", id, doc)
		}
	}
	if len(dlqs) < 2 {
		t.Errorf("found %d dead-letter queues, want the failed-transactions DLQ and the recovery trigger DLQ", len(dlqs))
	}
}

// A dead-letter queue accepts only its own source queue's failures; the
// others, which no SQS queue feeds, accept none.
func TestDeadLetterQueuesAllowRedriveOnlyFromTheirSourceQueue(t *testing.T) {
	s := synth(t, suffix)
	byName := map[string]map[string]interface{}{}
	for _, r := range s.Resources("AWS::SQS::Queue") {
		byName[props(r)["QueueName"].(string)] = props(r)
	}
	dlq := byName[paymentstack.FailedDLQ+"-"+suffix]
	want := `{"redrivePermission":"byQueue","sourceQueueArns":[{"Fn::Join":["",["arn:aws:sqs:us-east-1:",{"Ref":"AWS::AccountId"},":` + paymentstack.FailedQueue + "-" + suffix + `"]]}]}`
	if got := toJSON(dlq["RedriveAllowPolicy"]); got != want {
		t.Errorf("%s RedriveAllowPolicy = %s, want %s", paymentstack.FailedDLQ, got, want)
	}
	for _, name := range []string{"recovery-trigger-dlq-" + suffix, "lambda-async-dlq-" + suffix} {
		if got := toJSON(byName[name]["RedriveAllowPolicy"]); got != `{"redrivePermission":"denyAll"}` {
			t.Errorf("%s RedriveAllowPolicy = %s, want denyAll", name, got)
		}
	}
}

// Parked payments are listed from a sparse index of the table, so an
// operator finds them without scanning every payment.
func TestTheTableIndexesParkedPayments(t *testing.T) {
	for id, r := range synth(t, suffix).Resources("AWS::DynamoDB::Table") {
		var found bool
		gsis, _ := props(r)["GlobalSecondaryIndexes"].([]interface{})
		for _, gsi := range gsis {
			g := gsi.(map[string]interface{})
			if g["IndexName"] != store.ParkedIndex {
				continue
			}
			found = true
			want := `[{"AttributeName":"` + store.ParkedAttribute + `","KeyType":"HASH"},{"AttributeName":"` + store.ParkedAtAttribute + `","KeyType":"RANGE"}]`
			if got := toJSON(g["KeySchema"]); got != want {
				t.Errorf("%s %s keys = %s, want %s", id, store.ParkedIndex, got, want)
			}
		}
		if !found {
			t.Errorf("table %s has no %s", id, store.ParkedIndex)
		}
	}
}

// An outage never counts against a queued payment: the reprocess
// function has no receive bound of its own (SQS's maxReceiveCount moves a
// message to the DLQ, and recovery moves it back), and the queue keeps a
// payment answered 202 as long as SQS allows, 14 days, with its
// oldest-message alarm firing after minutes and gating recovery.
func TestTheFailedTransactionsQueueKeepsPaymentsFourteenDaysAndNothingCountsOutages(t *testing.T) {
	s := synth(t, suffix)
	var retention float64
	for _, r := range s.Resources("AWS::SQS::Queue") {
		if props(r)["QueueName"] == paymentstack.FailedQueue+"-"+suffix {
			retention, _ = props(r)["MessageRetentionPeriod"].(float64)
		}
	}
	if retention != 14*24*3600 {
		t.Errorf("the failed-transactions queue keeps messages %v s, want 14 days (%d s)", retention, 14*24*3600)
	}
	for _, r := range s.Resources("AWS::Lambda::Function") {
		if props(r)["FunctionName"] != paymentstack.FnReprocess+"-"+suffix {
			continue
		}
		env := props(r)["Environment"].(map[string]interface{})["Variables"].(map[string]interface{})
		for _, bound := range []string{"MAX_RECEIVES", "MAX_DEAD_LETTERS"} {
			if v, ok := env[bound]; ok {
				t.Errorf("the reprocess function bounds %s = %v: receives and redrives happen in outages and must not count", bound, v)
			}
		}
		if env["FAILED_DLQ_URL"] == nil {
			t.Error("the reprocess function does not know the DLQ (where a crashing message waits)")
		}
	}
	alarm := alarmNamed(t, s, "failed-transactions-oldest-message-alarm-"+suffix)
	threshold, _ := alarm["Threshold"].(float64)
	if threshold <= 0 || threshold > 3600 {
		t.Errorf("the queue's oldest-message alarm fires at %v s, want within the hour, well before the 14 days", threshold)
	}
	if !gatingAlarms(t, s)["failed-transactions-oldest-message-alarm-"+suffix] {
		t.Error("the queue's oldest-message alarm does not gate recovery: a redrive into a queue nobody drains helps nothing")
	}
}
