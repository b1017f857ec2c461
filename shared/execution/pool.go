package execution

import (
	"context"
	"log/slog"
	"sync"
)

// runner is what a Pool drives; *Service satisfies it.
type runner interface {
	Run(ctx context.Context, ref Ref) error
}

// Pool is the in-process Enqueuer: it runs each enqueued execution in its
// own goroutine, at most limit at a time, so executions blocked in a long
// Wait or a slow Task do not keep others from starting. Executions enqueued
// while limit runs are under way wait in a queue of at most maxQueued refs,
// taken in order as runs finish, so Enqueue never blocks. An execution that
// finds the queue full is not lost: the record is the queue. Its record
// stays in the store, and from then on the Pool drops every Enqueue (each
// names a stored record) until its queue has drained; then it calls refill
// (the service's Recover), which enqueues what the store holds, oldest
// start first. So executions run in order of their start, and memory holds
// at most maxQueued of them.
type Pool struct {
	r         runner
	limit     int
	maxQueued int
	ctx       context.Context
	stop      context.CancelFunc
	wg        sync.WaitGroup

	mu      sync.Mutex
	running int // goroutines started and not yet returned
	queue   []Ref
	queued  map[Ref]bool
	closed  bool
	// overflow: an Enqueue found the queue full; the store holds
	// executions older than any new one, so new ones wait there too.
	overflow bool
	refill   func() // called once the queue drained after an overflow
}

// newPool returns a Pool that runs enqueued executions with r, at most
// limit (at least one) at a time, queueing at most maxQueued (at least one).
func newPool(r runner, limit, maxQueued int) *Pool {
	p := &Pool{r: r, limit: max(limit, 1), maxQueued: max(maxQueued, 1), queued: map[Ref]bool{}}
	p.ctx, p.stop = context.WithCancel(context.Background())
	return p
}

// Enqueue starts running ref, or queues it when the limit is reached and
// it is not queued already; with the queue full it drops ref, which stays
// in the store for the sweep. It returns ErrClosed after Close.
func (p *Pool) Enqueue(_ context.Context, ref Ref) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if p.queued[ref] || p.overflow {
		return nil
	}
	if p.running < p.limit {
		p.running++
		p.wg.Add(1)
		go p.work(ref)
		return nil
	}
	if len(p.queue) >= p.maxQueued {
		p.overflow = true
		return nil // the record is the queue: refill enqueues it later
	}
	p.queued[ref] = true
	p.queue = append(p.queue, ref)
	return nil
}

// overflowed records that the store holds executions not queued, so that
// the Pool refills its queue from the store once it has drained.
func (p *Pool) overflowed() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	if p.running > 0 {
		p.overflow = true // the last worker to find the queue empty refills it
		return
	}
	if p.refill != nil { // no worker left to notice: refill now
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.refill()
		}()
	}
}

// work runs ref, then queued executions until the queue is empty.
func (p *Pool) work(ref Ref) {
	defer p.wg.Done()
	for {
		if err := p.r.Run(p.ctx, ref); err != nil {
			slog.Error("cloudflow: run execution", "account", ref.Account, "flowId", ref.FlowID, "execution", ref.Name, "err", err)
		}
		p.mu.Lock()
		if p.closed || len(p.queue) == 0 {
			p.running--
			refill := p.overflow && !p.closed && p.refill != nil
			p.overflow = false
			p.mu.Unlock()
			if refill {
				p.refill()
			}
			return
		}
		ref = p.queue[0]
		p.queue = p.queue[1:]
		delete(p.queued, ref)
		p.mu.Unlock()
	}
}

// Queued returns how many executions wait in the queue for a worker.
func (p *Pool) Queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.queue)
}

// Running returns how many workers are running executions.
func (p *Pool) Running() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Close drops the queued executions, cancels the running ones and waits for
// their goroutines to return.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.queue = nil
	p.queued = map[Ref]bool{}
	p.mu.Unlock()
	p.stop()
	p.wg.Wait()
}
