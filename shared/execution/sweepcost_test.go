package execution_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo/dynamotest"
)

// TestDynamoDB_SweepAndSchedulerReads counts the requests the periodic
// work of every instance sends to a shared DynamoDB table (DynamoDB Local
// through a counting proxy): FireSchedules, which each instance runs every
// second, reads the schedules with a Query and no Scan (a Scan reads the
// whole table, executions included); Recover, the sweep, reads the due
// index with a Query or two per shard and no Scan, however many
// executions are due (501 here, more than one List page).
func TestDynamoDB_SweepAndSchedulerReads(t *testing.T) {
	endpoint := os.Getenv("DYNAMODB_LOCAL_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAMODB_LOCAL_ENDPOINT is not set: no DynamoDB Local (start one with `.ci/dynamo-servers start`)")
	}
	proxy := dynamotest.NewProxy(t, endpoint)
	client := dynamo.NewLocalClient(proxy.URL)
	table := fmt.Sprintf("sweepcost-%d", time.Now().UnixNano())
	if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		_, _ = client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	store, err := dynamo.New(client, table)
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{now: t0}
	svc, _, ctx := scheduled(t, store, clock)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("* * * * * *")}); err != nil {
		t.Fatal(err)
	}
	const started = 501
	for i := range started {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: fmt.Sprintf("x%d", i), Input: "{}"}); err != nil {
			t.Fatal(err)
		}
	}

	scans, queries := proxy.Calls("Scan"), proxy.Calls("Query")
	if n, err := svc.FireSchedules(ctx, t0, t0.Add(time.Second)); err != nil || n != 1 {
		t.Fatalf("FireSchedules = %d, %v; want the one tick", n, err)
	}
	if s, q := proxy.Calls("Scan")-scans, proxy.Calls("Query")-queries; s != 0 || q == 0 {
		t.Errorf("FireSchedules sent %d Scan and %d Query requests, want Queries only", s, q)
	}

	if _, err := svc.Recover(ctx); err != nil { // the first one also checks the flows' listing index
		t.Fatal(err)
	}
	scans, queries = proxy.Calls("Scan"), proxy.Calls("Query")
	n, err := svc.Recover(ctx)
	if err != nil || n != started+1 {
		t.Fatalf("Recover = %d, %v; want the %d Starting executions (and the tick's) enqueued", n, err, started+1)
	}
	if s := proxy.Calls("Scan") - scans; s != 0 {
		t.Errorf("Recover sent %d Scan requests, want none (it reads the due index)", s)
	}
	if q := proxy.Calls("Query") - queries; q > 2*16 {
		t.Errorf("Recover sent %d Query requests, want one or two per due index shard (16)", q)
	}
}

// TestService_Recover_ReadsOnlyDue: the sweep reads the due index and the
// records of the executions due by the next sweep, on every store: the
// Starting ones (enqueued), the parked one waking within the sweep
// interval (handed to the timer) and the expired ones (deleted). It never
// lists the execution records, and never reads a finished execution whose
// retention runs on or one parked for later, however many there are.
func TestService_Recover_ReadsOnlyDue(t *testing.T) {
	for name, open := range listStores(t) {
		t.Run(name, func(t *testing.T) {
			// An hour ahead of real time: DynamoDB Local's TTL deletes
			// items whose expiresAt has passed by the wall clock, and
			// the sweep must find the expired ones itself.
			now := time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)
			store := &countingStore{Store: open(t)}
			enq := &recordingEnqueuer{}
			svc := execution.New(store, execution.Options{Clock: &fakeClock{now: now}, Enqueuer: enq, Logger: quiet})
			t.Cleanup(func() { _ = svc.Close() })
			ctx := context.Background()
			def := passChain("f", 1)
			f, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: def})
			if err != nil {
				t.Fatal(err)
			}
			n := map[string]int{"finished": 120, "later": 40, "expired": 5, "starting": 12, "soon": 1}
			if strings.HasPrefix(name, "dyn") {
				n["finished"], n["later"] = 40, 15 // a request per write
			}
			for kind, count := range n {
				for i := range count {
					e := &execution.Execution{
						Name: fmt.Sprintf("%s%03d", kind, i), FlowName: "f", FlowID: f.ID, Account: auth.DefaultAccount,
						FlowDefinition: def, FlowMode: flow.Standard, Input: "{}", Status: execution.Running,
						StartedTime: now.Add(-time.Minute), NextEventID: 1,
					}
					switch kind {
					case "finished":
						e.Status, e.StoppedTime, e.ExpiresAt = execution.Succeeded, now, now.Add(time.Hour).Unix()
					case "expired":
						e.Status, e.StoppedTime, e.ExpiresAt = execution.Succeeded, now.Add(-2*time.Hour), now.Add(-time.Second).Unix()
					case "later":
						e.WakeAt = now.Add(time.Hour)
					case "soon":
						e.WakeAt = now.Add(execution.DefaultSweepInterval / 2)
					case "starting":
						e.Status = execution.Starting
					}
					if err := svc.CreateExecution(ctx, e); err != nil {
						t.Fatal(err)
					}
				}
			}

			store.reset()
			got, err := svc.Recover(ctx)
			if err != nil || got != n["starting"] {
				t.Fatalf("Recover = %d, %v; want the %d Starting executions enqueued", got, err, n["starting"])
			}
			for key := range store.keys {
				if name := key[strings.LastIndexByte(key, '/')+1:]; strings.HasPrefix(name, "finished") || strings.HasPrefix(name, "later") {
					t.Errorf("Recover read %s, which is not due", key)
				}
			}
			for prefix := range store.prefixes {
				expiredOnes := strings.Contains(prefix, "/expired") // their history, deleted with them
				if !strings.HasPrefix(prefix, "xu/") && prefix != "flow/" && !expiredOnes {
					t.Errorf("Recover listed %q; want only the due index (xu/), the flows and the expired executions' history", prefix)
				}
			}
			for i := range n["expired"] {
				name := fmt.Sprintf("expired%03d", i)
				if _, err := store.Store.Get(ctx, "exec/"+auth.DefaultAccount+"/"+f.ID+"/"+name); !errors.Is(err, kv.ErrNotFound) {
					t.Errorf("expired execution %s after Recover: Get = %v, want kv.ErrNotFound", name, err)
				}
			}
			if got := len(store.keys); got > n["starting"]+n["soon"]+n["expired"]+2 {
				t.Errorf("Recover read %d records, want the %d due ones", got, n["starting"]+n["soon"]+n["expired"])
			}
		})
	}
}

// TestService_Recover_BackfillsDueIndex: executions stored before the due
// index existed (a flow at ExecIndex 1, records without due entries, one
// of a flow deleted since) are found by the first Recover: it writes their
// entries in one pass over the records, marks the flow, and then acts on
// them as on any other: the Starting one is enqueued, the expired ones are
// deleted, the finished one that is kept stays unread by later sweeps.
func TestService_Recover_BackfillsDueIndex(t *testing.T) {
	for name, open := range listStores(t) {
		t.Run(name, func(t *testing.T) {
			now := time.Now().UTC().Truncate(time.Millisecond)
			store := &countingStore{Store: open(t)}
			ctx := context.Background()
			flowRec := `{"name":"f","id":"fid","definition":"d","type":"FDL","executionMode":"Standard","createdTime":"2026-01-01T00:00:00Z","lastModifiedTime":"2026-01-01T00:00:00Z","execIndex":1}`
			if _, err := store.PutIfAbsent(ctx, "flow/acct/f", []byte(flowRec)); err != nil {
				t.Fatal(err)
			}
			records := []struct {
				flowID string
				e      execution.Execution
			}{
				{"fid", execution.Execution{Name: "starting", Status: execution.Starting}},
				{"fid", execution.Execution{Name: "kept", Status: execution.Succeeded, StoppedTime: now, ExpiresAt: now.Add(time.Hour).Unix()}},
				{"fid", execution.Execution{Name: "expired", Status: execution.Succeeded, StoppedTime: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute).Unix()}},
				{"gone", execution.Execution{Name: "orphan", Status: execution.Stopped, StoppedTime: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute).Unix()}},
			}
			for _, r := range records {
				e := r.e
				e.FlowName, e.FlowID, e.Account, e.FlowDefinition, e.FlowMode, e.StartedTime = "f", r.flowID, "acct", "d", flow.Standard, now.Add(-2*time.Hour)
				val, err := json.Marshal(e)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := store.PutIfAbsent(ctx, "exec/acct/"+r.flowID+"/"+e.Name, val); err != nil {
					t.Fatal(err)
				}
			}
			enq := &recordingEnqueuer{}
			svc := execution.New(store, execution.Options{Clock: &fakeClock{now: now}, Enqueuer: enq, Logger: quiet})
			t.Cleanup(func() { _ = svc.Close() })
			actx := auth.NewContext(ctx, auth.Identity{AccountID: "acct"})

			if n, err := svc.Recover(ctx); err != nil || n != 1 {
				t.Fatalf("first Recover = %d, %v; want the Starting execution enqueued", n, err)
			}
			for _, key := range []string{"exec/acct/fid/expired", "exec/acct/gone/orphan"} {
				if _, err := store.Get(ctx, key); !errors.Is(err, kv.ErrNotFound) {
					t.Errorf("Get(%s) after Recover = %v, want kv.ErrNotFound (expired)", key, err)
				}
			}
			if f, err := svc.DescribeFlow(actx, "f"); err != nil || f.ExecIndex != 2 {
				t.Fatalf("DescribeFlow after Recover = %+v, %v; want ExecIndex 2", f, err)
			}
			items, err := store.List(ctx, "xu/", "", 0)
			if err != nil || len(items) != 2 {
				t.Errorf("due entries after Recover = %d, %v; want 2 (starting, kept)", len(items), err)
			}

			store.reset()
			if n, err := svc.Recover(ctx); err != nil || n != 1 {
				t.Fatalf("second Recover = %d, %v; want the Starting execution enqueued again (nobody ran it)", n, err)
			}
			if store.keys["exec/acct/fid/kept"] || store.prefixes["exec/"] {
				t.Errorf("second Recover read %v and listed %v; want neither the kept execution nor the records", store.keys, store.prefixes)
			}
		})
	}
}
