package auth

import (
	"container/heap"
	"strings"
	"sync"
	"time"
)

// nonceCache remembers (access key, nonce) pairs until the request that used
// them can no longer pass the time window. Memory is bounded: expired entries
// are dropped on every insert, and when max unexpired entries are held a new
// nonce is refused with ErrNonceCacheFull instead of evicting a live entry,
// because evicting one would reopen it to replay. Safe for concurrent use.
type nonceCache struct {
	mu   sync.Mutex
	max  int
	seen map[nonceKey]int64 // expiry, Unix nanoseconds
	exp  expiryHeap
}

type nonceKey struct{ keyID, nonce string }

func newNonceCache(max int) *nonceCache {
	return &nonceCache{max: max, seen: make(map[nonceKey]int64)}
}

// add records nonce for keyID until expires. It returns ErrNonceUsed when the
// pair is already recorded and unexpired, and ErrNonceCacheFull when the cache
// is at capacity.
func (c *nonceCache) add(keyID, nonce string, now, expires time.Time) error {
	k := nonceKey{keyID, nonce}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evict(now.UnixNano())
	if _, ok := c.seen[k]; ok {
		return ErrNonceUsed
	}
	if len(c.seen) >= c.max {
		return ErrNonceCacheFull
	}
	// Clone so the cache does not pin the request's buffers.
	k = nonceKey{strings.Clone(keyID), strings.Clone(nonce)}
	at := expires.UnixNano()
	c.seen[k] = at
	heap.Push(&c.exp, expiryEntry{at: at, key: k})
	return nil
}

// evict drops every entry whose expiry is before now. An entry expiring
// exactly now is kept: a request whose time is exactly one window away still
// passes the window check.
func (c *nonceCache) evict(now int64) {
	for len(c.exp) > 0 && c.exp[0].at < now {
		e := heap.Pop(&c.exp).(expiryEntry)
		if c.seen[e.key] == e.at {
			delete(c.seen, e.key)
		}
	}
}

// len returns the number of entries held, expired or not.
func (c *nonceCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expiryEntry struct {
	at  int64
	key nonceKey
}

// expiryHeap is a min-heap of entries by expiry time.
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at < h[j].at }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = expiryEntry{}
	*h = old[:len(old)-1]
	return e
}
