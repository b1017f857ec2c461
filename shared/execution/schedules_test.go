package execution_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/kv/dynamo"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// scheduled is a service on store with a fake clock at t0, whose started
// executions are only recorded, with flow "f" in account "acct".
func scheduled(t *testing.T, store execution.Store, clock *fakeClock) (*execution.Service, *recordingEnqueuer, context.Context) {
	t.Helper()
	enq := &recordingEnqueuer{}
	svc := execution.New(store, execution.Options{Clock: clock, Engine: openEngine(), Enqueuer: enq})
	t.Cleanup(func() { _ = svc.Close() })
	return svc, enq, auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
}

// executionNames lists the names of flow f's executions, sorted.
func executionNames(t *testing.T, svc *execution.Service, ctx context.Context) []string {
	t.Helper()
	es, _, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 100})
	if err != nil {
		t.Fatalf("ListExecutions = %v", err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name)
	}
	sort.Strings(names)
	return names
}

func equalNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestService_Schedules_CRUD(t *testing.T) {
	clock := &fakeClock{now: t0}
	svc, _, ctx := scheduled(t, kv.NewMemStore(), clock)
	f := mustCreate(t, svc, ctx, "f")
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "quick", Definition: gateDef("quick"), ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}
	sc, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "b", CronExpression: ptr("0 * * * * *"), Payload: ptr(`{"a":1}`)})
	if err != nil {
		t.Fatalf("CreateSchedule = %v", err)
	}
	if !sc.Enable || sc.FlowID != f.ID || sc.ID == "" || !sc.CreatedTime.Equal(t0) || sc.Payload != `{"a":1}` {
		t.Errorf("CreateSchedule = %+v, want enabled, flow %s, an id, created at %s, the payload", sc, f.ID, t0)
	}
	for _, name := range []string{"a", "c"} {
		if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: name, CronExpression: ptr("@every 1m"), Enable: ptr(false)}); err != nil {
			t.Fatal(err)
		}
	}
	errTests := []struct {
		name string
		in   execution.ScheduleInput
		want error
	}{
		{"exists", execution.ScheduleInput{FlowName: "f", ScheduleName: "b", CronExpression: ptr("@every 1m")}, execution.ErrScheduleExists},
		{"no flow", execution.ScheduleInput{FlowName: "nope", ScheduleName: "x", CronExpression: ptr("@every 1m")}, execution.ErrFlowNotFound},
		{"express flow", execution.ScheduleInput{FlowName: "quick", ScheduleName: "x", CronExpression: ptr("@every 1m")}, execution.ErrInvalidArgument},
		{"bad cron", execution.ScheduleInput{FlowName: "f", ScheduleName: "x", CronExpression: ptr("* * * * *")}, execution.ErrInvalidArgument},
	}
	for _, tc := range errTests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := svc.CreateSchedule(ctx, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("CreateSchedule(%+v) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}

	clock.Advance(time.Minute)
	up, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "a", Enable: ptr(true), Description: ptr("on")})
	if err != nil {
		t.Fatalf("UpdateSchedule = %v", err)
	}
	if !up.Enable || up.Description != "on" || up.CronExpression != "@every 1m" || !up.LastModifiedTime.Equal(t0.Add(time.Minute)) || !up.ActiveSince.Equal(t0.Add(time.Minute)) {
		t.Errorf("UpdateSchedule = %+v, want enabled, described, cron kept, modified and active since t0+1m", up)
	}
	if _, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "zz"}); !errors.Is(err, execution.ErrScheduleNotFound) {
		t.Errorf("UpdateSchedule(unknown) = %v, want ErrScheduleNotFound", err)
	}
	if _, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "a", CronExpression: ptr("@every 1ms")}); !errors.Is(err, execution.ErrInvalidArgument) {
		t.Errorf("UpdateSchedule(bad cron) = %v, want ErrInvalidArgument", err)
	}

	page, next, err := svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 2})
	if err != nil || len(page) != 2 || page[0].Name != "a" || page[1].Name != "b" || next != "c" {
		t.Fatalf("ListSchedules(Limit 2) = %v, %q, %v; want a, b and next c", page, next, err)
	}
	page, next, err = svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 2, NextToken: next})
	if err != nil || len(page) != 1 || page[0].Name != "c" || next != "" {
		t.Fatalf("ListSchedules(NextToken c) = %v, %q, %v; want c and no next", page, next, err)
	}

	if err := svc.DeleteSchedule(ctx, "f", "c"); err != nil {
		t.Fatalf("DeleteSchedule = %v", err)
	}
	if _, err := svc.DescribeSchedule(ctx, "f", "c"); !errors.Is(err, execution.ErrScheduleNotFound) {
		t.Errorf("DescribeSchedule(deleted) = %v, want ErrScheduleNotFound", err)
	}
	if err := svc.DeleteSchedule(ctx, "f", "c"); !errors.Is(err, execution.ErrScheduleNotFound) {
		t.Errorf("DeleteSchedule(deleted) = %v, want ErrScheduleNotFound", err)
	}
	// Another account sees none of them.
	other := auth.NewContext(context.Background(), auth.Identity{AccountID: "other"})
	if _, err := svc.DescribeSchedule(other, "f", "a"); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("DescribeSchedule(other account) = %v, want ErrFlowNotFound", err)
	}

	// A deleted flow takes its schedules along; a re-created one has none.
	if err := svc.DeleteFlow(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DescribeSchedule(ctx, "f", "a"); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("DescribeSchedule(deleted flow) = %v, want ErrFlowNotFound", err)
	}
	mustCreate(t, svc, ctx, "f")
	if page, _, err := svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 10}); err != nil || len(page) != 0 {
		t.Errorf("ListSchedules(re-created flow) = %v, %v; want none", page, err)
	}
}

func TestService_FireSchedules(t *testing.T) {
	store := kv.NewMemStore()
	clock := &fakeClock{now: t0.Add(5 * time.Second)}
	svc, enq, ctx := scheduled(t, store, clock)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("*/10 * * * * *"), Payload: ptr(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	// Every tick in (since, now] fires, with the payload as input.
	if _, err := svc.FireSchedules(ctx, t0.Add(5*time.Second), t0.Add(35*time.Second)); err != nil {
		t.Fatalf("FireSchedules = %v", err)
	}
	want := []string{"schedule-s-20260101T000010Z", "schedule-s-20260101T000020Z", "schedule-s-20260101T000030Z"}
	if got := executionNames(t, svc, ctx); !equalNames(got, want) {
		t.Fatalf("executions = %v, want %v", got, want)
	}
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: want[0]})
	if err != nil || e.Input != `{"a":1}` {
		t.Errorf("tick execution = %+v, %v; want Input {\"a\":1}", e, err)
	}
	// An overlapping pass starts nothing again.
	if _, err := svc.FireSchedules(ctx, t0, t0.Add(35*time.Second)); err != nil {
		t.Fatalf("FireSchedules(again) = %v", err)
	}
	if got := executionNames(t, svc, ctx); !equalNames(got, want) {
		t.Errorf("executions after a second pass = %v, want %v", got, want)
	}
	if n := len(enq.take()); n != 3 {
		t.Errorf("%d executions enqueued, want 3", n)
	}
	// Enable=false pauses.
	if _, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", Enable: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FireSchedules(ctx, t0.Add(35*time.Second), t0.Add(65*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := executionNames(t, svc, ctx); len(got) != 3 {
		t.Errorf("executions while disabled = %v, want the 3 earlier ones", got)
	}
	// Re-enabled at t0+65s: only ticks from then on fire.
	clock.Advance(60 * time.Second)
	if _, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", Enable: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.FireSchedules(ctx, t0.Add(35*time.Second), t0.Add(75*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := executionNames(t, svc, ctx); len(got) != 4 || got[3] != "schedule-s-20260101T000110Z" {
		t.Errorf("executions after re-enabling = %v, want one more at 00:01:10", got)
	}
}

// TestService_FireSchedules_Restart: a new process (since zero) fires only
// the latest missed tick, and only when it is younger than a minute; a tick
// the old process fired is not fired again.
func TestService_FireSchedules_Restart(t *testing.T) {
	for name, open := range sharedStores() {
		t.Run(name, func(t *testing.T) { testRestart(t, open(t)) })
	}
}

func testRestart(t *testing.T, store execution.Store) {
	clock := &fakeClock{now: t0}
	first, _, ctx := scheduled(t, store, clock)
	mustCreate(t, first, ctx, "f")
	for _, s := range []struct{ name, cron string }{{"minutely", "0 * * * * *"}, {"hourly", "0 0 * * * *"}} {
		if _, err := first.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: s.name, CronExpression: ptr(s.cron)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := first.FireSchedules(ctx, t0, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := []string{"schedule-minutely-20260101T000100Z"}
	if got := executionNames(t, first, ctx); !equalNames(got, want) {
		t.Fatalf("before the restart: executions = %v, want %v", got, want)
	}
	_ = first.Close()

	// Restarted 30s after the 00:01:00 tick that already fired.
	second, _, _ := scheduled(t, store, clock)
	if _, err := second.FireSchedules(ctx, time.Time{}, t0.Add(90*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := executionNames(t, second, ctx); !equalNames(got, want) {
		t.Fatalf("after a restart: executions = %v, want %v (no tick twice)", got, want)
	}
	_ = second.Close()

	// Down until 01:00:40: the minutely ticks 00:02 … 01:00 were missed; only
	// 01:00:00 (40s old) fires, once for each schedule. Another restart at
	// 01:10:30 fires 01:10:00 for the minutely one, nothing for the hourly
	// one (its 01:00:00 tick is 10 minutes old and fired already anyway).
	third, _, _ := scheduled(t, store, clock)
	if _, err := third.FireSchedules(ctx, time.Time{}, t0.Add(time.Hour+40*time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := third.FireSchedules(ctx, time.Time{}, t0.Add(70*time.Minute+30*time.Second)); err != nil {
		t.Fatal(err)
	}
	want = []string{"schedule-hourly-20260101T010000Z", "schedule-minutely-20260101T000100Z", "schedule-minutely-20260101T010000Z", "schedule-minutely-20260101T011000Z"}
	if got := executionNames(t, third, ctx); !equalNames(got, want) {
		t.Errorf("after downtime: executions = %v, want %v", got, want)
	}
}

// TestService_FireSchedules_TwoInstances runs two services on one store,
// each firing the same ticks concurrently with its own pace: every tick
// starts exactly one execution, enqueued once. It runs on a MemStore and on
// each DynamoDB-compatible server .ci/dynamo-servers exports.
func TestService_FireSchedules_TwoInstances(t *testing.T) {
	for name, open := range sharedStores() {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			clock := &fakeClock{now: t0}
			a, enqA, ctx := scheduled(t, store, clock)
			b, enqB, _ := scheduled(t, store, clock)
			mustCreate(t, a, ctx, "f")
			if _, err := a.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("*/2 * * * * *")}); err != nil {
				t.Fatal(err)
			}
			// Instance a looks every second, b every 3 seconds, both over
			// the first 30 seconds, concurrently.
			var wg sync.WaitGroup
			for _, inst := range []struct {
				svc  *execution.Service
				step time.Duration
			}{{a, time.Second}, {b, 3 * time.Second}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					since := t0
					for now := t0.Add(inst.step); !now.After(t0.Add(30 * time.Second)); now = now.Add(inst.step) {
						if _, err := inst.svc.FireSchedules(ctx, since, now); err != nil {
							t.Errorf("FireSchedules(%s, %s) = %v", since, now, err)
						}
						since = now
					}
				}()
			}
			wg.Wait()
			var want []string
			for s := 2; s <= 30; s += 2 {
				want = append(want, execution.TickName("s", t0.Add(time.Duration(s)*time.Second)))
			}
			if got := executionNames(t, a, ctx); !equalNames(got, want) {
				t.Errorf("executions = %v, want one per tick %v", got, want)
			}
			if n := len(enqA.take()) + len(enqB.take()); n != len(want) {
				t.Errorf("%d runs enqueued, want %d (one per tick)", n, len(want))
			}
		})
	}
}

// sharedStores opens the stores several service instances can share: a
// MemStore, and a fresh table on each DynamoDB-compatible server that
// .ci/dynamo-servers exports (skipped when its variable is unset).
func sharedStores() map[string]func(t *testing.T) execution.Store {
	stores := map[string]func(t *testing.T) execution.Store{
		"memory": func(*testing.T) execution.Store { return kv.NewMemStore() },
	}
	for name, env := range map[string]string{"dynalite": "DYNAMODB_ENDPOINT", "DynamoDBLocal": "DYNAMODB_LOCAL_ENDPOINT"} {
		stores[name] = func(t *testing.T) execution.Store {
			endpoint := os.Getenv(env)
			if endpoint == "" {
				t.Skipf("%s is not set: no %s server (start one with `.ci/dynamo-servers start`)", env, name)
			}
			client := dynamo.NewLocalClient(endpoint)
			table := fmt.Sprintf("schedules-%d", time.Now().UnixNano())
			if err := dynamo.CreateTable(context.Background(), client, table); err != nil {
				t.Fatalf("CreateTable: %v", err)
			}
			t.Cleanup(func() {
				if _, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
					t.Errorf("DeleteTable(%s) = %v", table, err)
				}
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
