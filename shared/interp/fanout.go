package interp

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/maprun"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// fanSize describes the JSON object a fan-out builds from its results, so
// that runFan can keep a running total of its encoded size: base is the size
// of the object without results, entry(i) what result i adds besides its own
// encoding (key, separators). A nil entry means no size accounting (the
// inline steps of a legacy choice).
type fanSize struct {
	what  string // names the object in the error, e.g. "Map output"
	limit int    // 0 = MaxPayloadBytes
	base  int
	entry func(i int) int
}

// fanKind says what a fan's children are.
type fanKind uint8

const (
	fanParallel       fanKind = iota // Parallel branches
	fanMap                           // Map iterations
	fanLegacyParallel                // legacy parallel branches
	fanLegacyForeach                 // legacy foreach iterations
	fanLegacyChoice                  // the inline steps of a legacy choice (one child)
)

// fan is a Parallel, Map (or legacy parallel, foreach, or choice with
// inline steps) attempt in progress: its children's frames and results. It
// lives in the frame of the state (frame.fan) from the attempt's start until
// every child finished or one failed; in between, a Step may end with some
// children suspended on callback tasks (reference 7.1), Waits or Retry
// intervals, and a later Step (after Resume, when the checkpoint was
// stored) goes on with them.
//
// Children start in index order. At most conc of them are unfinished at
// once (a suspended child keeps its place), so a Map's MaxConcurrency also
// bounds its iterations waiting for callbacks.
type fan struct {
	kind     fanKind
	in       any   // the state input after its InputConstructor (legacy: the step input)
	items    []any // Map and foreach items
	n, conc  int
	noGlobal bool
	entered  int64 // EventId of the state's StepEntered
	since    int64 // first EventId of the attempt's children (history)
	choice   int   // legacy choice: the branch whose steps run (-1 = default)
	next     int   // legacy choice: the step after the choice
	mapRun   *maprun.Run

	mu      sync.Mutex
	started int      // children started so far
	kids    []*frame // per index: the frame of a started, unfinished child
	outs    []any    // per index: the output of a finished child
	total   int64    // encoded size of the object the outputs make so far
	// missing is set after Resume when finished children's outputs are in
	// the history rather than in outs (see Execution.LoadOutputs);
	// fromHistory marks those children.
	missing     bool
	fromHistory []bool

	// Progress tracking (progress.go), for a top-level fan of a Machine
	// whose Execution has OnProgress: where each running child's current
	// step started, and a count of changes.
	track    bool
	inflight map[int]bound
	ready    []int           // waiting children that got a report during the Step (Machine.Deliver)
	closed   map[string]bool // tokens reported through Deliver
	active   int             // workers of the Step not finished
	spawn    func()          // starts a worker while the Step's fan runs; fn.mu held
	version  int64
	flushed  int64 // version of the last Progress checkpoint
}

// newFan prepares parent's fan for n children, at most conc unfinished at
// once.
func (r *run) newFan(parent *frame, kind fanKind, in any, items []any, n, conc int) *fan {
	fn := &fan{kind: kind, in: in, items: items, n: n, conc: max(min(conc, n), 1), noGlobal: parent.noGlobal, entered: parent.entered}
	fn.total = int64(kind.size().base)
	if r.hist != nil {
		fn.since = r.hist.peek()
	}
	fn.kids = make([]*frame, n)
	fn.outs = make([]any, n)
	parent.fan = fn
	return fn
}

// suspended is the failure-shaped result of a scope, state or fan that
// waits for a callback report or a due time: not an error. It is never
// changed.
var suspended = &failure{suspend: true}

// runFan runs parent's fan for state st: it goes on with the started
// children that can (not suspended, or suspended on a task that was reported
// or whose Timeout passed, or on a Wait or Retry interval now due) and starts
// new ones, on at most conc goroutines (the caller's and extra ones within
// Options.MaxInFlight, see takeSlot); a child whose Wait or Retry interval
// falls due while others still run goes on in the same call (dueWatch).
// It returns the children's outputs in index order once all finished, or
// suspended when the unfinished ones are all suspended and none can start.
// parent.fan is cleared unless the result is suspended.
//
// The first failure cancels the others at their next step boundary (and
// drops the suspended ones, whose tokens are then unknown); the reported
// failure is the one with the lowest index among those not caused by that
// cancellation (Project decision 19), except that a fatal failure wins over
// catchable ones (decision 17).
//
// runFan also adds up the encoded size of the results as they arrive (per
// sz): once the object they make would exceed the limit it cancels the
// remaining work and fails with FnF.InvalidData, so a Map of many large
// iteration outputs never holds much more than the limit (an iteration's own
// failure, when there is one, is still the one reported). When runFan
// succeeds, the object's size is within the limit and need not be walked
// again.
func (r *run) runFan(ctx context.Context, parent *frame, st *flow.State) ([]any, *failure) {
	fn := parent.fan
	if parent.top && r.onProgress != nil && !fn.track {
		fn.track, fn.inflight = true, map[int]bound{}
	}
	outs, f := r.fanWork(ctx, parent, st, fn, fn.kind.size())
	if f != suspended {
		parent.fan = nil
	}
	if f != nil {
		return nil, f
	}
	if fn.missing {
		if f := r.loadOutputs(ctx, fn); f != nil {
			return nil, f
		}
	}
	return outs, nil
}

func (r *run) fanWork(ctx context.Context, parent *frame, st *flow.State, fn *fan, sz fanSize) ([]any, *failure) {
	limit := sz.limit
	if limit <= 0 {
		limit = r.opts.MaxPayloadBytes
	}
	if fn.n == 0 {
		if sz.entry != nil && sz.base > limit {
			return nil, sizeFailure(sz.what, limit, sz.base)
		}
		return fn.outs, nil
	}
	// The started children that can go on run first, then new ones.
	fn.mu.Lock()
	fn.ready = nil // reports delivered before this Step are seen below
	fn.mu.Unlock()
	var queue []int
	blocked := 0
	now := r.nowFunc()
	for i, k := range fn.kids {
		switch {
		case k == nil:
		case r.blocked(k, now):
			blocked++
		default:
			queue = append(queue, i)
		}
	}
	workers := min(fn.conc-blocked, len(queue)+fn.n-fn.started)
	if workers <= 0 {
		if blocked > 0 {
			return nil, suspended
		}
		return fn.outs, nil
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		fails    = make(map[int]*failure)
		failed   atomic.Bool
		sizeFail atomic.Pointer[failure]
		due      = &dueWatch{r: r, fn: fn, ctx: cctx}
	)
	// take returns the next child to run and its frame, nil when it is a
	// new one.
	take := func() (int, *frame) {
		fn.mu.Lock()
		defer fn.mu.Unlock()
		for {
			if len(due.h) > 0 {
				due.poll()
			}
			switch {
			case failed.Load():
				return -1, nil
			case len(queue) > 0 || len(fn.ready) > 0:
				var i int
				if len(queue) > 0 {
					i, queue = queue[0], queue[1:]
				} else {
					i, fn.ready = fn.ready[0], fn.ready[1:]
				}
				k := fn.kids[i]
				if k == nil {
					continue // taken already (reported and due at once)
				}
				fn.kids[i] = nil
				if fn.track {
					fn.inflight[i] = r.boundOf(k)
				}
				return i, k
			case fn.started < fn.n:
				fn.started++
				if fn.track {
					fn.inflight[fn.started-1] = bound{fresh: true}
				}
				return fn.started - 1, nil
			}
			return -1, nil
		}
	}
	work := func(own *frame) {
		for {
			i, k := take()
			if i < 0 {
				return
			}
			resume := k != nil && !k.fresh
			if k == nil {
				k = own
			}
			out, f := r.fanChild(cctx, parent, st, fn, i, k, !resume)
			switch {
			case f == suspended:
				fn.mu.Lock()
				fn.kids[i] = k
				delete(fn.inflight, i)
				fn.version++
				if fn.active > 1 {
					due.watch(i, k) // siblings run on: it may resume in this Step
				}
				fn.mu.Unlock()
				return // the child keeps this worker's place
			case f != nil:
				fn.mu.Lock()
				fails[i] = f
				fn.mu.Unlock()
				failed.Store(true)
				cancel()
				return
			}
			if sz.entry != nil {
				// The walk stops early past what is left of the limit.
				fn.mu.Lock()
				left := limit - int(fn.total)
				add, _ := value.Size(out, max(left, 0))
				fn.total += int64(add + sz.entry(i))
				t := fn.total
				fn.mu.Unlock()
				if t > int64(limit) {
					sizeFail.CompareAndSwap(nil, sizeFailure(sz.what, limit, int(t)))
					failed.Store(true)
					cancel()
					return
				}
			}
			fn.mu.Lock()
			fn.outs[i] = out
			delete(fn.inflight, i)
			fn.version++
			fn.mu.Unlock()
			if fn.track && r.onProgress != nil {
				r.onProgress()
			}
			own = k // the finished child's frame is free scratch now
		}
	}
	if fn.track {
		r.publish(fn)
		defer r.publish(nil)
	}
	// The calling goroutine works too; each extra worker needs one of the
	// execution's MaxInFlight slots, taken without waiting, so a nested
	// fan-out that finds none free runs its children here instead of
	// blocking while its ancestors hold slots.
	var wg sync.WaitGroup
	// goWork starts an extra worker; fn.mu is held. fn.active counts the
	// workers that have not finished, so wg.Add never follows the end of
	// wg.Wait.
	goWork := func() {
		fn.active++
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.inFlight.Add(-1)
			work(&frame{})
			fn.mu.Lock()
			fn.active--
			fn.mu.Unlock()
		}()
	}
	fn.mu.Lock()
	fn.active = 1 // the calling goroutine
	for range workers - 1 {
		if !r.takeSlot() {
			break
		}
		goWork()
	}
	// A report delivered to a waiting child during the Step (Deliver)
	// starts a worker for it when the others are busy: the child holds its
	// place among the conc, so no limit is passed.
	fn.spawn = func() {
		if fn.active > 0 && r.takeSlot() {
			goWork()
		}
	}
	fn.mu.Unlock()
	work(&frame{})
	fn.mu.Lock()
	fn.active--
	fn.mu.Unlock()
	wg.Wait()
	cancel() // ends the timers of dueWatch
	due.wg.Wait()
	fn.mu.Lock()
	fn.spawn = nil
	fn.mu.Unlock()
	if ctx.Err() != nil {
		return nil, abortFor(ctx)
	}
	if f := pickFailure(fails, sizeFail.Load()); f != nil {
		return nil, f
	}
	if fn.unfinished() {
		return nil, suspended
	}
	return fn.outs, nil
}

// unfinished reports whether a child of fn has not finished (called when no
// worker runs).
func (fn *fan) unfinished() bool {
	if fn.started < fn.n {
		return true
	}
	for _, k := range fn.kids {
		if k != nil {
			return true
		}
	}
	return false
}

// pickFailure chooses the failure a fan reports (see runFan).
func pickFailure(fails map[int]*failure, sizeFail *failure) *failure {
	var first, caught *failure
	firstAt, caughtAt := -1, -1
	for i, f := range fails {
		switch {
		case f.abort:
			if firstAt < 0 || i < firstAt {
				first, firstAt = f, i
			}
		case f.fatal:
			// A fatal failure (a Fail state, LimitExceeded) ends the whole
			// execution (reference 3.8, decision 17), so it wins over a
			// lower-index catchable one that the enclosing state's Catch
			// would otherwise handle.
			return f
		case caughtAt < 0 || i < caughtAt:
			caught, caughtAt = f, i
		}
	}
	switch {
	case caught != nil:
		return caught
	case sizeFail != nil:
		return sizeFail
	}
	return first
}

// takeSlot reserves one of the execution's MaxInFlight fan-out goroutines
// if one is free; the caller releases it with r.inFlight.Add(-1).
func (r *run) takeSlot() bool {
	for {
		cur := r.inFlight.Load()
		if cur >= int64(r.opts.MaxInFlight) {
			return false
		}
		if r.inFlight.CompareAndSwap(cur, cur+1) {
			return true
		}
	}
}

func sizeFailure(what string, limit, atLeast int) *failure {
	return fail(ErrorInvalidData, "the %s is larger than %d bytes (at least %d)", what, limit, atLeast)
}

// childEvents names the history events around one child run of a fan-out:
// a Parallel branch or a Map (foreach) iteration.
type childEvents struct{ entered, exited EventType }

var (
	branchEvents    = childEvents{BranchEntered, BranchExited}
	iterationEvents = childEvents{IterationEntered, IterationExited}
)

// events returns the history events of fn's children; ok is false for the
// inline steps of a legacy choice, which have none.
func (fn *fan) events() (childEvents, bool) {
	switch fn.kind {
	case fanParallel, fanLegacyParallel:
		return branchEvents, true
	case fanMap, fanLegacyForeach:
		return iterationEvents, true
	}
	return childEvents{}, false
}

// fanChild runs child i of fn (state st of parent) in frame k: a new child
// (fresh) is prepared and opened with its entered event first; a started
// one goes on from its position. A child that finishes gets its exited
// event. The distributed Map's map run gates every child run and counts its
// outcome; a tolerated failure leaves the item's output null.
func (r *run) fanChild(ctx context.Context, parent *frame, st *flow.State, fn *fan, i int, k *frame, fresh bool) (any, *failure) {
	mr := fn.mapRun
	if mr != nil {
		if err := mr.Acquire(ctx); err != nil {
			return nil, abortFor(ctx)
		}
	}
	out, f := r.fanChildRun(ctx, parent, st, fn, i, k, fresh)
	if mr == nil {
		return out, f
	}
	switch {
	case f == suspended:
		mr.Suspend() // it acquires again when it goes on
	case f == nil:
		mr.Release(maprun.Succeeded)
	case f.abort:
		mr.Release(maprun.Aborted)
	case mr.Release(maprun.Failed) && !f.fatal:
		return nil, nil // a tolerated failure: the item's output is null
	}
	return out, f
}

func (r *run) fanChildRun(ctx context.Context, parent *frame, st *flow.State, fn *fan, i int, k *frame, fresh bool) (any, *failure) {
	ev, hasEvents := fn.events()
	if fresh {
		in, f := r.prepareChild(parent, st, fn, i, k)
		if f != nil {
			return nil, f
		}
		if r.hist != nil && hasEvents {
			if _, ok := r.hist.emit(ev.entered, fn.entered, st.Name, detail{Input: in, Index: i, has: hasInput | hasIndex}); !ok {
				return nil, limitFailure(r)
			}
		}
	}
	var out any
	var f *failure
	for {
		if fn.track {
			b := r.boundOf(k)
			fn.mu.Lock()
			fn.inflight[i] = b
			fn.mu.Unlock()
		}
		done, o, sf := r.step(ctx, k)
		if sf != nil {
			f = sf
			break
		}
		if done {
			out = o
			break
		}
	}
	if r.hist != nil && hasEvents && f == nil {
		if _, ok := r.hist.emit(ev.exited, fn.entered, st.Name, detail{Output: out, Index: i, has: hasOutput | hasIndex}); !ok {
			return nil, limitFailure(r)
		}
	}
	return out, f
}
