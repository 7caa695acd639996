// Command emulators starts DynamoDB Local and the SQS emulator once, runs
// a command with their endpoints in the environment
// (PAYMENTAPI_TEST_DYNAMODB_ENDPOINT, PAYMENTAPI_TEST_SQS_ENDPOINT, which
// internal/harness/emulator honours) and stops them when it ends:
//
//	go run ./cmd/emulators go test ./...
//
// make test runs the suite this way, so that every test binary shares one
// DynamoDB Local (a JVM whose start costs seconds of CPU) instead of
// starting its own. It exits with the command's status.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/resilientpay/paymentapi/internal/harness/emulator"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: emulators command [args...]")
		return 2
	}
	type started struct {
		p   *emulator.Process
		err error
	}
	ctx := context.Background()
	ddb, sqs := make(chan started, 1), make(chan started, 1)
	go func() { p, err := emulator.StartDynamoDB(ctx); ddb <- started{p, err} }()
	go func() { p, err := emulator.StartSQS(ctx); sqs <- started{p, err} }()
	d, q := <-ddb, <-sqs
	defer func() { _ = d.p.Stop(); _ = q.p.Stop() }()
	if err := errors.Join(d.err, q.err); err != nil {
		fmt.Fprintln(os.Stderr, "emulators:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "emulators: DynamoDB Local at %s, SQS at %s\n", d.p.Endpoint(), q.p.Endpoint())

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(),
		emulator.DynamoDBEndpointEnv+"="+d.p.Endpoint(),
		emulator.SQSEndpointEnv+"="+q.p.Endpoint())
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "emulators:", err)
		return 1
	}
	// An interrupt at the terminal reaches the command too (same process
	// group); a signal sent to this process alone is passed on. Either
	// way the command ends first, then the emulators stop.
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		for s := range signals {
			_ = cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	signal.Stop(signals)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &exit) && exit.ExitCode() > 0:
		return exit.ExitCode()
	default:
		fmt.Fprintln(os.Stderr, "emulators:", err)
		return 1
	}
}
