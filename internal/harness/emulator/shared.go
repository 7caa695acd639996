package emulator

import (
	"context"
	"os"
	"sync"
	"testing"
)

// shared is one emulator per test binary, started on first use.
type shared struct {
	once  sync.Once
	start func(context.Context) (*Process, error)
	proc  *Process
	err   error
}

var (
	dynamoDB = &shared{start: StartDynamoDB}
	sqsQueue = &shared{start: StartSQS}
)

func (s *shared) endpoint(tb testing.TB) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("emulator: integration test skipped in -short mode")
	}
	s.once.Do(func() { s.proc, s.err = s.start(context.Background()) })
	if s.err != nil {
		tb.Fatalf("%v", s.err)
	}
	return s.proc.Endpoint()
}

func (s *shared) stop() {
	// once.Do with a no-op marks it done, so nothing starts after stop.
	s.once.Do(func() {})
	_ = s.proc.Stop()
}

// DynamoDB returns the endpoint of the test binary's DynamoDB Local,
// starting it on first use. Tests share it: give each test its own table.
// It skips the test in -short mode and fails it if the emulator cannot
// start (Java or npm missing, install failed).
func DynamoDB(tb testing.TB) string {
	tb.Helper()
	return dynamoDB.endpoint(tb)
}

// SQS returns the endpoint of the test binary's SQS emulator, starting it
// on first use. Tests share it: give each test its own queues.
func SQS(tb testing.TB) string {
	tb.Helper()
	return sqsQueue.endpoint(tb)
}

// StopAll stops the emulators DynamoDB and SQS started. Call it after
// m.Run in TestMain (Main does).
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
