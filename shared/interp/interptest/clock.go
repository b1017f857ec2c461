package interptest

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Clock is a fake interp.Clock: Sleep moves its time forward at once,
// firing on the way the timers of WithTimeoutCause that fall due, and records
// every pause. It is safe for concurrent use; concurrent sleeps add up, as if
// they ran one after another.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
	timers []*timer
}

// timer cancels a context once the clock reaches at.
type timer struct {
	at     time.Time
	cancel context.CancelCauseFunc
	cause  error
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Sleep advances the clock by d, or less when a timer it fires on the way
// ends ctx (Sleep then returns ctx.Err()). Timers due at or before the end of
// the pause fire, earliest first. The pause recorded is the time advanced.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	start := c.now
	end := start.Add(max(d, 0))
	for {
		t := c.nextDue(end)
		if t == nil {
			break
		}
		if t.at.After(c.now) {
			c.now = t.at
		}
		c.mu.Unlock()
		t.cancel(t.cause)
		c.mu.Lock()
		if err := ctx.Err(); err != nil {
			c.sleeps = append(c.sleeps, c.now.Sub(start))
			c.mu.Unlock()
			return err
		}
	}
	if end.After(c.now) {
		c.now = end
	}
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return nil
}

// nextDue removes and returns the earliest timer due at or before end.
func (c *Clock) nextDue(end time.Time) *timer {
	best := -1
	for i, t := range c.timers {
		if !t.at.After(end) && (best < 0 || t.at.Before(c.timers[best].at)) {
			best = i
		}
	}
	if best < 0 {
		return nil
	}
	t := c.timers[best]
	c.timers = slices.Delete(c.timers, best, best+1)
	return t
}

// WithTimeoutCause returns a copy of ctx that is cancelled with cause once
// the clock has advanced d from now (at once when d <= 0). The CancelFunc
// drops the timer and cancels the copy.
func (c *Clock) WithTimeoutCause(ctx context.Context, d time.Duration, cause error) (context.Context, context.CancelFunc) {
	cctx, cancel := context.WithCancelCause(ctx)
	if d <= 0 {
		cancel(cause)
		return cctx, func() { cancel(context.Canceled) }
	}
	t := &timer{cancel: cancel, cause: cause}
	c.mu.Lock()
	t.at = c.now.Add(d)
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	return cctx, func() {
		c.mu.Lock()
		if i := slices.Index(c.timers, t); i >= 0 {
			c.timers = slices.Delete(c.timers, i, i+1)
		}
		c.mu.Unlock()
		cancel(context.Canceled)
	}
}

// Sleeps returns every pause so far, in order.
func (c *Clock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sleeps)
}

// Timers reports how many timers are pending (not fired, not cancelled).
func (c *Clock) Timers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
