package emulator

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"
)

// Environment variables that hand the test binaries emulators started
// once for the whole run (cmd/emulators, which make test uses): a test
// binary uses the endpoint they name instead of starting its own. Without
// them (plain go test ./...) each test binary starts its own emulators.
const (
	DynamoDBEndpointEnv = "PAYMENTAPI_TEST_DYNAMODB_ENDPOINT"
	SQSEndpointEnv      = "PAYMENTAPI_TEST_SQS_ENDPOINT"
)

// shared is one emulator per test binary, started on first use, or the
// one of the whole run named by env.
type shared struct {
	once     sync.Once
	name     string
	env      string
	start    func(context.Context) (*Process, error)
	probe    func(ctx context.Context, endpoint string) error
	proc     *Process
	endpoint string
	err      error
}

var (
	dynamoDB = &shared{name: "DynamoDB Local", env: DynamoDBEndpointEnv, start: StartDynamoDB, probe: ProbeDynamoDB}
	sqsQueue = &shared{name: "SQS emulator", env: SQSEndpointEnv, start: StartSQS, probe: ProbeSQS}
)

func (s *shared) get(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("emulator: integration test skipped in -short mode")
	}
	s.once.Do(func() {
		if ep := os.Getenv(s.env); ep != "" {
			// The run's emulator was ready before any test binary
			// started; a probe makes a stale variable a clear failure.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.probe(ctx, ep); err != nil {
				s.err = fmt.Errorf("emulator: the %s named by %s=%s does not answer: %w", s.name, s.env, ep, err)
				return
			}
			s.endpoint = ep
			return
		}
		s.proc, s.err = s.start(context.Background())
		if s.err == nil {
			s.endpoint = s.proc.Endpoint()
		}
	})
	if s.err != nil {
		tb.Fatalf("%v", s.err)
	}
	return s.endpoint
}

func (s *shared) stop() {
	// once.Do with a no-op marks it done, so nothing starts after stop.
	s.once.Do(func() {})
	_ = s.proc.Stop()
}

// DynamoDB returns the endpoint of the test binary's DynamoDB Local,
// starting it on first use, or the run's (DynamoDBEndpointEnv). Tests
// share it, across test binaries too: give each test its own table, with
// a name no other process picks (a random part).
// It skips the test in -short mode and fails it if the emulator cannot
// start (Java or npm missing, install failed).
func DynamoDB(tb testing.TB) string {
	tb.Helper()
	return dynamoDB.get(tb)
}

// SQS returns the endpoint of the test binary's SQS emulator, starting it
// on first use, or the run's (SQSEndpointEnv). Tests share it, across
// test binaries too: give each test its own queues.
func SQS(tb testing.TB) string {
	tb.Helper()
	return sqsQueue.get(tb)
}

// StopAll stops the emulators DynamoDB and SQS started (not the run's,
// which its starter stops). Call it after m.Run in TestMain (Main does).
func StopAll() {
	dynamoDB.stop()
	sqsQueue.stop()
}

// Main runs the tests and stops the shared emulators; use it as
//
//	func TestMain(m *testing.M) { emulator.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// UniqueName is prefix followed by a random part: the name of a table or
// queue no other test uses, of this binary or of another sharing the
// emulators, nor an earlier run of the same test (-count).
func UniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}
