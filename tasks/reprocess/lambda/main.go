// Command lambda is the failed-transactions queue consumer.
package main

import (
	"context"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/resilientpay/paymentapi/internal/runtime/logging"
	"github.com/resilientpay/paymentapi/tasks/reprocess"
	"github.com/resilientpay/paymentapi/tasks/store"
)

func main() {
	log := logging.NewLogger(os.Stdout)
	db, err := store.FromEnv(context.Background(), os.Getenv)
	if err != nil {
		log.Error("bad configuration", "error", err)
		os.Exit(1)
	}
	h := &reprocess.Handler{Store: db, Log: log}
	lambda.Start(h.Handle)
}
