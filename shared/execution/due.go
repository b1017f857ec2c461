package execution

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// The due index (see doc.go, "The sweep"): every execution the sweep may
// have to act on has one entry
// "xu/<shard>/<due time key>/<account>/<flowId>/<name>", written in the
// same write as the record (dueChange, through indexChange), so Recover
// reads the entries due by now in time order and never the rest of the
// table.

// dueShards is how many key ranges the due index is spread over: each is
// one DynamoDB partition ("xu/<shard>/"), so starts and finishes do not all
// write one partition; the sweep reads all of them. Changing it orphans
// the entries of the other shards: it is part of the stored layout.
const dueShards = 16

// duePrefix is the key range of shard i of the due index.
func duePrefix(i int) string { return string(appendDuePrefix(nil, i)) }

func appendDuePrefix(b []byte, i int) []byte {
	const digits = "0123456789abcdef"
	return append(b, 'x', 'u', '/', digits[i>>4&0xf], digits[i&0xf], '/')
}

// dueTimeKey is the 16 hex digits that order due times oldest first.
func dueTimeKey(t time.Time) string {
	var b [16]byte
	return string(appendHex16(b[:0], timeOrder(t)))
}

// dueAt returns when the sweep must next look at e, or false when it never
// must: an unfinished execution is due at its start (Starting: it waits in
// the store for a runner; Running: its lease may expire at any time, and
// only the record tells), a parked one at its wake-up time (never, while it
// waits for callbacks without a timeout: a report or a stop wakes it), a
// finished one when its retention ends (never without one).
func dueAt(e *Execution) (time.Time, bool) {
	if e.Status.Terminal() {
		return time.Unix(e.ExpiresAt, 0), e.ExpiresAt > 0
	}
	if wake, parked := parkedUntil(e); parked {
		return wake, !wake.IsZero()
	}
	return e.StartedTime, true
}

// dueKey returns e's due index entry key, or false when it has none.
func dueKey(e *Execution) (string, bool) {
	t, ok := dueAt(e)
	if !ok {
		return "", false
	}
	var head [6 + 16]byte
	var b strings.Builder // one allocation: it is on every start's path
	b.Grow(len(head) + 3 + len(e.Account) + len(e.FlowID) + len(e.Name))
	b.Write(appendHex16(appendDuePrefix(head[:0], dueShard(e)), timeOrder(t)))
	for _, part := range [...]string{"/", e.Account, "/", e.FlowID, "/", e.Name} {
		b.WriteString(part)
	}
	return b.String(), true
}

// dueShard is the shard of e's due entry: the 32-bit FNV-1a hash of its
// record key (exec/<account>/<flowId>/<name>) modulo dueShards.
func dueShard(e *Execution) int {
	const offset, prime = 2166136261, 16777619
	h := uint32(offset)
	for _, part := range [...]string{execRoot, e.Account, "/", e.FlowID, "/", e.Name} {
		for i := 0; i < len(part); i++ {
			h = (h ^ uint32(part[i])) * prime
		}
	}
	return int(h % dueShards)
}

// isDueKey reports whether key is e's due index entry.
func isDueKey(e *Execution, key string) bool {
	k, ok := dueKey(e)
	return ok && k == key
}

// dueChange appends to ops the due index operations of the record write
// that turns was (nil: none) into e: store e's entry and delete was's,
// none when the key is the same. A finished execution's entry carries its
// expiry, so a store with TTL removes it with the record.
func dueChange(ops []kv.Op, was, e *Execution) []kv.Op {
	if was != nil {
		// was and e are one record key: compare times, not keys (a
		// step's write keeps both, and builds no key).
		t0, had := dueAt(was)
		t1, ok := dueAt(e)
		if ok == had && (!ok || t0.Equal(t1)) {
			return ops
		}
	}
	key, ok := dueKey(e)
	old, had := "", false
	if was != nil {
		old, had = dueKey(was)
	}
	if ok {
		op := kv.Op{Kind: kv.OpPut, Key: key, Value: []byte{}}
		if e.Status.Terminal() {
			op.ExpiresAt = e.ExpiresAt
		}
		ops = addOp(ops, op)
	}
	if had {
		ops = addOp(ops, kv.Op{Kind: kv.OpDelete, Key: old})
	}
	return ops
}

// dueItem is an entry of the due index as the sweep reads it.
type dueItem struct {
	item kv.Item
	at   time.Time
	ref  Ref
}

// parseDue decodes the due index entry it of shard prefix.
func parseDue(it kv.Item, prefix string) (dueItem, bool) {
	rest := strings.TrimPrefix(it.Key, prefix)
	if len(rest) < 18 || rest[16] != '/' {
		return dueItem{}, false
	}
	u, err := strconv.ParseUint(rest[:16], 16, 64)
	parts := strings.SplitN(rest[17:], "/", 3)
	if err != nil || len(parts) != 3 {
		return dueItem{}, false
	}
	return dueItem{item: it, at: orderTime(u), ref: Ref{Account: parts[0], FlowID: parts[1], Name: parts[2]}}, true
}

// eachDue calls fn with the entries of the due index due by until and
// their executions' records (nil: none), a batch at a time: one List per
// shard and page, one GetMany per batch. It reads nothing else.
func (s *Service) eachDue(ctx context.Context, until time.Time, fn func(d dueItem, rec *kv.Item) error) error {
	end := dueTimeKey(until)
	for shard := range dueShards {
		prefix := duePrefix(shard)
		after := ""
		for {
			items, err := s.store.List(ctx, prefix, after, listPage)
			if err != nil {
				return fmt.Errorf("list due executions: %w", err)
			}
			var batch []dueItem
			more := len(items) == listPage
			for _, it := range items {
				if tk := strings.TrimPrefix(it.Key, prefix); tk[:min(len(tk), len(end))] > end {
					more = false // the rest are due later
					break
				}
				if d, ok := parseDue(it, prefix); ok {
					batch = append(batch, d)
				}
			}
			if err := s.withRecords(ctx, batch, fn); err != nil {
				return err
			}
			if !more {
				break
			}
			after = items[len(items)-1].Key
		}
	}
	return nil
}

// withRecords reads the records of batch with one GetMany and calls fn
// for each entry in order.
func (s *Service) withRecords(ctx context.Context, batch []dueItem, fn func(d dueItem, rec *kv.Item) error) error {
	if len(batch) == 0 {
		return nil
	}
	keys := make([]string, len(batch))
	for i, d := range batch {
		keys[i] = d.ref.key()
	}
	recs, err := s.store.GetMany(ctx, keys)
	if err != nil {
		return fmt.Errorf("load due executions: %w", err)
	}
	byKey := make(map[string]*kv.Item, len(recs))
	for i := range recs {
		byKey[recs[i].Key] = &recs[i]
	}
	for i, d := range batch {
		if err := fn(d, byKey[keys[i]]); err != nil {
			return err
		}
	}
	return nil
}

// dropStale deletes the due entry d, which is not its record's (rec, nil
// when there is none), when it can never become true again and is older
// than staleGrace (without an atomic store an entry is written just before
// its record, so a young one may be a write in flight). An unfinished
// execution's entry at its start time is kept: it becomes true again when
// the execution resumes.
func (s *Service) dropStale(ctx context.Context, d dueItem, e *Execution, now time.Time) {
	if now.Sub(d.at) <= staleGrace || e != nil && !e.Status.Terminal() && d.at.Equal(e.StartedTime) {
		return
	}
	err := s.store.Delete(ctx, d.item.Key, d.item.Version)
	if err != nil && !errors.Is(err, kv.ErrNotFound) && !errors.Is(err, kv.ErrConditionFailed) {
		s.logger().Warn("cloudflow: delete a stale due entry", "key", d.item.Key, "err", err)
	}
}
