package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// listMatch reports whether ListExecutions lists e under in's filters.
func listMatch(e *Execution, in ListInput, now time.Time) bool {
	_, byVersion := ParseVersion(in.Qualifier)
	switch {
	case e.expired(now):
	case in.Qualifier != "" && byVersion && e.FlowVersion != in.Qualifier:
	case in.Qualifier != "" && !byVersion && e.Qualifier != in.Qualifier:
	case in.Status != "" && e.Status != in.Status:
	case !in.StartedTimeBegin.IsZero() && e.StartedTime.Before(in.StartedTimeBegin):
	case !in.StartedTimeEnd.IsZero() && e.StartedTime.After(in.StartedTimeEnd):
	case !strings.HasPrefix(e.Name, in.NamePrefix):
	default:
		return true
	}
	return false
}

// scanList returns, in listing order from at (nil: from the start), up to
// in.Limit+1 executions of flow f matching in, by reading every execution
// whose name starts with in.NamePrefix: O(those executions). It serves
// NamePrefix, whose matches are one key range of the records, and flows
// whose index the backfill (indexFlows) has not written yet.
func (s *Service) scanList(ctx context.Context, account string, f *Flow, in ListInput, at *Execution) ([]*Execution, error) {
	var all []*Execution
	now := s.opts.Clock.Now()
	err := s.scan(ctx, execPrefix(account, f.ID)+in.NamePrefix, func(e *Execution) error {
		if listMatch(e, in, now) {
			all = append(all, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(all, func(i, j int) bool { return listedBefore(all[i], all[j]) })
	if at != nil {
		i := sort.Search(len(all), func(i int) bool { return !listedBefore(all[i], at) })
		all = all[i:]
	}
	return all[:min(len(all), in.Limit+1)], nil
}

// indexList returns, in listing order from at (nil: from the start), up to
// in.Limit+1 executions of flow f matching in. It walks the flow's index
// range of in.Status, or merges the ranges of all six statuses, from the
// later of at's position and in.StartedTimeEnd, and stops at
// in.StartedTimeBegin. Expiry and Qualifier are checked on the entries
// themselves, so skipped executions cost an entry each, not a record.
// Every entry that passes is verified against the record it names (which
// the page returns anyway): a missing record, another execution of that
// name or (with in.Status) another status means a stale entry, skipped
// and, when it can never become true again, deleted.
//
// An execution changes status during a walk, so merged ranges are always
// read together, in the order statuses follow (Starting, Running, then the
// terminal ones), from the walk's position: an execution that moves from
// one range to a later one between two reads is in the later one when that
// is read. Two entries of one execution (its old one not yet deleted, or
// both read across its move) sort next to each other and list it once.
func (s *Service) indexList(ctx context.Context, account string, f *Flow, in ListInput, at *Execution) ([]*Execution, error) {
	now := s.opts.Clock.Now()
	pos := "" // the walk lists entries whose tail sorts after it
	if !in.StartedTimeEnd.IsZero() {
		pos = timeKey(in.StartedTimeEnd) // before its entries
	}
	var out []*Execution
	if at != nil {
		// at is the first execution of the page when it matches; the walk
		// goes on strictly after it.
		if p := timeKey(at.StartedTime) + "/" + at.Name; p > pos {
			pos = p
			if listMatch(at, in, now) {
				out = append(out, at)
			}
		}
	}
	stop := "" // time keys above it started before StartedTimeBegin
	if !in.StartedTimeBegin.IsZero() {
		stop = timeKey(in.StartedTimeBegin)
	}
	sts := statuses
	if in.Status != "" {
		sts = []Status{in.Status}
	}
	ranges := make([]*indexRange, len(sts))
	for i, st := range sts {
		ranges[i] = &indexRange{status: st, prefix: indexPrefix(account, f.ID, st)}
	}
	chunk := in.Limit + 1
	if in.Qualifier != "" {
		chunk = listPage // entries are skipped: read ahead
	}
	_, byVersion := ParseVersion(in.Qualifier)
	last := "" // the tail of the entry taken last
	for len(out) <= in.Limit {
		if slices.ContainsFunc(ranges, (*indexRange).drained) {
			for _, r := range ranges {
				if err := r.read(ctx, s.store, pos, chunk); err != nil {
					return nil, fmt.Errorf("list executions of flow %q: %w", f.Name, err)
				}
			}
		}
		var next *indexRange // the range whose next entry comes first
		for _, r := range ranges {
			if len(r.items) > 0 && (next == nil || r.tail() < next.tail()) {
				next = r
			}
		}
		if next == nil {
			break
		}
		it := next.items[0]
		next.items = next.items[1:]
		tail, tk, name, ok := entryTail(it.Key, next.prefix)
		if !ok || tail == last {
			continue
		}
		last, pos = tail, tail
		if stop != "" && tk > stop {
			break // every range is past StartedTimeBegin
		}
		var v indexValue
		if err := json.Unmarshal(it.Value, &v); err == nil {
			if v.ExpiresAt > 0 && now.Unix() >= v.ExpiresAt ||
				in.Qualifier != "" && (byVersion && v.FlowVersion != in.Qualifier || !byVersion && v.Qualifier != in.Qualifier) {
				continue
			}
		}
		e, err := s.verifyEntry(ctx, Ref{Account: account, FlowID: f.ID, Name: name}, it, tk, next.status, in.Status == "", now)
		if err != nil {
			return nil, err
		}
		if e != nil && listMatch(e, in, now) {
			out = append(out, e)
		}
	}
	return out, nil
}

// indexRange holds the entries read ahead from one status range of the
// index.
type indexRange struct {
	status Status
	prefix string
	items  []kv.Item // read, not yet taken
	done   bool      // no entries followed items when they were read
}

// drained reports whether r must be read again to go on.
func (r *indexRange) drained() bool { return len(r.items) == 0 && !r.done }

// read replaces r's entries with up to chunk entries whose tail sorts after
// pos ("": from the start).
func (r *indexRange) read(ctx context.Context, store Store, pos string, chunk int) error {
	after := ""
	if pos != "" {
		after = r.prefix + pos
	}
	items, err := store.List(ctx, r.prefix, after, chunk)
	if err != nil {
		return err
	}
	r.items, r.done = items, len(items) < chunk
	return nil
}

// tail is the listing position of r's next entry.
func (r *indexRange) tail() string { return strings.TrimPrefix(r.items[0].Key, r.prefix) }

// statusRank orders statuses the way an execution moves through them.
func statusRank(st Status) int {
	switch {
	case st == Starting:
		return 0
	case st == Running:
		return 1
	}
	return 2
}

// verifyEntry returns the execution the index entry it (time key tk, in
// the range of status st) stands for, in any status when anyStatus is set,
// or nil when the entry is
// stale. It deletes a stale entry (conditioned on the version read) when it
// cannot become true again: the execution has moved past st, a later
// execution of the same name replaced it, or no record came within
// staleGrace (without an atomic store entries are written just before the
// record).
func (s *Service) verifyEntry(ctx context.Context, ref Ref, it kv.Item, tk string, st Status, anyStatus bool, now time.Time) (*Execution, error) {
	rec, err := s.store.Get(ctx, ref.key())
	var e *Execution
	switch {
	case errors.Is(err, kv.ErrNotFound):
	case err != nil:
		return nil, fmt.Errorf("load execution %q: %w", ref.Name, err)
	default:
		if e, err = decodeExecution(rec); err != nil {
			return nil, err
		}
	}
	var drop bool
	switch {
	case e != nil && timeKey(e.StartedTime) == tk:
		drop = statusRank(e.Status) > statusRank(st)
		if drop {
			_ = s.store.Delete(ctx, it.Key, it.Version) // best effort: the next reader retries
		}
		if e.Status == st || anyStatus {
			// Without a status filter the execution is listed once,
			// through whichever of its entries comes first.
			return e, nil
		}
		return nil, nil
	case e != nil && timeKey(e.StartedTime) < tk: // newer than the entry
		drop = true
	default:
		t, ok := keyTime(tk)
		drop = ok && now.Sub(t) > staleGrace
	}
	if drop {
		_ = s.store.Delete(ctx, it.Key, it.Version)
	}
	return nil, nil
}

// keyTime inverts timeKey.
func keyTime(tk string) (time.Time, bool) {
	u, err := strconv.ParseUint(tk, 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(^u^1<<63)), true
}

// indexFlows writes the listing index entries of the executions of every
// flow stored before the index existed (Flow.ExecIndex below
// execIndexVersion) and then marks the flow, so its listings move from
// scanList to indexList. Recover runs it once per service; it is
// idempotent, and executions started meanwhile write their own entries.
func (s *Service) indexFlows(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	after := ""
	for {
		items, err := s.store.List(ctx, "flow/", after, listPage)
		if err != nil {
			return fmt.Errorf("list flows: %w", err)
		}
		for _, it := range items {
			var f Flow
			if err := json.Unmarshal(it.Value, &f); err != nil {
				return fmt.Errorf("decode flow %q: %w", it.Key, err)
			}
			account, _, ok := strings.Cut(strings.TrimPrefix(it.Key, "flow/"), "/")
			if ok && f.ExecIndex < execIndexVersion {
				if err := s.indexFlow(ctx, account, &f); err != nil {
					return err
				}
			}
		}
		if len(items) < listPage {
			break
		}
		after = items[len(items)-1].Key
	}
	s.indexed.Store(true)
	return nil
}

// indexFlow writes the index entries of flow f's executions, several
// executions per write where the store has Apply, then marks the flow.
func (s *Service) indexFlow(ctx context.Context, account string, f *Flow) error {
	var batch []kv.Op
	flush := func() error {
		defer func() { batch = batch[:0] }()
		if a, ok := s.store.(atomicStore); ok && !s.noApply.Load() && len(batch) > 0 {
			err := a.Apply(ctx, batch)
			if !errors.Is(err, errors.ErrUnsupported) {
				return err
			}
			s.noApply.Store(true)
		}
		for _, op := range batch {
			if err := s.upsert(ctx, op.Key, op.Value); err != nil {
				return err
			}
		}
		return nil
	}
	now := s.opts.Clock.Now()
	err := s.scan(ctx, execPrefix(account, f.ID), func(e *Execution) error {
		if e.expired(now) {
			return nil // Recover deletes it
		}
		op, err := indexPut(e)
		if err != nil {
			return err
		}
		if len(batch) == kv.MaxOps {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, op)
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("index executions of flow %q: %w", f.Name, err)
	}
	err = kv.Retry(ctx, func() (bool, error) {
		cur, version, err := s.getFlow(ctx, account, f.Name)
		if errors.Is(err, ErrFlowNotFound) {
			return false, nil // deleted meanwhile: nothing to mark
		}
		if err != nil || cur.ID != f.ID || cur.ExecIndex >= execIndexVersion {
			return false, err
		}
		cur.ExecIndex = execIndexVersion
		val, err := json.Marshal(cur)
		if err != nil {
			return false, fmt.Errorf("encode flow %q: %w", f.Name, err)
		}
		_, err = s.store.CompareAndSwap(ctx, flowKey(account, f.Name), version, val)
		return errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound), err
	})
	if err != nil {
		return fmt.Errorf("mark flow %q indexed: %w", f.Name, err)
	}
	return nil
}
