package aslrun

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
)

// Invoker calls in the default mode (without Options.InvokeInline) run on
// a worker goroutine, so that a Task's timeout holds even when the
// Invoker ignores its context: the execution waits for the worker's
// answer or for the Task's context, whichever comes first, and leaves a
// worker that is still busy behind. Workers are kept for the next call
// instead of starting a goroutine per Task: a hand-off to a waiting
// worker costs about half a new goroutine, allocates nothing, and the
// worker keeps the stack that earlier calls grew.

// maxIdleWorkers bounds the workers kept waiting; a worker that finishes
// when that many are waiting exits.
const maxIdleWorkers = 64

// Worker states, for the race between a worker finishing and the
// execution giving up on it.
const (
	workerBusy      int32 = iota // the Invoker is running
	workerFinished               // the answer is in res and on done
	workerAbandoned              // the execution stopped waiting
)

// invokeWorker is one worker goroutine.
type invokeWorker struct {
	jobs chan invokeJob
	done chan struct{} // receives once per finished call that was not abandoned
	// state is a worker state; the call's answer is in res once it is
	// workerFinished.
	state atomic.Int32
	res   invokeResult
	// watch is the execution's deadline while it waits for this worker.
	watch *watch
}

// invokeJob is one Invoker call.
type invokeJob struct {
	r        *run
	ctx      context.Context
	resource string
	payload  json.RawMessage
}

type invokeResult struct {
	out json.RawMessage
	err error
}

// workers is the pool of idle workers, shared by all Machines.
var workers struct {
	mu   sync.Mutex
	idle []*invokeWorker
}

// getWorker returns an idle worker, or starts one.
func getWorker() *invokeWorker {
	workers.mu.Lock()
	if n := len(workers.idle); n > 0 {
		w := workers.idle[n-1]
		workers.idle[n-1] = nil
		workers.idle = workers.idle[:n-1]
		workers.mu.Unlock()
		return w
	}
	workers.mu.Unlock()
	w := &invokeWorker{jobs: make(chan invokeJob, 1), done: make(chan struct{}, 1), watch: newWatch()}
	go w.loop()
	return w
}

// putWorker makes a worker whose last call is over idle again, and
// reports false when the pool is full and the worker should exit.
func putWorker(w *invokeWorker) bool {
	w.res = invokeResult{}
	w.state.Store(workerBusy)
	workers.mu.Lock()
	defer workers.mu.Unlock()
	if len(workers.idle) >= maxIdleWorkers {
		return false
	}
	workers.idle = append(workers.idle, w)
	return true
}

// loop runs calls until the worker is no longer wanted. A call the
// execution abandoned ends here: the worker puts itself back (or exits);
// otherwise the execution takes the answer and puts the worker back.
func (w *invokeWorker) loop() {
	for job := range w.jobs {
		out, err := job.r.callInvoker(job.ctx, job.resource, job.payload)
		w.res = invokeResult{out: out, err: err}
		if w.state.CompareAndSwap(workerBusy, workerFinished) {
			w.done <- struct{}{}
			continue
		}
		if !putWorker(w) {
			return
		}
	}
}

// invoke calls the Invoker, returning when it does or when ctx is done,
// whichever is first, and turns a panic into a Lambda-style error.
func (r *run) invoke(ctx context.Context, resource string, payload json.RawMessage) (json.RawMessage, error) {
	if r.m.opts.InvokeInline {
		return r.invokeInline(ctx, resource, payload)
	}
	w := getWorker()
	w.jobs <- invokeJob{r: r, ctx: ctx, resource: resource, payload: payload}
	// Wait for the worker, the deadline, or the context the deadline
	// applies to. An unarmed deadlineCtx is waited for with the Machine's
	// watchdog rather than its own Clock timeout (see watchdog.go).
	var expired, parentDone <-chan struct{}
	dctx, watched := ctx.(*deadlineCtx)
	if watched {
		r.m.watchdog.add(w.watch, dctx.at)
		expired, parentDone = w.watch.ch, dctx.parent.Done()
	} else {
		parentDone = ctx.Done()
	}
	select {
	case <-w.done:
		if watched {
			r.m.watchdog.remove(w.watch)
		}
	case <-expired: // the watchdog took the watch out
		if err := r.abandon(w, ctx); err != nil {
			return nil, err
		}
	case <-parentDone:
		if watched {
			r.m.watchdog.remove(w.watch)
		}
		if err := r.abandon(w, ctx); err != nil {
			return nil, err
		}
	}
	res := w.res
	if !putWorker(w) {
		close(w.jobs)
	}
	if res.err == nil && ctx.Err() != nil {
		// The result came back after the deadline: Step Functions has
		// already timed the task out.
		return nil, ctx.Err()
	}
	return res.out, res.err
}

// abandon gives up on a worker whose call outlived ctx and returns ctx's
// error; or, when the call finished meanwhile, waits for its answer and
// returns nil.
func (r *run) abandon(w *invokeWorker, ctx context.Context) error {
	if w.state.CompareAndSwap(workerBusy, workerAbandoned) {
		// The worker puts itself back when the call returns.
		if err := ctx.Err(); err != nil {
			return err
		}
		return context.DeadlineExceeded
	}
	<-w.done
	return nil
}
