package throttle_test

import (
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

func TestConcurrency_Acquire_CapPerAccount(t *testing.T) {
	c := throttle.NewConcurrency(2)
	r1, ok1 := c.Acquire("a")
	r2, ok2 := c.Acquire("a")
	_, ok3 := c.Acquire("a")
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("Acquire(a) x3 = %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := c.Acquire("b"); !ok {
		t.Errorf("Acquire(b) = false, want true: accounts are capped separately")
	}
	r1()
	r1() // a second call of the same release gives nothing back twice
	if got := c.InFlight("a"); got != 1 {
		t.Errorf("InFlight(a) after one release = %d, want 1", got)
	}
	if _, ok := c.Acquire("a"); !ok {
		t.Errorf("Acquire(a) after a release = false, want true")
	}
	r2()
}

func TestConcurrency_Acquire_Race(t *testing.T) {
	const limit, goroutines = 5, 50
	c := throttle.NewConcurrency(limit)
	var (
		mu           sync.Mutex
		held, peak   int
		wg           sync.WaitGroup
		start        = make(chan struct{})
		releaseFuncs []func()
	)
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if r, ok := c.Acquire("acct"); ok {
				mu.Lock()
				held++
				peak = max(peak, held)
				releaseFuncs = append(releaseFuncs, r)
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if peak != limit {
		t.Errorf("slots granted = %d, want exactly %d", peak, limit)
	}
	for _, r := range releaseFuncs {
		r()
	}
	if got := c.InFlight("acct"); got != 0 {
		t.Errorf("InFlight after releasing all = %d, want 0", got)
	}
}
