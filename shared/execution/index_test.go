package execution

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// nopEnqueuer runs nothing.
type nopEnqueuer struct{}

func (nopEnqueuer) Enqueue(context.Context, Ref) error { return nil }

// TestService_ListExecutions_StaleEntries plants the entries a crash
// between ordered writes (a store without Apply) or a backfill racing a
// transition can leave, and checks that listings skip them, that entries
// which can never become true are deleted, and that the others stay.
func TestService_ListExecutions_StaleEntries(t *testing.T) {
	ctx := context.Background()
	store := kv.NewMemStore()
	svc := New(store, Options{Enqueuer: nopEnqueuer{}, Logger: slog.New(slog.DiscardHandler)})
	t.Cleanup(func() { _ = svc.Close() })
	f, err := svc.CreateFlow(ctx, CreateFlowInput{Name: "f", Definition: "Type: StateMachine\nSpecVersion: v1\nName: f\nStartAt: P\nStates:\n  - {Name: P, Type: Pass, End: true}\n"})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b", "c"} {
		if _, err := svc.StartExecution(ctx, StartInput{FlowName: "f", ExecutionName: name}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond) // distinct start times
	}
	if _, err := svc.StopExecution(ctx, StopInput{FlowName: "f", ExecutionName: "b"}); err != nil {
		t.Fatal(err)
	}
	acct := accountOf(ctx)
	get := func(name string) *Execution {
		e, err := svc.getExecution(ctx, Ref{Account: acct, FlowID: f.ID, Name: name}, "f")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	b, c := get("b"), get("c")
	now := time.Now()
	planted := map[string]bool{ // key: deleted by the listing
		indexPrefix(acct, f.ID, Starting) + timeKey(b.StartedTime) + "/b":           true,  // b moved on to Stopped
		indexPrefix(acct, f.ID, Starting) + timeKey(now.Add(-time.Hour)) + "/ghost": true,  // no record for an hour
		indexPrefix(acct, f.ID, Succeeded) + timeKey(now.Add(time.Hour)) + "/fresh": false, // its record may be on its way
		indexPrefix(acct, f.ID, Stopped) + timeKey(c.StartedTime) + "/c":            false, // a stop of c in flight
	}
	for key := range planted {
		if _, err := store.PutIfAbsent(ctx, key, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		status Status
		want   []string
	}{
		{"", []string{"c", "b", "a"}},
		{Starting, []string{"c", "a"}},
		{Stopped, []string{"b"}},
	}
	for _, tc := range tests {
		page, next, err := svc.ListExecutions(ctx, ListInput{FlowName: "f", Limit: 10, Status: tc.status})
		var names []string
		for _, e := range page {
			names = append(names, e.Name)
		}
		if err != nil || next != "" || !slices.Equal(names, tc.want) {
			t.Errorf("ListExecutions(Status %q) = %q, %q, %v; want %q", tc.status, names, next, err, tc.want)
		}
	}
	for key, deleted := range planted {
		_, err := store.Get(ctx, key)
		if gone := errors.Is(err, kv.ErrNotFound); gone != deleted {
			t.Errorf("after listing, entry %s deleted = %v, want %v", key, gone, deleted)
		}
	}
}

// TestTimeKey checks that time keys order start times newest first and
// invert exactly.
func TestTimeKey(t *testing.T) {
	times := []time.Time{
		time.Unix(0, 0), time.Unix(0, 1), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 1, 1, 0, 0, 0, 1e6, time.UTC), time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	for i, tm := range times {
		k := timeKey(tm)
		if back, ok := keyTime(k); !ok || !back.Equal(tm) {
			t.Errorf("keyTime(timeKey(%v)) = %v, %v", tm, back, ok)
		}
		if i > 0 && k >= timeKey(times[i-1]) {
			t.Errorf("timeKey(%v) = %s, not below timeKey(%v) = %s", tm, k, times[i-1], timeKey(times[i-1]))
		}
	}
}

// TestDueKey pins the due index layout (stored: a change orphans entries):
// the shard is the FNV-1a hash of the record key modulo 16, as two hex
// digits; the time key orders due times oldest first and parseDue reads
// the entry back.
func TestDueKey(t *testing.T) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		e    Execution
		at   time.Time // zero: no entry
	}{
		{"starting", Execution{Name: "a", Status: Starting, StartedTime: base}, base},
		{"running", Execution{Name: "b-1", Status: Running, StartedTime: base, Lease: Lease{Owner: "r", Until: base.Add(time.Hour)}}, base},
		{"parked", Execution{Name: "c", Status: Running, StartedTime: base, WakeAt: base.Add(time.Minute)}, base.Add(time.Minute)},
		{"finished", Execution{Name: "d", Status: Succeeded, StartedTime: base, ExpiresAt: base.Add(time.Hour).Unix()}, base.Add(time.Hour)},
		{"finished, kept for ever", Execution{Name: "e", Status: Failed, StartedTime: base}, time.Time{}},
	}
	var prev string
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.e
			e.Account, e.FlowID = "acct", "fid"
			key, ok := dueKey(&e)
			if ok != !tc.at.IsZero() {
				t.Fatalf("dueKey(%s) = %q, %v; want an entry: %v", tc.name, key, ok, !tc.at.IsZero())
			}
			if !ok {
				return
			}
			h := fnv.New32a()
			_, _ = h.Write([]byte("exec/acct/fid/" + e.Name))
			want := fmt.Sprintf("xu/%02x/%016x/acct/fid/%s", h.Sum32()%dueShards, uint64(tc.at.UnixNano())^1<<63, e.Name)
			if key != want {
				t.Fatalf("dueKey(%s) = %q, want %q", tc.name, key, want)
			}
			d, ok := parseDue(kv.Item{Key: key}, key[:6])
			if !ok || !d.at.Equal(tc.at) || d.ref != e.ref() {
				t.Fatalf("parseDue(%q) = %+v, %v; want %v and %+v", key, d, ok, tc.at, e.ref())
			}
			if tk := key[6:22]; prev != "" && tc.at.After(base) && tk <= prev {
				t.Errorf("time key %s of %v does not sort after %s", tk, tc.at, prev)
			}
			prev = key[6:22]
		})
	}
	if got, want := indexKey(&Execution{Account: "a", FlowID: "f", Status: Running, Name: "n", StartedTime: base}), "xs/a/f/Running/"+timeKey(base)+"/n"; got != want {
		t.Errorf("indexKey = %q, want %q", got, want)
	}
	if got, want := timeKey(base), fmt.Sprintf("%016x", ^(uint64(base.UnixNano())^1<<63)); got != want {
		t.Errorf("timeKey(%v) = %q, want %q", base, got, want)
	}
}
