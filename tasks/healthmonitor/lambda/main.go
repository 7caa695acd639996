// Command lambda is the health-monitor Lambda of the recovery workflow; see healthmonitor.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
	"github.com/resilientpay/paymentapi/tasks/healthmonitor"
)

func main() { awslambda.Start(healthcheck.ClientsFromConfig, healthmonitor.New) }
