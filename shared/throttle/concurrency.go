package throttle

import (
	"strings"
	"sync"
)

// Concurrency caps how many calls one account has in flight at once (the
// per-account cap on StartSyncExecution runs). It is safe for concurrent
// use, and it holds an entry only for accounts with calls in flight.
type Concurrency struct {
	max int

	mu       sync.Mutex
	inFlight map[string]int
}

// NewConcurrency returns a cap of limit calls in flight per account; a
// limit below 1 means 1.
func NewConcurrency(limit int) *Concurrency {
	return &Concurrency{max: max(1, limit), inFlight: map[string]int{}}
}

// Acquire takes one slot of account. It returns the function that gives the
// slot back (call it exactly once) and true, or nil and false when account
// already has the most calls in flight (the caller answers 429
// ResourceThrottled).
func (c *Concurrency) Acquire(account string) (release func(), ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.inFlight[account]
	if n >= c.max {
		return nil, false
	}
	if n == 0 {
		account = strings.Clone(account) // the key outlives the request
	}
	c.inFlight[account] = n + 1
	var once sync.Once
	return func() { once.Do(func() { c.release(account) }) }, true
}

func (c *Concurrency) release(account string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.inFlight[account]; n <= 1 {
		delete(c.inFlight, account)
	} else {
		c.inFlight[account] = n - 1
	}
}

// InFlight returns how many calls account has in flight.
func (c *Concurrency) InFlight(account string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight[account]
}
