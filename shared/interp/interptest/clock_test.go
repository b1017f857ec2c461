package interptest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/interp/interptest"
)

var _ interp.Clock = (*interptest.Clock)(nil)

var t0 = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

var errLate = errors.New("late")

func TestClock_Sleep_AdvancesAndRecords(t *testing.T) {
	c := interptest.NewClock(t0)
	if err := c.Sleep(context.Background(), 3*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := c.Sleep(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if got, want := c.Now(), t0.Add(5*time.Second); !got.Equal(want) {
		t.Errorf("Now = %v, want %v", got, want)
	}
	if got, want := c.Sleeps(), []time.Duration{3 * time.Second, 2 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("Sleeps = %v, want %v", got, want)
	}
}

func TestClock_Sleep_DoneContext(t *testing.T) {
	c := interptest.NewClock(t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Sleep(ctx, time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sleep = %v, want context.Canceled", err)
	}
	if !c.Now().Equal(t0) || len(c.Sleeps()) != 0 {
		t.Errorf("clock moved: Now %v, Sleeps %v", c.Now(), c.Sleeps())
	}
}

func TestClock_WithTimeoutCause_Cases(t *testing.T) {
	tests := []struct {
		name      string
		timeout   time.Duration
		sleep     time.Duration
		fired     bool
		wantSlept time.Duration
	}{
		{name: "sleep past the timeout is cut at it", timeout: 10 * time.Second, sleep: time.Minute, fired: true, wantSlept: 10 * time.Second},
		{name: "timeout at the end of the sleep fires", timeout: 10 * time.Second, sleep: 10 * time.Second, fired: true, wantSlept: 10 * time.Second},
		{name: "sleep within the timeout", timeout: 10 * time.Second, sleep: 9 * time.Second, fired: false, wantSlept: 9 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := interptest.NewClock(t0)
			ctx, cancel := c.WithTimeoutCause(context.Background(), tc.timeout, errLate)
			defer cancel()
			err := c.Sleep(ctx, tc.sleep)
			if tc.fired {
				if err == nil || !errors.Is(context.Cause(ctx), errLate) {
					t.Fatalf("Sleep = %v, cause %v; want the timer to end ctx with errLate", err, context.Cause(ctx))
				}
			} else if err != nil || ctx.Err() != nil {
				t.Fatalf("Sleep = %v, ctx.Err = %v; want neither", err, ctx.Err())
			}
			if got := c.Sleeps(); !slices.Equal(got, []time.Duration{tc.wantSlept}) {
				t.Errorf("Sleeps = %v, want [%v]", got, tc.wantSlept)
			}
		})
	}
}

func TestClock_WithTimeoutCause_OtherSleeperFiresTimer(t *testing.T) {
	// A timer fires when any sleep on the clock passes it, as a task timeout
	// fires while the mock behind the task sleeps.
	c := interptest.NewClock(t0)
	ctx, cancel := c.WithTimeoutCause(context.Background(), 5*time.Second, errLate)
	defer cancel()
	if err := c.Sleep(context.Background(), 6*time.Second); err != nil {
		t.Fatalf("Sleep = %v on an unrelated ctx", err)
	}
	if !errors.Is(context.Cause(ctx), errLate) {
		t.Errorf("cause = %v, want errLate", context.Cause(ctx))
	}
	if n := c.Timers(); n != 0 {
		t.Errorf("Timers = %d, want 0", n)
	}
}

func TestClock_WithTimeoutCause_CancelDropsTimer(t *testing.T) {
	c := interptest.NewClock(t0)
	ctx, cancel := c.WithTimeoutCause(context.Background(), 5*time.Second, errLate)
	if n := c.Timers(); n != 1 {
		t.Fatalf("Timers = %d, want 1", n)
	}
	cancel()
	if n := c.Timers(); n != 0 {
		t.Errorf("Timers after cancel = %d, want 0", n)
	}
	if !errors.Is(ctx.Err(), context.Canceled) || errors.Is(context.Cause(ctx), errLate) {
		t.Errorf("ctx.Err = %v, cause %v; want Canceled without errLate", ctx.Err(), context.Cause(ctx))
	}
}

func TestClock_WithTimeoutCause_NonPositiveIsExpired(t *testing.T) {
	c := interptest.NewClock(t0)
	ctx, cancel := c.WithTimeoutCause(context.Background(), 0, errLate)
	defer cancel()
	if !errors.Is(context.Cause(ctx), errLate) {
		t.Errorf("cause = %v, want errLate at once", context.Cause(ctx))
	}
}
