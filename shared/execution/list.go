package execution

import (
	"context"
	"encoding/json"
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
// flows whose index the backfill (indexFlows) has not written yet.
func (s *Service) scanList(ctx context.Context, account string, f *Flow, in ListInput, at *Execution) ([]*Execution, error) {
	p := &prefixScan{in: in, at: at, now: s.opts.Clock.Now()}
	err := s.scan(ctx, execPrefix(account, f.ID)+in.NamePrefix, func(e *Execution) error {
		p.add(e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p.page(), nil
}

// prefixScan collects the executions of a name-ordered read of the
// records under a name prefix, to list them once all are read.
type prefixScan struct {
	in    ListInput
	at    *Execution
	now   time.Time
	after string // the last record key read
	all   []*Execution
	done  bool // every record with the prefix was read
}

func (p *prefixScan) add(e *Execution) {
	if listMatch(e, p.in, p.now) {
		p.all = append(p.all, e)
	}
}

// round reads the next chunk records with the prefix.
func (p *prefixScan) round(ctx context.Context, store Store, prefix string, chunk int) error {
	items, err := store.List(ctx, prefix, p.after, chunk)
	if err != nil {
		return fmt.Errorf("list executions: %w", err)
	}
	err = decodeEach(items, func(e *Execution) error {
		p.add(e)
		return nil
	})
	if err != nil {
		return err
	}
	if len(items) > 0 {
		p.after = items[len(items)-1].Key
	}
	p.done = len(items) < chunk
	return nil
}

// page returns what was read, in listing order from at, up to
// in.Limit+1 executions.
func (p *prefixScan) page() []*Execution {
	all := p.all
	sort.Slice(all, func(i, j int) bool { return listedBefore(all[i], all[j]) })
	if p.at != nil {
		i := sort.Search(len(all), func(i int) bool { return !listedBefore(all[i], p.at) })
		all = all[i:]
	}
	return all[:min(len(all), p.in.Limit+1)]
}

// indexList returns, in listing order from at (nil: from the start), up to
// in.Limit+1 executions of flow f matching in, from the listing index
// (indexWalk). With in.NamePrefix it also reads the records with the
// prefix (prefixScan, in name order), a round of each in turn, and answers
// with whichever finishes first: a rare prefix ends the record read after
// its few matches, a common one fills the page from the index after a
// few skipped entries. A page costs at most about twice the cheaper of
// the two, O(min(M, page·N/M)) for M matches among N executions, never
// more than O(√(page·N)); exact O(page) for any prefix would need index
// entries for every prefix of every name.
func (s *Service) indexList(ctx context.Context, account string, f *Flow, in ListInput, at *Execution) ([]*Execution, error) {
	w := s.newIndexWalk(account, f, in, at)
	if in.NamePrefix == "" {
		for !w.done {
			if err := w.round(ctx); err != nil {
				return nil, err
			}
		}
		return w.out, nil
	}
	p := &prefixScan{in: in, at: at, now: w.now}
	prefix := execPrefix(account, f.ID) + in.NamePrefix
	for {
		if err := w.round(ctx); err != nil {
			return nil, err
		}
		if w.done {
			return w.out, nil
		}
		if err := p.round(ctx, s.store, prefix, w.chunk); err != nil {
			return nil, err
		}
		if p.done {
			return p.page(), nil
		}
	}
}

// indexWalk lists executions from the listing index. It walks the flow's
// index range of in.Status, or merges the ranges of all six statuses, from
// the later of at's position and in.StartedTimeEnd, and stops at
// in.StartedTimeBegin. Expiry, Qualifier and NamePrefix are checked on the
// entries themselves (the name is in the key), so skipped executions cost
// an entry each, not a record. The records of the entries that pass are
// read together (Store.GetMany: one DynamoDB BatchGetItem per page), and
// each entry is verified against its record (which the page returns
// anyway): a missing record, another execution of that name or (with
// in.Status) another status means a stale entry, skipped and, when it can
// never become true again, deleted.
//
// An execution changes status during a walk, so merged ranges are always
// read together, in the order statuses follow (Starting, Running, then the
// terminal ones), from the walk's position: an execution that moves from
// one range to a later one between two reads is in the later one when that
// is read. Two entries of one execution (its old one not yet deleted, or
// both read across its move) sort next to each other and list it once.
type indexWalk struct {
	s         *Service
	account   string
	f         *Flow
	in        ListInput
	now       time.Time
	pos       string // the walk lists entries whose tail sorts after it
	stop      string // time keys above it started before StartedTimeBegin
	last      string // the tail of the entry taken last
	ranges    []*indexRange
	chunk     int // entries read per range and round
	byVersion bool
	out       []*Execution
	done      bool
}

func (s *Service) newIndexWalk(account string, f *Flow, in ListInput, at *Execution) *indexWalk {
	w := &indexWalk{s: s, account: account, f: f, in: in, now: s.opts.Clock.Now(), chunk: in.Limit + 1}
	if !in.StartedTimeEnd.IsZero() {
		w.pos = timeKey(in.StartedTimeEnd) // before its entries
	}
	if at != nil {
		// at is the first execution of the page when it matches; the walk
		// goes on strictly after it.
		if p := timeKey(at.StartedTime) + "/" + at.Name; p > w.pos {
			w.pos = p
			if listMatch(at, in, w.now) {
				w.out = append(w.out, at)
			}
		}
	}
	if !in.StartedTimeBegin.IsZero() {
		w.stop = timeKey(in.StartedTimeBegin)
	}
	sts := statuses
	if in.Status != "" {
		sts = []Status{in.Status}
	}
	for _, st := range sts {
		w.ranges = append(w.ranges, &indexRange{status: st, prefix: indexPrefix(account, f.ID, st)})
	}
	if in.Qualifier != "" || in.NamePrefix != "" {
		// Entries are skipped: read ahead.
		w.chunk = min(listPage, 4*(in.Limit+1))
	}
	_, w.byVersion = ParseVersion(in.Qualifier)
	w.done = len(w.out) > in.Limit
	return w
}

// entryCand is an index entry that passed the entry-level filters.
type entryCand struct {
	it     kv.Item
	tk     string
	name   string
	status Status
}

// round reads the ranges that ran out once (one List each), takes the
// entries that come next in listing order until the page could be full or
// a range needs reading again, and verifies them against their records
// (one GetMany). It sets done when the page is full or the walk ended.
func (w *indexWalk) round(ctx context.Context) error {
	if slices.ContainsFunc(w.ranges, (*indexRange).drained) {
		for _, r := range w.ranges {
			if err := r.read(ctx, w.s.store, w.pos, w.chunk); err != nil {
				return fmt.Errorf("list executions of flow %q: %w", w.f.Name, err)
			}
		}
	}
	var cands []entryCand
	ended := false
	for len(w.out)+len(cands) <= w.in.Limit {
		if slices.ContainsFunc(w.ranges, (*indexRange).drained) {
			break // the next round reads them
		}
		var next *indexRange // the range whose next entry comes first
		for _, r := range w.ranges {
			if len(r.items) > 0 && (next == nil || r.tail() < next.tail()) {
				next = r
			}
		}
		if next == nil {
			ended = true
			break
		}
		it := next.items[0]
		next.items = next.items[1:]
		tail, tk, name, ok := entryTail(it.Key, next.prefix)
		if !ok || tail == w.last {
			continue
		}
		w.last, w.pos = tail, tail
		if w.stop != "" && tk > w.stop {
			ended = true // every range is past StartedTimeBegin
			break
		}
		if !strings.HasPrefix(name, w.in.NamePrefix) {
			continue
		}
		var v indexValue
		if err := json.Unmarshal(it.Value, &v); err == nil {
			if v.ExpiresAt > 0 && w.now.Unix() >= v.ExpiresAt ||
				w.in.Qualifier != "" && (w.byVersion && v.FlowVersion != w.in.Qualifier || !w.byVersion && v.Qualifier != w.in.Qualifier) {
				continue
			}
		}
		cands = append(cands, entryCand{it: it, tk: tk, name: name, status: next.status})
	}
	if len(cands) > 0 {
		keys := make([]string, len(cands))
		for i, c := range cands {
			keys[i] = Ref{Account: w.account, FlowID: w.f.ID, Name: c.name}.key()
		}
		recs, err := w.s.store.GetMany(ctx, keys)
		if err != nil {
			return fmt.Errorf("load executions of flow %q: %w", w.f.Name, err)
		}
		byKey := make(map[string]kv.Item, len(recs))
		for _, r := range recs {
			byKey[r.Key] = r
		}
		for i, c := range cands {
			var rec *kv.Item
			if r, ok := byKey[keys[i]]; ok {
				rec = &r
			}
			e, err := w.s.verifyEntry(ctx, c, rec, w.in.Status == "", w.now)
			if err != nil {
				return err
			}
			if e != nil && listMatch(e, w.in, w.now) {
				w.out = append(w.out, e)
			}
		}
	}
	w.done = ended || len(w.out) > w.in.Limit
	return nil
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

// verifyEntry returns the execution the index entry c stands for (rec:
// the record of its name, nil when there is none), in any status when
// anyStatus is set, or nil when the entry is stale. It deletes a stale
// entry (conditioned on the version read) when it cannot become true
// again: the execution has moved past the entry's status, a later
// execution of the same name replaced it, or no record came within
// staleGrace (without an atomic store entries are written just before the
// record).
func (s *Service) verifyEntry(ctx context.Context, c entryCand, rec *kv.Item, anyStatus bool, now time.Time) (*Execution, error) {
	var e *Execution
	if rec != nil {
		var err error
		if e, err = decodeExecution(*rec); err != nil {
			return nil, err
		}
	}
	it, tk, st := c.it, c.tk, c.status
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
	return orderTime(^u), true
}
