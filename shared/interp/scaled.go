package interp

import (
	"context"
	"slices"
	"sync"
	"time"
)

// ScaledClock returns a Clock on which waits, retry intervals, mock delays
// and timeouts take scale times their length (CLOUDFLOW_TIME_SCALE and the
// command line's -time-scale):
//
//   - scale 1 (or a negative or NaN one) is RealClock;
//   - 0 < scale < 1 (or above 1) sleeps and times out after d × scale of
//     real time, Now still reads the real time;
//   - scale 0 skips every pause at once: Sleep returns immediately and moves
//     the clock's time forward by d, so $Context times and history show the
//     time the flow would have taken; a timeout fires when either that much
//     real time has passed (real work still counts) or pauses have moved the
//     clock past it. Concurrent pauses add up, as if they ran one after
//     another.
func ScaledClock(scale float64) Clock {
	switch {
	case scale == 0:
		return &skipClock{}
	case scale > 0 && scale != 1:
		return scaledClock(scale)
	}
	return RealClock{}
}

type scaledClock float64

func (s scaledClock) scale(d time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(s))
}

func (s scaledClock) Now() time.Time { return time.Now() }

func (s scaledClock) Sleep(ctx context.Context, d time.Duration) error {
	return RealClock{}.Sleep(ctx, s.scale(d))
}

func (s scaledClock) WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, s.scale(d), cause)
}

// skipClock is ScaledClock(0).
type skipClock struct {
	mu     sync.Mutex
	offset time.Duration // pauses skipped so far
	timers []*skipTimer
}

type skipTimer struct {
	at     time.Time
	cancel context.CancelCauseFunc
	cause  error
}

func (c *skipClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *skipClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	c.offset += max(d, 0)
	now := time.Now().Add(c.offset)
	var due []*skipTimer
	c.timers = slices.DeleteFunc(c.timers, func(t *skipTimer) bool {
		if !t.at.After(now) {
			due = append(due, t)
			return true
		}
		return false
	})
	c.mu.Unlock()
	slices.SortFunc(due, func(a, b *skipTimer) int { return a.at.Compare(b.at) })
	for _, t := range due {
		t.cancel(t.cause)
	}
	return ctx.Err()
}

func (c *skipClock) WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(ctx)
	if d <= 0 {
		cancel(cause)
		return cctx, func() { cancel(context.Canceled) }
	}
	t := &skipTimer{at: c.Now().Add(d), cancel: cancel, cause: cause}
	real := time.AfterFunc(d, func() { cancel(cause) })
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	return cctx, func() {
		real.Stop()
		c.mu.Lock()
		if i := slices.Index(c.timers, t); i >= 0 {
			c.timers = slices.Delete(c.timers, i, i+1)
		}
		c.mu.Unlock()
		cancel(context.Canceled)
	}
}
