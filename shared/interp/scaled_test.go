package interp

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errLate = errors.New("late")

func TestScaledClock_Kinds(t *testing.T) {
	if _, ok := ScaledClock(1).(RealClock); !ok {
		t.Errorf("ScaledClock(1) = %T, want RealClock", ScaledClock(1))
	}
	if _, ok := ScaledClock(-3).(RealClock); !ok {
		t.Errorf("ScaledClock(-3) = %T, want RealClock", ScaledClock(-3))
	}
}

func TestScaledClock_Zero_SkipsAndAdvances(t *testing.T) {
	c := ScaledClock(0)
	before := time.Now()
	if err := c.Sleep(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if time.Since(before) > 5*time.Second {
		t.Fatalf("Sleep(1h) at scale 0 took %v", time.Since(before))
	}
	if got := c.Now().Sub(before); got < time.Hour {
		t.Errorf("Now advanced %v after Sleep(1h), want at least 1h", got)
	}
}

func TestScaledClock_Zero_TimeoutFiresWhenPausesPassIt(t *testing.T) {
	c := ScaledClock(0)
	ctx, cancel := c.WithTimeoutCause(context.Background(), 10*time.Second, errLate)
	defer cancel()
	if err := c.Sleep(ctx, 9*time.Second); err != nil || ctx.Err() != nil {
		t.Fatalf("Sleep(9s) under a 10s timeout = %v, ctx.Err = %v; want neither", err, ctx.Err())
	}
	if err := c.Sleep(ctx, 2*time.Second); err == nil || !errors.Is(context.Cause(ctx), errLate) {
		t.Fatalf("Sleep past the timeout = %v, cause %v; want the timeout's cause", err, context.Cause(ctx))
	}
}

func TestScaledClock_Zero_TimeoutFiresOnRealTime(t *testing.T) {
	c := ScaledClock(0)
	ctx, cancel := c.WithTimeoutCause(context.Background(), 20*time.Millisecond, errLate)
	defer cancel()
	select {
	case <-ctx.Done():
		if !errors.Is(context.Cause(ctx), errLate) {
			t.Errorf("cause = %v, want errLate", context.Cause(ctx))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a 20ms timeout did not fire on real time")
	}
}

func TestScaledClock_Fraction(t *testing.T) {
	c := ScaledClock(0.001)
	start := time.Now()
	if err := c.Sleep(context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 2*time.Millisecond || el > time.Second {
		t.Errorf("Sleep(2s) at scale 0.001 took %v, want about 2ms", el)
	}
	ctx, cancel := c.WithTimeoutCause(context.Background(), 5*time.Second, errLate)
	defer cancel()
	select {
	case <-ctx.Done():
	case <-time.After(3 * time.Second):
		t.Fatal("a 5s timeout at scale 0.001 did not fire within 3s")
	}
}
