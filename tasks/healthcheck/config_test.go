package healthcheck_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		"ALARM_NAME_PREFIX":               "paymentapi-dev-",
		"ALARM_NAMES":                     " a , b,,a ",
		"NON_BLOCKING_ALARM_NAMES":        "dlq-depth-alarm-dev",
		"TABLE_NAME":                      "transactions-table-dev",
		"QUEUE_URLS":                      "http://q/1/src, http://q/1/dlq",
		"REDRIVE_MAX_MESSAGES_PER_SECOND": "25",
		"INCLUDE_COMPOSITE_ALARMS":        "TRUE",
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for kk, vv := range full {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{name: "a complete environment is accepted", env: full},
		{name: "names alone select the alarms", env: with("ALARM_NAME_PREFIX", "")},
		{name: "no alarm selection is refused because health could never be known",
			env: map[string]string{"TABLE_NAME": "t", "QUEUE_URLS": "u"}, wantErr: "ALARM_NAME_PREFIX or ALARM_NAMES"},
		{name: "a missing table is refused", env: with("TABLE_NAME", " "), wantErr: "TABLE_NAME is required"},
		{name: "missing queues are refused", env: with("QUEUE_URLS", ","), wantErr: "QUEUE_URLS is required"},
		{name: "a non-numeric rate is refused", env: with("REDRIVE_MAX_MESSAGES_PER_SECOND", "fast"), wantErr: "not an integer"},
		{name: "a rate above SQS's 500 is refused", env: with("REDRIVE_MAX_MESSAGES_PER_SECOND", "501"), wantErr: "within 1..500"},
		{name: "a zero rate is refused", env: with("REDRIVE_MAX_MESSAGES_PER_SECOND", "0"), wantErr: "within 1..500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := healthcheck.ConfigFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TableName != tt.env["TABLE_NAME"] || len(c.QueueURLs) != 2 || c.QueueURLs[1] != "http://q/1/dlq" {
				t.Errorf("config = %+v", c)
			}
		})
	}
	c, _ := healthcheck.ConfigFromEnv(func(k string) string { return full[k] })
	if !slices.Equal(c.AlarmNames, []string{"a", "b"}) || c.RedriveRate != 25 || !c.IncludeCompositeAlarms {
		t.Errorf("lists are not trimmed and deduplicated or rate not read: %+v", c)
	}
	c, _ = healthcheck.ConfigFromEnv(func(k string) string { return with("REDRIVE_MAX_MESSAGES_PER_SECOND", "")[k] })
	if c.RedriveRate != healthcheck.DefaultRedriveRate || !c.IncludeCompositeAlarms {
		t.Errorf("default rate = %d, want %d", c.RedriveRate, healthcheck.DefaultRedriveRate)
	}
	c, _ = healthcheck.ConfigFromEnv(func(k string) string { return with("INCLUDE_COMPOSITE_ALARMS", "")[k] })
	if c.IncludeCompositeAlarms {
		t.Error("composite alarms are included without INCLUDE_COMPOSITE_ALARMS=true")
	}
}

func TestQueueName(t *testing.T) {
	tests := map[string]string{
		"https://sqs.us-east-1.amazonaws.com/123456789012/failed-transactions-queue-dev": "failed-transactions-queue-dev",
		"http://127.0.0.1:9324/000000000000/q.fifo":                                      "q.fifo",
		"not a url with no path":                                                         "not a url with no path",
	}
	for in, want := range tests {
		if got := healthcheck.QueueName(in); got != want {
			t.Errorf("QueueName(%q) = %q, want %q", in, got, want)
		}
	}
}
