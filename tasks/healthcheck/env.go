package healthcheck

import (
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/resilientpay/paymentapi/tasks/store"
)

// Clients are the AWS APIs a Checker reads.
type Clients struct {
	Alarms    AlarmReader
	Tables    TableReader
	Queues    QueueReader
	MoveTasks MoveTaskLister
	// Items is the table's data plane, probed through the store's path;
	// nil skips the probe.
	Items store.DB
}

// ClientsFromConfig builds the SDK clients of a Checker from an AWS
// configuration (in a Lambda main, telemetry's traced one).
func ClientsFromConfig(cfg aws.Config) Clients {
	q := sqs.NewFromConfig(cfg)
	db := dynamodb.NewFromConfig(cfg)
	return Clients{Alarms: cloudwatch.NewFromConfig(cfg), Tables: db, Queues: q, MoveTasks: q, Items: db}
}

// NewChecker builds a Checker from a function's configuration (see
// ConfigFromEnv). budget bounds a whole check, callTimeout each AWS call;
// each function that checks health chooses them for its own timeout.
func NewChecker(getenv func(string) string, c Clients, logger *slog.Logger, budget, callTimeout time.Duration) (*Checker, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	ch := &Checker{Alarms: c.Alarms, Tables: c.Tables, Queues: c.Queues, MoveTasks: c.MoveTasks,
		Config: cfg, Logger: logger, Budget: budget, CallTimeout: callTimeout}
	if c.Items != nil {
		ch.Store = store.New(c.Items, cfg.TableName, store.WithCallTimeout(callTimeout))
	}
	return ch, nil
}
