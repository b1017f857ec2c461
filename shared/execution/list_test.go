package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

// noApplyStore hides the store's Apply, so the service keeps its listing
// index with ordered single-key writes (as on Tablestore).
type noApplyStore struct{ execution.Store }

// listStores are the stores the listing tests run on: the in-memory and
// bbolt stores (atomic Apply), a store without Apply, and the DynamoDB
// servers whose endpoints .ci/dynamo-servers exports (DynamoDB Local with
// TransactWriteItems; dynalite without, so the service falls back to
// ordered writes).
func listStores(t *testing.T) map[string]func(t *testing.T) execution.Store {
	stores := map[string]func(t *testing.T) execution.Store{
		"mem":     func(*testing.T) execution.Store { return kv.NewMemStore() },
		"noApply": func(*testing.T) execution.Store { return noApplyStore{kv.NewMemStore()} },
		"bolt": func(t *testing.T) execution.Store {
			s, err := kv.OpenBolt(t.TempDir(), kv.BoltOptions{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = s.Close() })
			return s
		},
	}
	for name, env := range map[string]string{"dynalite": "DYNAMODB_ENDPOINT", "DynamoDBLocal": "DYNAMODB_LOCAL_ENDPOINT"} {
		endpoint := os.Getenv(env)
		if endpoint == "" {
			t.Logf("%s is not set: the listing tests skip %s (.ci/dynamo-servers start exports it)", env, name)
			continue
		}
		stores[name] = func(t *testing.T) execution.Store {
			client := dynamo.NewLocalClient(endpoint)
			table := fmt.Sprintf("list-%d", time.Now().UnixNano())
			if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
				t.Fatalf("CreateTable: %v", err)
			}
			t.Cleanup(func() {
				_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: &table})
			})
			s, err := dynamo.New(client, table)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	return stores
}

// modelExec is what the test knows about an execution it made.
type modelExec struct {
	name      string
	started   time.Time
	status    execution.Status
	qualifier string
	expired   bool
}

// listModel lists the model the way the reference orders ListExecutions
// (newest first, then by name), from the position of the execution named
// token ("" for the start), keeping the executions that match in.
func listModel(all []modelExec, in execution.ListInput, token string) []string {
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, func(a, b modelExec) int {
		if c := b.started.Compare(a.started); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	var out []string
	on := token == ""
	for _, e := range sorted {
		on = on || e.name == token
		switch {
		case !on, e.expired:
		case in.Status != "" && e.status != in.Status:
		case in.Qualifier != "" && e.qualifier != in.Qualifier:
		case !strings.HasPrefix(e.name, in.NamePrefix):
		case !in.StartedTimeBegin.IsZero() && e.started.Before(in.StartedTimeBegin):
		case !in.StartedTimeEnd.IsZero() && e.started.After(in.StartedTimeEnd):
		default:
			out = append(out, e.name)
		}
	}
	return out
}

// listAll pages through ListExecutions from token and returns the names.
func listAll(t *testing.T, svc *execution.Service, ctx context.Context, in execution.ListInput, token string) []string {
	t.Helper()
	var names []string
	in.NextToken = token
	for range 1000 {
		page, next, err := svc.ListExecutions(ctx, in)
		if err != nil {
			t.Fatalf("ListExecutions(%+v) = %v", in, err)
		}
		if len(page) > in.Limit || next != "" && len(page) < in.Limit {
			t.Fatalf("ListExecutions(%+v) = %d executions and NextToken %q, want a full page before a NextToken", in, len(page), next)
		}
		for _, e := range page {
			names = append(names, e.Name)
		}
		if next == "" {
			return names
		}
		in.NextToken = next
	}
	t.Fatalf("ListExecutions(%+v) never ended", in)
	return nil
}

// TestService_ListExecutions_Model starts, stops, runs and expires
// executions with start times that often coincide, then compares
// ListExecutions, paged with NextToken under random filters, with a model
// of what the test did; before and after Recover deletes the expired ones
// (and their index entries), on every store.
func TestService_ListExecutions_Model(t *testing.T) {
	for name, open := range listStores(t) {
		t.Run(name, func(t *testing.T) {
			seed := uint64(time.Now().UnixNano())
			t.Logf("seed %d", seed)
			rnd := rand.New(rand.NewPCG(seed, 7))
			ctx := auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
			// Real time: DynamoDB Local's TTL deletes items whose
			// expiresAt has passed by the wall clock.
			clock := &fakeClock{now: time.Now().UTC().Truncate(time.Millisecond)}
			store := open(t)
			svc := execution.New(store, execution.Options{Clock: clock, Enqueuer: &recordingEnqueuer{}, Retention: time.Hour, Logger: quiet})
			t.Cleanup(func() { _ = svc.Close() })
			f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: passChain("f", 1)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}); err != nil {
				t.Fatal(err)
			}
			var all []modelExec
			n := 60
			if strings.HasPrefix(name, "dyn") {
				n = 25 // a request per write
			}
			for i := range n {
				clock.Advance(time.Duration(rnd.IntN(3)) * time.Millisecond) // 0: same start time
				e := modelExec{name: fmt.Sprintf("e%d%s", rnd.IntN(4), fmt.Sprint(i)), started: clock.Now(), status: execution.Starting}
				if rnd.IntN(3) == 0 {
					e.qualifier = "1"
				}
				if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: e.name, Qualifier: e.qualifier}); err != nil {
					t.Fatalf("StartExecution(%s) = %v", e.name, err)
				}
				switch rnd.IntN(3) {
				case 0:
					if _, err := svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: e.name}); err != nil {
						t.Fatal(err)
					}
					e.status = execution.Stopped
				case 1:
					if err := svc.Run(ctx, execution.Ref{Account: "acct", FlowID: f.ID, Name: e.name}); err != nil {
						t.Fatal(err)
					}
					e.status = execution.Succeeded
				}
				all = append(all, e)
				if i == n/3 {
					// Those finished so far expire: their retention is an
					// hour.
					clock.Advance(2 * time.Hour)
					for j := range all {
						all[j].expired = all[j].status.Terminal()
					}
				}
			}
			check := func(t *testing.T) {
				statuses := []execution.Status{"", execution.Starting, execution.Stopped, execution.Succeeded, execution.Running}
				for range 40 {
					in := execution.ListInput{FlowName: "f", Limit: 1 + rnd.IntN(7), Status: statuses[rnd.IntN(len(statuses))]}
					if rnd.IntN(3) == 0 {
						in.Qualifier = "1"
					}
					if rnd.IntN(4) == 0 {
						in.NamePrefix = fmt.Sprintf("e%d", rnd.IntN(4))
					}
					if rnd.IntN(3) == 0 {
						in.StartedTimeBegin = all[rnd.IntN(len(all))].started
					}
					if rnd.IntN(3) == 0 {
						in.StartedTimeEnd = all[rnd.IntN(len(all))].started
					}
					token := ""
					if live := listModel(all, execution.ListInput{}, ""); rnd.IntN(3) == 0 && len(live) > 0 {
						token = live[rnd.IntN(len(live))] // a position, matching or not
					}
					got, want := listAll(t, svc, ctx, in, token), listModel(all, in, token)
					if !slices.Equal(got, want) {
						t.Fatalf("ListExecutions(%+v) from %q = %q\nwant %q", in, token, got, want)
					}
				}
			}
			t.Run("before Recover", check)
			if _, err := svc.Recover(ctx); err != nil {
				t.Fatal(err)
			}
			t.Run("after Recover", check)
			live := len(listModel(all, execution.ListInput{}, ""))
			prefix := "xs/acct/" + f.ID + "/"
			if items, err := store.List(ctx, prefix, "", 0); err != nil || len(items) != live {
				t.Errorf("List(%s) after Recover = %d entries, %v; want one per live execution, %d", prefix, len(items), err, live)
			}
		})
	}
}

// TestService_ListExecutions_Backfill lists executions stored by a version
// without the listing index (a flow record without execIndex, records
// without entries): before Recover by reading them all, after Recover from
// the index it wrote, with the same result.
func TestService_ListExecutions_Backfill(t *testing.T) {
	ctx := auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
	store := kv.NewMemStore()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	old := `{"name":"f","id":"fid","definition":"d","type":"FDL","executionMode":"Standard","createdTime":"2026-01-01T00:00:00Z","lastModifiedTime":"2026-01-01T00:00:00Z"}`
	if _, err := store.PutIfAbsent(ctx, "flow/acct/f", []byte(old)); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 30 {
		e := execution.Execution{
			Name: fmt.Sprintf("old%02d", i), FlowName: "f", FlowID: "fid", Account: "acct", FlowDefinition: "d",
			FlowMode: flow.Standard, Status: execution.Succeeded, StartedTime: base.Add(time.Duration(i) * time.Second),
		}
		val, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.PutIfAbsent(ctx, "exec/acct/fid/"+e.Name, val); err != nil {
			t.Fatal(err)
		}
		want = append([]string{e.Name}, want...)
	}
	svc := execution.New(store, execution.Options{Clock: &fakeClock{now: base.Add(time.Hour)}, Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = svc.Close() })
	in := execution.ListInput{FlowName: "f", Limit: 7, Status: execution.Succeeded}
	if got := listAll(t, svc, ctx, in, ""); !slices.Equal(got, want) {
		t.Fatalf("ListExecutions before the backfill = %q, want %q", got, want)
	}
	if _, err := svc.Recover(ctx); err != nil {
		t.Fatalf("Recover = %v", err)
	}
	f, err := svc.DescribeFlow(ctx, "f")
	if err != nil || f.ExecIndex == 0 {
		t.Fatalf("DescribeFlow after Recover = %+v, %v; want the flow marked indexed", f, err)
	}
	if items, err := store.List(ctx, "xs/acct/fid/Succeeded/", "", 0); err != nil || len(items) != len(want) {
		t.Fatalf("List(xs/acct/fid/Succeeded/) after Recover = %d entries, %v; want %d", len(items), err, len(want))
	}
	if got := listAll(t, svc, ctx, in, ""); !slices.Equal(got, want) {
		t.Fatalf("ListExecutions after the backfill = %q, want %q", got, want)
	}
	if got := listAll(t, svc, ctx, execution.ListInput{FlowName: "f", Limit: 100}, "old10"); !slices.Equal(got, want[19:]) {
		t.Fatalf("ListExecutions from old10 after the backfill = %q, want %q", got, want[19:])
	}
}

// quiet drops the services' lifecycle log lines.
var quiet = slog.New(slog.DiscardHandler)

// TestService_ListExecutions_WhileRunning lists all executions, page by
// page, over and over while they move from Starting to Running to
// Succeeded (and their index entries with them): every listing holds each
// execution exactly once, in order.
func TestService_ListExecutions_WhileRunning(t *testing.T) {
	for _, name := range []string{"mem", "noApply"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			store := listStores(t)[name](t)
			svc := execution.New(store, execution.Options{Enqueuer: &recordingEnqueuer{}, Logger: quiet})
			t.Cleanup(func() { _ = svc.Close() })
			f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: passChain("f", 3)})
			if err != nil {
				t.Fatal(err)
			}
			const n = 120
			var want []string
			for i := range n {
				name := fmt.Sprintf("e%03d", i)
				if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: name}); err != nil {
					t.Fatal(err)
				}
				want = append(want, name)
			}
			done := make(chan error, 1)
			go func() {
				for _, name := range want {
					if err := svc.Run(ctx, execution.Ref{Account: auth.DefaultAccount, FlowID: f.ID, Name: name}); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
			for listing := 0; ; listing++ {
				got := listAll(t, svc, ctx, execution.ListInput{FlowName: "f", Limit: 7}, "")
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Fatalf("listing %d while running = %d executions %q, want each of %d once", listing, len(got), got, n)
				}
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%d complete listings while the executions ran", listing+1)
					return
				default:
				}
			}
		})
	}
}

// countingStore counts the items its reads return (List, Get, GetMany)
// and keeps the keys of the items read and the prefixes listed. It has
// Apply exactly when the store it wraps does.
type countingStore struct {
	execution.Store
	mu       sync.Mutex
	items    int
	keys     map[string]bool // read with Get or GetMany
	prefixes map[string]bool // listed
}

func (c *countingStore) add(n int, prefix string, keys ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.items += n
	if c.keys == nil {
		c.keys, c.prefixes = map[string]bool{}, map[string]bool{}
	}
	for _, k := range keys {
		c.keys[k] = true
	}
	if prefix != "" {
		c.prefixes[prefix] = true
	}
}

func (c *countingStore) read() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.items
}

// reset forgets the keys and prefixes read so far.
func (c *countingStore) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keys, c.prefixes = map[string]bool{}, map[string]bool{}
}

func (c *countingStore) Get(ctx context.Context, key string) (kv.Item, error) {
	it, err := c.Store.Get(ctx, key)
	c.add(1, "", key)
	return it, err
}

func (c *countingStore) GetMany(ctx context.Context, keys []string) ([]kv.Item, error) {
	items, err := c.Store.GetMany(ctx, keys)
	c.add(len(items), "", keys...)
	return items, err
}

func (c *countingStore) List(ctx context.Context, prefix, after string, limit int) ([]kv.Item, error) {
	items, err := c.Store.List(ctx, prefix, after, limit)
	c.add(len(items), prefix)
	return items, err
}

func (c *countingStore) Apply(ctx context.Context, ops []kv.Op) error {
	a, ok := c.Store.(interface {
		Apply(context.Context, []kv.Op) error
	})
	if !ok {
		return errors.ErrUnsupported
	}
	return a.Apply(ctx, ops)
}

// TestService_ListExecutions_NamePrefixCost counts the items a NamePrefix
// page reads among 4,000 executions: a prefix nine in ten names have
// (the index walk fills the page after a few skipped entries) and one that
// five names have (their records are all read and sorted), alone and with
// Status and time filters. Every page must read a few pages' worth, not
// the executions of the flow.
func TestService_ListExecutions_NamePrefixCost(t *testing.T) {
	ctx := context.Background()
	store := &countingStore{Store: kv.NewMemStore()}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svc := execution.New(store, execution.Options{Clock: &fakeClock{now: base.Add(time.Hour)}, Enqueuer: &recordingEnqueuer{}, Logger: quiet})
	t.Cleanup(func() { _ = svc.Close() })
	def := passChain("f", 1)
	f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: def})
	if err != nil {
		t.Fatal(err)
	}
	const n = 4000
	for i := range n {
		name := fmt.Sprintf("common-%04d", i)
		switch {
		case i%800 == 7:
			name = fmt.Sprintf("rare-%04d", i)
		case i%10 == 3:
			name = fmt.Sprintf("other-%04d", i)
		}
		st := execution.Succeeded
		if i%4 == 0 {
			st = execution.Running
		}
		e := &execution.Execution{
			Name: name, FlowName: "f", FlowID: f.ID, Account: auth.DefaultAccount, FlowDefinition: def,
			FlowMode: flow.Standard, Input: "{}", Status: st, StartedTime: base.Add(time.Duration(i) * time.Millisecond), NextEventID: 1,
		}
		if err := svc.CreateExecution(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	mid := base.Add(n / 2 * time.Millisecond)
	tests := []struct {
		name string
		in   execution.ListInput
		want int
	}{
		{"common", execution.ListInput{NamePrefix: "common-"}, 20},
		{"common, Running", execution.ListInput{NamePrefix: "common-", Status: execution.Running}, 20},
		{"common, time window", execution.ListInput{NamePrefix: "common-", StartedTimeBegin: mid, StartedTimeEnd: mid.Add(time.Second)}, 20},
		{"rare", execution.ListInput{NamePrefix: "rare-"}, 5},
		{"rare, Succeeded", execution.ListInput{NamePrefix: "rare-", Status: execution.Succeeded}, 5},
		{"rare, time window", execution.ListInput{NamePrefix: "rare-", StartedTimeEnd: mid}, 3},
		{"none", execution.ListInput{NamePrefix: "zzz"}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.FlowName, in.Limit = "f", 20
			before := store.read()
			page, _, err := svc.ListExecutions(ctx, in)
			if err != nil || len(page) != tc.want {
				t.Fatalf("ListExecutions(%+v) = %d executions, %v; want %d", in, len(page), err, tc.want)
			}
			for _, e := range page {
				if !strings.HasPrefix(e.Name, in.NamePrefix) {
					t.Fatalf("ListExecutions(%+v) listed %s", in, e.Name)
				}
			}
			read := store.read() - before
			t.Logf("%d items read", read)
			if read > 400 {
				t.Errorf("ListExecutions(%+v) read %d items, want at most 400 (the flow has %d executions)", in, read, n)
			}
		})
	}
}
