// Command lambda is the GET /health Lambda function; see health.New for its configuration.
package main

import (
	"github.com/resilientpay/paymentapi/internal/runtime/awslambda"
	"github.com/resilientpay/paymentapi/tasks/health"
	"github.com/resilientpay/paymentapi/tasks/healthcheck"
)

func main() { awslambda.Start(healthcheck.ClientsFromConfig, health.New) }
