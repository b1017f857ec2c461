package app

import (
	"context"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/dispatch"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// enqueueTimeout bounds the continuation's enqueue when the invocation's
// own context has no time left.
const enqueueTimeout = 10 * time.Second

// onEvent handles one asynchronous event (see App.OnEvent).
func (a *App) onEvent(ctx context.Context, raw []byte) error {
	ev, err := dispatch.Decode(raw)
	if err != nil {
		return fmt.Errorf("decode event: %w", err)
	}
	if ev.Op == dispatch.OpSweep {
		n, err := a.service.Recover(ctx)
		if err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
		// The sweep runs once a minute: the ticks of the last minute are
		// due (each one starts once, whoever fires it).
		now := a.now().UTC()
		fired, err := a.service.FireSchedules(ctx, now.Add(-execution.MissedTickWindow), now)
		a.logger.InfoContext(ctx, "cloudflow: sweep", "enqueued", n, "scheduleTicks", fired)
		if err != nil {
			return fmt.Errorf("sweep: schedule ticks: %w", err)
		}
		return nil
	}
	return a.run(ctx, ev.Ref())
}

// run advances the execution ref within the invocation's deadline less the
// run margin. When that budget runs out first, Service.Run releases the
// lease at the last checkpoint and run enqueues the execution again, so a
// new invocation continues it; a duplicate or stale event costs one
// conditional read (the lease or a final status stops it).
func (a *App) run(ctx context.Context, ref execution.Ref) error {
	runCtx := ctx
	if dl, ok := ctx.Deadline(); ok {
		margin := min(a.margin, time.Until(dl)/4)
		var cancel context.CancelFunc
		runCtx, cancel = context.WithDeadline(ctx, dl.Add(-margin))
		defer cancel()
	}
	if err := a.service.Run(runCtx, ref); err != nil {
		return fmt.Errorf("run execution %s/%s: %w", ref.FlowID, ref.Name, err)
	}
	if runCtx.Err() == nil {
		return nil // the run ended by itself: finished, stopped, or leased elsewhere
	}
	return a.continueRun(ctx, ref)
}

// continueRun enqueues ref for a new invocation after this one's budget ran
// out (locally: the process's pool takes it).
func (a *App) continueRun(ctx context.Context, ref execution.Ref) error {
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), enqueueTimeout)
	defer cancel()
	if err := a.service.Enqueue(ectx, ref); err != nil {
		return fmt.Errorf("continue execution %s/%s: %w", ref.FlowID, ref.Name, err)
	}
	a.logger.InfoContext(ctx, "cloudflow: execution continues in a new invocation", "flowId", ref.FlowID, "execution", ref.Name)
	return nil
}
