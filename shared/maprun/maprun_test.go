package maprun

import (
	"context"
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// acquired starts n Acquire calls and returns a channel that receives once
// per call that got through.
func acquire(ctx context.Context, r *Run, n int) <-chan error {
	ch := make(chan error, n)
	for range n {
		go func() { ch <- r.Acquire(ctx) }()
	}
	return ch
}

func expectGot(t *testing.T, ch <-chan error, n int) {
	t.Helper()
	for range n {
		select {
		case err := <-ch:
			if err != nil {
				t.Fatalf("Acquire: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("an item that should start is still held by the gate")
		}
	}
}

func expectHeld(t *testing.T, ch <-chan error) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("an item passed the gate beyond the limit (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
}

func TestGate_LimitChangesWhileRunning(t *testing.T) {
	r := New("m-1", 5, 2, t0)
	ch := acquire(context.Background(), r, 5)
	expectGot(t, ch, 2)
	expectHeld(t, ch)
	if st, _ := r.State(); st.Counts != (Counts{Total: 5, Running: 2, Pending: 3}) {
		t.Fatalf("counts = %+v", st.Counts)
	}

	// Raising the limit lets waiting items start at once.
	r.Update(Settings{Concurrency: ptr(4)})
	expectGot(t, ch, 2)
	expectHeld(t, ch)

	// Lowering it holds the last item until running ones end.
	r.Update(Settings{Concurrency: ptr(1)})
	for range 3 {
		r.Release(Succeeded)
	}
	expectHeld(t, ch) // one still runs: the limit 1 is reached
	r.Release(Succeeded)
	expectGot(t, ch, 1)
	r.Release(Succeeded)

	r.Finish(Succeeded, t0.Add(time.Minute))
	st, _ := r.State()
	want := State{Name: "m-1", Status: Succeeded, Concurrency: 1, Counts: Counts{Total: 5, Succeed: 5},
		StartedTime: t0, StoppedTime: t0.Add(time.Minute)}
	if st != want {
		t.Fatalf("state = %+v, want %+v", st, want)
	}
	select {
	case <-r.Done():
	default:
		t.Fatal("Done not closed after Finish")
	}
}

func TestGate_AcquireHonoursContext(t *testing.T) {
	r := New("m", 2, 1, t0)
	if err := r.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ch := acquire(ctx, r, 1)
	expectHeld(t, ch)
	cancel()
	select {
	case err := <-ch:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Acquire = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Acquire did not return after cancel")
	}
	if st, _ := r.State(); st.Counts.Pending != 1 || st.Counts.Running != 1 {
		t.Fatalf("a cancelled Acquire changed counts: %+v", st.Counts)
	}
}

func TestFinish_AbortsUnfinishedItems(t *testing.T) {
	r := New("m", 4, 2, t0)
	for range 2 {
		if err := r.Acquire(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	r.Release(Failed)
	r.Finish(Failed, t0.Add(time.Second))
	r.Release(Succeeded) // after Finish: ignored
	r.Finish(Succeeded, t0.Add(time.Hour))
	st, _ := r.State()
	if st.Status != Failed || st.StoppedTime != t0.Add(time.Second) {
		t.Fatalf("status %s stopped %v, want the first Finish", st.Status, st.StoppedTime)
	}
	if want := (Counts{Total: 4, Failed: 1, Aborted: 3}); st.Counts != want {
		t.Fatalf("counts = %+v, want %+v", st.Counts, want)
	}
}

func TestRelease_Toleration(t *testing.T) {
	tests := []struct {
		name     string
		set      Settings
		failures int
		want     []bool // tolerated, per failure
	}{
		{"default none", Settings{}, 2, []bool{false, false}},
		{"count 1", Settings{ToleratedFailedCount: ptr(1)}, 2, []bool{true, false}},
		{"25 percent of 8", Settings{ToleratedFailedPercentage: ptr(25.0)}, 3, []bool{true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := New("m", 8, 8, t0)
			r.Update(tt.set)
			for i := range tt.failures {
				if err := r.Acquire(context.Background()); err != nil {
					t.Fatal(err)
				}
				if got := r.Release(Failed); got != tt.want[i] {
					t.Fatalf("failure %d tolerated = %v, want %v", i+1, got, tt.want[i])
				}
			}
		})
	}
}

// A suspended item (a Wait inside it) is pending again and frees its
// running slot; it runs on after another Acquire, and the counts add up.
func TestRun_Suspend_PendingAgain(t *testing.T) {
	r := New("m", 2, 1, t0)
	if err := r.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.Suspend()
	st, _ := r.State()
	if want := (Counts{Total: 2, Pending: 2}); st.Counts != want {
		t.Fatalf("after Suspend: counts %+v, want %+v", st.Counts, want)
	}
	expectGot(t, acquire(context.Background(), r, 1), 1) // the slot is free
	r.Release(Succeeded)
	if err := r.Acquire(context.Background()); err != nil { // the suspended item goes on
		t.Fatal(err)
	}
	r.Release(Succeeded)
	st, _ = r.State()
	if want := (Counts{Total: 2, Succeed: 2}); st.Counts != want {
		t.Fatalf("counts %+v, want %+v", st.Counts, want)
	}
	r.Finish(Succeeded, t0)
	r.Suspend() // a finished run ignores it
	if st2, _ := r.State(); st2.Counts != st.Counts {
		t.Errorf("Suspend after Finish changed the counts to %+v", st2.Counts)
	}
}
