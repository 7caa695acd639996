package aslrun

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// A watchdog wakes the executions of a Machine that wait for a worker
// (worker.go) when their Task's deadline passes on the Clock, with one
// Clock timeout for all of them rather than one per Task. Measured on the
// payments workflow, a Clock timeout per Task (context.WithTimeout: a
// runtime timer, a context, a channel, and the wake-ups of the runtime's
// timer and network poller) cost more CPU than the rest of the Task.
// Deadlines mostly come in increasing order and most Tasks end long before
// theirs, so the timer is rarely moved: it wakes at the earliest deadline
// registered, fires the watches that are due, and waits for the next; it
// stops when no watch is left at that time.
type watchdog struct {
	clock Clock

	mu      sync.Mutex
	watches watchHeap
	running bool               // a goroutine waits for timerAt
	timerAt time.Time          // when that goroutine wakes
	stop    context.CancelFunc // wakes it before then
}

// watch is one waiting execution's deadline. ch receives once the Clock
// reaches at, unless the watch was removed first.
type watch struct {
	at  time.Time
	ch  chan struct{}
	idx int // in watchdog.watches; -1 when not there
}

func newWatch() *watch { return &watch{ch: make(chan struct{}, 1), idx: -1} }

// add starts w, due at at.
func (d *watchdog) add(w *watch, at time.Time) {
	w.at = at
	d.mu.Lock()
	defer d.mu.Unlock()
	heap.Push(&d.watches, w)
	switch {
	case !d.running:
		d.running = true
		go d.loop()
	case at.Before(d.timerAt) && d.stop != nil:
		d.stop() // wake it up to wait for the earlier time
	}
}

// remove stops w and drains its channel, so that it can be added again.
func (d *watchdog) remove(w *watch) {
	d.mu.Lock()
	if w.idx >= 0 {
		heap.Remove(&d.watches, w.idx)
	}
	d.mu.Unlock()
	select {
	case <-w.ch:
	default:
	}
}

// loop fires the watches that are due and waits for the next one.
func (d *watchdog) loop() {
	for {
		d.mu.Lock()
		now := d.clock.Now()
		for len(d.watches) > 0 && !now.Before(d.watches[0].at) {
			w := heap.Pop(&d.watches).(*watch)
			w.ch <- struct{}{} // a watch fires once per add: there is room
		}
		if len(d.watches) == 0 {
			d.running, d.stop = false, nil
			d.mu.Unlock()
			return
		}
		next := d.watches[0].at
		tctx, cancel := d.clock.WithTimeout(context.Background(), next.Sub(now))
		d.timerAt, d.stop = next, cancel
		d.mu.Unlock()
		if !d.clock.Now().Before(next) {
			// The Clock passed next before its timeout was set up (a
			// fake Clock moved meanwhile): look again now.
			cancel()
		}
		<-tctx.Done()
		cancel()
	}
}

// watchHeap orders watches by deadline.
type watchHeap []*watch

func (h watchHeap) Len() int           { return len(h) }
func (h watchHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h watchHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}

func (h *watchHeap) Push(x any) {
	w := x.(*watch)
	w.idx = len(*h)
	*h = append(*h, w)
}

func (h *watchHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	w.idx = -1
	*h = old[:len(old)-1]
	return w
}
