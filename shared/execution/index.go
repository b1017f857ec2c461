package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// The listing index (see doc.go, "Listing"): for every execution one entry
// ordered by status and then by start time, written with the record in one
// kv Apply where the store has it. An unfiltered listing merges the six
// status ranges.

// Versions of the indexes a flow's executions have entries in
// (Flow.ExecIndex): set to execIndexVersion by CreateFlow, and by the
// backfill (indexFlows) of a flow stored by an earlier version.
const (
	// listIndexVersion: every execution has its listing entry.
	listIndexVersion = 1
	// execIndexVersion: also its due index entry (due.go).
	execIndexVersion = 2
)

// staleGrace is how old (by its start time) an index entry whose execution
// record is missing must be before a reader deletes it: without an atomic
// store the entries are written just before the record.
const staleGrace = 2 * time.Minute

// statuses are the six statuses, one index range each.
var statuses = []Status{Starting, Running, Stopped, Succeeded, Failed, TimedOut}

// indexPrefix is the range of the index entries of flowID's executions in
// status st: "xs/<account>/<flowId>/<status>/", then the time key, a
// slash and the execution name.
func indexPrefix(account, flowID string, st Status) string {
	return "xs/" + account + "/" + flowID + "/" + string(st) + "/"
}

// timeKey is the 16 hex digits that order start times newest first.
func timeKey(t time.Time) string {
	var b [16]byte
	return string(appendHex16(b[:0], ^timeOrder(t)))
}

// timeOrder maps t to a number in t's order (UnixNano with its sign bit
// flipped, so times before 1970 sort first); orderTime inverts it. The
// listing index keys the complement (newest first), the due index the
// number itself (oldest first).
func timeOrder(t time.Time) uint64 { return uint64(t.UnixNano()) ^ 1<<63 }

func orderTime(u uint64) time.Time { return time.Unix(0, int64(u^1<<63)) }

// appendHex16 appends u as 16 lower-case hex digits.
func appendHex16(b []byte, u uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[u>>uint(shift)&0xf])
	}
	return b
}

// entryTail returns the part of an index entry key after its status
// prefix, "<time key>/<name>", which orders entries as ListExecutions
// lists them; and the time key and name in it.
func entryTail(key, prefix string) (tail, tk, name string, ok bool) {
	tail = strings.TrimPrefix(key, prefix)
	if len(tail) < 18 || tail[16] != '/' {
		return "", "", "", false
	}
	return tail, tail[:16], tail[17:], true
}

// indexValue is the value of an index entry: what the walk filters on
// without reading the record. Qualifier and FlowVersion never change;
// ExpiresAt is set when the execution ends (its entry moves then anyway).
type indexValue struct {
	Qualifier   string `json:"q,omitempty"`
	FlowVersion string `json:"v,omitempty"`
	ExpiresAt   int64  `json:"x,omitempty"`
}

// emptyIndexValue is the value of an entry with nothing to filter on,
// shared by all (stores copy values, never change them).
var emptyIndexValue = []byte("{}")

// indexKey returns e's index entry key.
func indexKey(e *Execution) string {
	var b strings.Builder // one allocation: it is on every start's path
	b.Grow(3 + len(e.Account) + len(e.FlowID) + len(e.Status) + 3 + 16 + 1 + len(e.Name))
	for _, part := range [...]string{"xs/", e.Account, "/", e.FlowID, "/", string(e.Status), "/"} {
		b.WriteString(part)
	}
	var tk [16]byte
	b.Write(appendHex16(tk[:0], ^timeOrder(e.StartedTime)))
	b.WriteByte('/')
	b.WriteString(e.Name)
	return b.String()
}

// indexPut returns the operation that stores e's index entry.
func indexPut(e *Execution) (kv.Op, error) {
	val := emptyIndexValue
	if e.Qualifier != "" || e.FlowVersion != "" || e.ExpiresAt != 0 {
		var err error
		if val, err = json.Marshal(indexValue{Qualifier: e.Qualifier, FlowVersion: e.FlowVersion, ExpiresAt: e.ExpiresAt}); err != nil {
			return kv.Op{}, fmt.Errorf("encode index entry of %q: %w", e.Name, err)
		}
	}
	return kv.Op{Kind: kv.OpPut, Key: indexKey(e), Value: val, ExpiresAt: e.ExpiresAt}, nil
}

// indexChange returns the index operations of the record write that turns
// was into e (was nil: e is new; was may be an expired execution of the
// same name that e replaces): store e's listing entry and delete was's,
// none when status, start time and expiry are unchanged; and the same for
// the due index (dueChange).
func indexChange(was, e *Execution) ([]kv.Op, error) {
	var ops []kv.Op
	if was == nil || was.Status != e.Status || was.ExpiresAt != e.ExpiresAt || !was.StartedTime.Equal(e.StartedTime) {
		put, err := indexPut(e)
		if err != nil {
			return nil, err
		}
		ops = addOp(ops, put)
		if was != nil {
			if old := indexKey(was); old != put.Key {
				ops = addOp(ops, kv.Op{Kind: kv.OpDelete, Key: old})
			}
		}
	}
	return dueChange(ops, was, e), nil
}

// addOp appends op to ops, making room for the at most four index
// operations of one record write at the first.
func addOp(ops []kv.Op, op kv.Op) []kv.Op {
	if ops == nil {
		ops = make([]kv.Op, 0, 4)
	}
	return append(ops, op)
}

// atomicStore is a Store with the atomic multi-key write (kv's Apply).
type atomicStore interface {
	Apply(ctx context.Context, ops []kv.Op) error
}

// atomic reports whether the store has Apply and has not refused it.
func (s *Service) atomic() bool {
	_, ok := s.store.(atomicStore)
	return ok && !s.noApply.Load()
}

// tryApply writes ops in one Apply when the store has it and has not
// refused it; done is false when it did not (ops written nothing), so the
// caller writes them one by one. A refusal (errors.ErrUnsupported: a
// DynamoDB server without transactions) is remembered for the process.
func (s *Service) tryApply(ctx context.Context, ops []kv.Op) (done bool, err error) {
	a, ok := s.store.(atomicStore)
	if !ok || s.noApply.Load() {
		return false, nil
	}
	if err := a.Apply(ctx, ops); !errors.Is(err, errors.ErrUnsupported) {
		return true, err
	}
	s.noApply.Store(true)
	return false, nil
}

// apply writes the record operation rec together with the index
// operations idx. With a store that has Apply it is one atomic write. Other
// stores (Tablestore, and DynamoDB servers without transactions such as
// dynalite) get ordered single-key writes: index entries are stored before
// the record, and removed only after it, so a listing that verifies each
// entry against its record (indexList) never misses an execution; a crash in
// between leaves only stale entries, which readers skip and delete. It
// returns kv.ErrConditionFailed (wrapped) or kv.ErrNotFound when rec's
// condition fails.
func (s *Service) apply(ctx context.Context, rec kv.Op, idx []kv.Op) error {
	if len(idx) > 0 {
		if done, err := s.tryApply(ctx, append([]kv.Op{rec}, idx...)); done {
			return err
		}
		if slices.ContainsFunc(idx, func(op kv.Op) bool { return op.Kind == kv.OpCreate }) {
			// History chunks (commitEvents) are only ever written
			// atomically with the record: report a lost round, so the
			// caller reads again and commitEvents keeps the events in
			// the record from now on.
			return fmt.Errorf("history chunks need an atomic write: %w", kv.ErrConditionFailed)
		}
	}
	for _, op := range idx {
		if op.Kind == kv.OpPut {
			if err := s.upsert(ctx, op.Key, op.Value); err != nil {
				return err
			}
		}
	}
	var err error
	switch rec.Kind {
	case kv.OpCreate:
		_, err = s.store.PutIfAbsent(ctx, rec.Key, rec.Value)
	case kv.OpSwap:
		if es, ok := s.store.(expiringStore); ok && rec.ExpiresAt > 0 {
			_, err = es.CompareAndSwapExpiring(ctx, rec.Key, rec.Version, rec.Value, rec.ExpiresAt)
		} else {
			_, err = s.store.CompareAndSwap(ctx, rec.Key, rec.Version, rec.Value)
		}
	case kv.OpDelete:
		err = s.store.Delete(ctx, rec.Key, rec.Version)
	default:
		err = fmt.Errorf("execution: record operation of kind %d", rec.Kind)
	}
	if err != nil {
		return err
	}
	for _, op := range idx {
		if op.Kind == kv.OpDelete {
			if err := s.store.Delete(ctx, op.Key, 0); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return fmt.Errorf("delete index entry %q: %w", op.Key, err)
			}
		}
	}
	return nil
}

// upsert stores value under key whatever is there (an index entry) with
// single-key conditional writes.
func (s *Service) upsert(ctx context.Context, key string, value []byte) error {
	err := kv.Retry(ctx, func() (bool, error) {
		it, err := s.store.PutIfAbsent(ctx, key, value)
		if !errors.Is(err, kv.ErrConditionFailed) {
			return false, err
		}
		_, err = s.store.CompareAndSwap(ctx, key, it.Version, value)
		return errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound), err
	})
	if err != nil {
		return fmt.Errorf("store index entry %q: %w", key, err)
	}
	return nil
}
