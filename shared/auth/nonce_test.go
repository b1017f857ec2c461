package auth

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNonceCache_Add_Expiry(t *testing.T) {
	c := newNonceCache(10)
	exp := t0.Add(15 * time.Minute)
	if err := c.add("AK", "n", t0, exp); err != nil {
		t.Fatal(err)
	}
	if err := c.add("AK", "n", exp, exp); !errors.Is(err, ErrNonceUsed) {
		t.Fatalf("add at expiry = %v, want ErrNonceUsed", err)
	}
	if err := c.add("AK", "n", exp.Add(time.Nanosecond), exp.Add(time.Minute)); err != nil {
		t.Fatalf("add after expiry = %v, want nil", err)
	}
}

func TestNonceCache_Add_EvictsExpired(t *testing.T) {
	c := newNonceCache(3)
	for i := range 3 {
		if err := c.add("AK", fmt.Sprint(i), t0, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.add("AK", "x", t0, t0.Add(time.Minute)); !errors.Is(err, ErrNonceCacheFull) {
		t.Fatalf("add when full = %v, want ErrNonceCacheFull", err)
	}
	later := t0.Add(2 * time.Minute)
	if err := c.add("AK", "x", later, later.Add(time.Minute)); err != nil {
		t.Fatalf("add after expiry = %v, want nil", err)
	}
	if got := c.len(); got != 1 {
		t.Fatalf("len = %d, want 1 after expired entries were dropped", got)
	}
}

func TestNonceCache_Add_Concurrent(t *testing.T) {
	c := newNonceCache(1000)
	var wins atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.add("AK", "same", t0, t0.Add(time.Minute)) == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d goroutines accepted the same nonce, want exactly 1", wins.Load())
	}
}

func BenchmarkVerifier_Verify_RPC(b *testing.B) {
	ks, _ := ParseKeys(testKeyID + ":" + testSecret)
	v := NewVerifier(ks, func() time.Time { return t0 }, Options{MaxNonces: 1 << 30})
	q := newRPC()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		q.query["SignatureNonce"] = fmt.Sprint(i)
		i++
		q.query["Signature"] = q.sign()
		r, body := q.buildUnsigned(b)
		b.StartTimer()
		if _, err := v.Verify(r, body, nil); err != nil {
			b.Fatal(err)
		}
	}
}
