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

// Pool is the in-process Enqueuer: a fixed number of goroutines that take
// enqueued executions in order and call Run for each. Its queue is
// unbounded, so Enqueue never blocks.
type Pool struct {
	r    runner
	ctx  context.Context
	stop context.CancelFunc
	wg   sync.WaitGroup

	mu     sync.Mutex
	cond   *sync.Cond
	queue  []Ref
	queued map[Ref]bool
	closed bool
}

// NewPool starts workers goroutines (at least one) that run enqueued
// executions with r.
func NewPool(r runner, workers int) *Pool {
	p := &Pool{r: r, queued: map[Ref]bool{}}
	p.cond = sync.NewCond(&p.mu)
	p.ctx, p.stop = context.WithCancel(context.Background())
	for range max(workers, 1) {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

// Enqueue adds ref to the queue unless it is queued already. It returns
// ErrClosed after Close.
func (p *Pool) Enqueue(_ context.Context, ref Ref) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	if !p.queued[ref] {
		p.queued[ref] = true
		p.queue = append(p.queue, ref)
		p.cond.Signal()
	}
	return nil
}

func (p *Pool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for len(p.queue) == 0 && !p.closed {
			p.cond.Wait()
		}
		if p.closed {
			p.mu.Unlock()
			return
		}
		ref := p.queue[0]
		p.queue = p.queue[1:]
		delete(p.queued, ref)
		p.mu.Unlock()
		if err := p.r.Run(p.ctx, ref); err != nil {
			slog.Error("cloudflow: run execution", "account", ref.Account, "flowId", ref.FlowID, "execution", ref.Name, "err", err)
		}
	}
}

// Close drops the queued executions, cancels the running ones and waits for
// the workers to return.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.queue = nil
	p.cond.Broadcast()
	p.mu.Unlock()
	p.stop()
	p.wg.Wait()
}
