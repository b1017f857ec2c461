package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Event is one committed history event of a Standard execution (reference
// 9.5). Detail is a JSON object text.
type Event struct {
	ID         int64     `json:"id"`
	ScheduleID int64     `json:"sid,omitempty"`
	Type       string    `json:"type"`
	StepName   string    `json:"step,omitempty"`
	Time       time.Time `json:"time"`
	Detail     string    `json:"detail,omitempty"`
}

// HistoryInput holds GetExecutionHistory's parameters.
type HistoryInput struct {
	FlowName      string
	ExecutionName string
	Limit         int   // 1..1000
	NextToken     int64 // EventId of the first event to return; 0 means the first
}

// eventBuffer is the per-run interp.Recorder: it collects the events of the
// step in progress until the runner commits them.
type eventBuffer struct {
	mu  sync.Mutex
	evs []Event
}

// Record implements interp.Recorder.
func (b *eventBuffer) Record(_ string, ev interp.Event) {
	b.mu.Lock()
	b.evs = append(b.evs, Event{
		ID: ev.ID, ScheduleID: ev.ScheduleID, Type: string(ev.Type), StepName: ev.StepName,
		Time: ev.Time.UTC().Truncate(time.Millisecond), Detail: ev.Detail,
	})
	b.mu.Unlock()
}

// take returns and forgets the buffered events.
func (b *eventBuffer) take() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := b.evs
	b.evs = nil
	return evs
}

// drop forgets the first n buffered events (committed by flushEvents).
func (b *eventBuffer) drop(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.evs = append([]Event(nil), b.evs[n:]...)
}

// peekBelow returns the buffered events whose EventId is below id.
func (b *eventBuffer) peekBelow(id int64) []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for n < len(b.evs) && b.evs[n].ID < id {
		n++
	}
	return append([]Event(nil), b.evs[:n]...)
}

// peek returns the buffered events without forgetting them.
func (b *eventBuffer) peek() []Event {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Event(nil), b.evs...)
}

// chunkKey is the key of a history chunk whose last event is lastID; keys
// sort by lastID.
func chunkKey(ref Ref, lastID int64) string {
	return histPrefix(ref) + fmt.Sprintf("%019d", lastID)
}

// holdBytes is how many bytes of committed events a record holds on a
// store with Apply (or Options.HistorySpillBytes if less) before they move
// to a chunk key: a short history (the first step of a parked execution)
// costs no key of its own, and a step rewrites at most this much of older
// events.
const holdBytes = 1 << 10

// commitEvents appends evs to the record e about to be written.
//
// The record holds the latest committed events (Execution.Events) while
// they are few; older ones live in chunk keys. On a store with Apply
// (atomicStore) the record holds at most holdBytes of them: a step whose
// events would take it past that moves the held events and its own into
// one chunk key, created in the same atomic write as the record
// (Execution.chunks, written by compareAndSwap), so a step writes a
// bounded number of bytes whatever the history's length.
//
// Otherwise, when the events already held in e (committed by an earlier
// write, so identical for every writer that read this version) reach
// Options.HistorySpillBytes, they move to their own chunk key first,
// written with PutIfAbsent: a chunk that already exists was written by
// another runner from the same committed events, so losing that race is
// success.
func (s *Service) commitEvents(ctx context.Context, ref Ref, e *Execution, evs []Event) error {
	var enc []byte
	if len(evs) > 0 {
		var err error
		if enc, err = json.Marshal(evs); err != nil {
			return fmt.Errorf("encode history of %q: %w", ref.Name, err)
		}
	}
	if s.atomic() {
		if len(enc) == 0 {
			return nil
		}
		all := joinEvents(e.Events, enc)
		last := evs[len(evs)-1].ID
		if len(all) > min(holdBytes, s.opts.HistorySpillBytes) {
			e.chunks = append(e.chunks, kv.Op{Kind: kv.OpCreate, Key: chunkKey(ref, last), Value: all})
			all = nil
		}
		e.Events, e.NextEventID = all, last+1
		return nil
	}
	if len(e.Events) >= s.opts.HistorySpillBytes {
		// The held events end just before NextEventID.
		if _, err := s.store.PutIfAbsent(ctx, chunkKey(ref, e.NextEventID-1), e.Events); err != nil && !errors.Is(err, kv.ErrConditionFailed) {
			return fmt.Errorf("store history of %q: %w", ref.Name, err)
		}
		e.Events = nil
	}
	if len(enc) == 0 {
		return nil
	}
	e.Events = joinEvents(e.Events, enc)
	e.NextEventID = evs[len(evs)-1].ID + 1
	return nil
}

// joinEvents returns the JSON array of the events of the arrays held and
// enc, in that order: [old...] + [new...] = [old...,new...]. It is a fresh
// slice unless held is empty, since held shares its bytes with the record
// it was copied from.
func joinEvents(held, enc []byte) []byte {
	if len(held) == 0 {
		return enc
	}
	joined := make([]byte, 0, len(held)+len(enc))
	joined = append(joined, held[:len(held)-1]...)
	joined = append(joined, ',')
	return append(joined, enc[1:]...)
}

// appendExecutionEvent adds an execution-level event (ScheduleEventId 0)
// after the committed ones, for changes made outside the engine
// (StopExecution).
func (s *Service) appendExecutionEvent(ctx context.Context, ref Ref, e *Execution, typ interp.EventType, errName, cause string) error {
	d, err := json.Marshal(map[string]string{"Error": errName, "Cause": cause})
	if err != nil {
		return fmt.Errorf("encode event detail: %w", err)
	}
	id := max(e.NextEventID, 1)
	return s.commitEvents(ctx, ref, e, []Event{{ID: id, Type: string(typ), Time: s.now(), Detail: string(d)}})
}

// GetExecutionHistory returns up to in.Limit committed history events of an
// execution of the caller's flow, in EventId order from in.NextToken, and
// the EventId of the next event as a decimal string ("" on the last page).
// Events of the step in progress appear once the step is persisted. It
// returns ResourceError(ErrFlowNotFound), ResourceError(ErrExecutionNotFound),
// or an ArgumentError when NextToken is past the last event.
func (s *Service) GetExecutionHistory(ctx context.Context, in HistoryInput) ([]Event, string, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, "", err
	}
	ref := Ref{Account: account, FlowID: f.ID, Name: in.ExecutionName}
	e, err := s.getExecution(ctx, ref, f.Name)
	if err != nil {
		return nil, "", err
	}
	from := max(in.NextToken, 1)
	if in.NextToken > 0 && in.NextToken >= max(e.NextEventID, 1) {
		return nil, "", invalid("NextToken", "NextToken %d names no event of execution %s.", in.NextToken, e.Name)
	}
	want := in.Limit + 1 // one more tells whether there is a next page
	out := make([]Event, 0, min(want, 64))
	err = s.scanEvents(ctx, ref, e, from, func(ev Event) bool {
		out = append(out, ev)
		return len(out) < want
	})
	if err != nil {
		return nil, "", err
	}
	if len(out) > in.Limit {
		return out[:in.Limit], strconv.FormatInt(out[in.Limit].ID, 10), nil
	}
	return out, "", nil
}

// scanEvents calls fn with the committed events of e (the record of ref)
// from EventId from on, in order, until fn returns false: first those in
// history chunks, then those held in the record.
func (s *Service) scanEvents(ctx context.Context, ref Ref, e *Execution, from int64, fn func(Event) bool) error {
	var held []Event
	if len(e.Events) > 0 {
		if err := json.Unmarshal(e.Events, &held); err != nil {
			return fmt.Errorf("decode history of %q: %w", e.Name, err)
		}
	}
	if len(held) == 0 || from < held[0].ID {
		// Older events live in chunks keyed by their last EventId: start
		// at the first chunk whose last event is at or after from.
		after := chunkKey(ref, from-1)
		// A page usually needs a few chunks: read 32, then twice as many
		// each round, up to listPage.
		for limit := 32; ; limit = min(listPage, 2*limit) {
			items, err := s.store.List(ctx, histPrefix(ref), after, limit)
			if err != nil {
				return fmt.Errorf("list history of %q: %w", e.Name, err)
			}
			for _, it := range items {
				var evs []Event
				if err := json.Unmarshal(it.Value, &evs); err != nil {
					return fmt.Errorf("decode history chunk %q: %w", it.Key, err)
				}
				for _, ev := range evs {
					if ev.ID >= from && (len(held) == 0 || ev.ID < held[0].ID) && !fn(ev) {
						return nil
					}
				}
				after = it.Key
			}
			if len(items) < limit {
				break
			}
		}
	}
	for _, ev := range held {
		if ev.ID >= from && !fn(ev) {
			return nil
		}
	}
	return nil
}

// loadOutputs is interp.Execution.LoadOutputs for the stored execution
// ref: the Output of the last BranchExited or IterationExited event per
// Index with ScheduleEventId sched and EventId since or later, read from
// the committed history.
func (s *Service) loadOutputs(ctx context.Context, ref Ref, sched, since int64) (map[int]json.RawMessage, error) {
	e, err := s.getExecution(ctx, ref, "")
	if err != nil {
		return nil, err
	}
	out := map[int]json.RawMessage{}
	var derr error
	err = s.scanEvents(ctx, ref, e, max(since, 1), func(ev Event) bool {
		if ev.ScheduleID != sched || (ev.Type != string(interp.BranchExited) && ev.Type != string(interp.IterationExited)) {
			return true
		}
		var d struct {
			Output json.RawMessage
			Index  int
		}
		if err := json.Unmarshal([]byte(ev.Detail), &d); err != nil {
			derr = fmt.Errorf("decode event %d of %q: %w", ev.ID, ref.Name, err)
			return false
		}
		out[d.Index] = d.Output
		return true
	})
	if err == nil {
		err = derr
	}
	return out, err
}
