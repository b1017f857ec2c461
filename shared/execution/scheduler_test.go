package execution_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// A schedule left behind by a DeleteFlow that failed half-way (its flow
// record gone, its schedules not yet) never fires: not for the deleted
// flow, not for a new flow of the same name. FireSchedules removes it.
func TestService_FireSchedules_OrphanedSchedule(t *testing.T) {
	for _, recreate := range []bool{false, true} {
		name := map[bool]string{false: "flow deleted", true: "flow re-created"}[recreate]
		t.Run(name, func(t *testing.T) {
			store := &faultStore{Store: kv.NewMemStore()}
			svc, _, ctx := scheduled(t, store, &fakeClock{now: t0})
			mustCreate(t, svc, ctx, "f")
			if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("@every 10s")}); err != nil {
				t.Fatal(err)
			}
			store.arm("List", "sched/")
			if err := svc.DeleteFlow(ctx, "f"); !errors.Is(err, errDisk) {
				t.Fatalf("DeleteFlow with schedules unlistable = %v, want the store's failure", err)
			}
			store.arm("", "")
			if left, _ := store.List(ctx, "sched/", "", 10); len(left) != 1 {
				t.Fatalf("%d schedules left by the failed DeleteFlow, want 1", len(left))
			}
			if recreate {
				mustCreate(t, svc, ctx, "f")
			}
			n, err := svc.FireSchedules(ctx, t0, t0.Add(30*time.Second))
			if err != nil || n != 0 {
				t.Errorf("FireSchedules = %d, %v; want nothing fired", n, err)
			}
			if recreate {
				if got := executionNames(t, svc, ctx); len(got) != 0 {
					t.Errorf("the re-created flow has executions %v, want none", got)
				}
			}
			if left, _ := store.List(ctx, "sched/", "", 10); len(left) != 0 {
				t.Errorf("%d schedules left after FireSchedules, want the orphan removed", len(left))
			}
		})
	}
}

// A tick that cannot start does not stop the pass: other schedules fire,
// and the error names the schedule, its flow and the tick.
func TestService_FireSchedules_ErrorsDoNotStopThePass(t *testing.T) {
	store := &faultStore{Store: kv.NewMemStore()}
	svc, _, ctx := scheduled(t, store, &fakeClock{now: t0})
	f := mustCreate(t, svc, ctx, "f")
	mustCreate(t, svc, ctx, "g")
	for _, flowName := range []string{"f", "g"} {
		if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: flowName, ScheduleName: "s", CronExpression: ptr("@every 10s")}); err != nil {
			t.Fatal(err)
		}
	}
	store.arm("PutIfAbsent", "exec/acct/"+f.ID+"/")
	n, err := svc.FireSchedules(ctx, t0, t0.Add(10*time.Second))
	store.arm("", "")
	if n != 2 || !errors.Is(err, errDisk) {
		t.Fatalf("FireSchedules = %d, %v; want 2 attempts and the store's failure", n, err)
	}
	for _, want := range []string{`schedule "s" of flow "f"`, "2026-01-01T00:00:10Z"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("FireSchedules error %q does not name %s", err, want)
		}
	}
	es, _, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "g", Limit: 10})
	if err != nil || len(es) != 1 || es[0].Name != execution.TickName("s", t0.Add(10*time.Second)) {
		t.Errorf("flow g executions = %v, %v; want its 00:00:10 tick", es, err)
	}
	// The failed tick fires on the next pass that covers it.
	if _, err := svc.FireSchedules(ctx, t0, t0.Add(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := executionNames(t, svc, ctx); len(got) != 1 {
		t.Errorf("flow f executions after a second pass = %v, want its tick", got)
	}
}

// A new CronExpression restarts the ticking from the update; an empty
// Payload starts ticks with {} (decision 59).
func TestService_UpdateSchedule_NewCronAndPayload(t *testing.T) {
	clock := &fakeClock{now: t0}
	svc, _, ctx := scheduled(t, kv.NewMemStore(), clock)
	mustCreate(t, svc, ctx, "f")
	created, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("@every 10s"),
		Payload: ptr(`{"a":1}`), Description: ptr("nightly")})
	if err != nil || created.Description != "nightly" {
		t.Fatalf("CreateSchedule = %+v, %v; want the description kept", created, err)
	}
	clock.Advance(15 * time.Second)
	up, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("@every 20s"), Payload: ptr("")})
	if err != nil {
		t.Fatalf("UpdateSchedule = %v", err)
	}
	if up.CronExpression != "@every 20s" || up.Payload != "" || up.Description != "nightly" || !up.ActiveSince.Equal(t0.Add(15*time.Second)) || !up.CreatedTime.Equal(t0) {
		t.Errorf("UpdateSchedule = %+v, want the new cron and payload, active since t0+15s, the rest kept", up)
	}
	if _, err := svc.FireSchedules(ctx, t0, t0.Add(40*time.Second)); err != nil {
		t.Fatal(err)
	}
	want := execution.TickName("s", t0.Add(35*time.Second))
	if got := executionNames(t, svc, ctx); len(got) != 1 || got[0] != want {
		t.Fatalf("executions = %v, want only %s (every 20s from the update)", got, want)
	}
	e, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: want})
	if err != nil || e.Input != "{}" {
		t.Errorf("tick execution Input = %q, %v; want {}", e.Input, err)
	}
	// The same CronExpression again does not restart the ticking.
	clock.Advance(time.Minute)
	if up, err := svc.UpdateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: "s", CronExpression: ptr("@every 20s")}); err != nil || !up.ActiveSince.Equal(t0.Add(15*time.Second)) {
		t.Errorf("UpdateSchedule(same cron) = %+v, %v; want ActiveSince kept", up, err)
	}
}

// ListSchedules' NextToken is a position: a token naming a schedule deleted
// since lists the ones after it.
func TestService_ListSchedules_TokenOfDeletedSchedule(t *testing.T) {
	svc, _, ctx := scheduled(t, kv.NewMemStore(), &fakeClock{now: t0})
	mustCreate(t, svc, ctx, "f")
	for _, name := range []string{"a", "b", "c"} {
		if _, err := svc.CreateSchedule(ctx, execution.ScheduleInput{FlowName: "f", ScheduleName: name, CronExpression: ptr("@every 1m")}); err != nil {
			t.Fatal(err)
		}
	}
	_, next, err := svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 1})
	if err != nil || next != "b" {
		t.Fatalf("ListSchedules(Limit 1) next = %q, %v; want b", next, err)
	}
	if err := svc.DeleteSchedule(ctx, "f", "b"); err != nil {
		t.Fatal(err)
	}
	page, next, err := svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "f", Limit: 1, NextToken: "b"})
	if err != nil || len(page) != 1 || page[0].Name != "c" || next != "" {
		t.Errorf("ListSchedules(NextToken b, deleted) = %v, %q, %v; want c and the last page", page, next, err)
	}
	if _, _, err := svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: "nope", Limit: 1}); !errors.Is(err, execution.ErrFlowNotFound) {
		t.Errorf("ListSchedules(unknown flow) = %v, want ErrFlowNotFound", err)
	}
}

// ServeSchedules hands a failed pass to its report function and keeps
// going; it returns when the service closes.
func TestService_ServeSchedules_ReportsAndStopsOnClose(t *testing.T) {
	store := &faultStore{Store: kv.NewMemStore()}
	svc, _, _ := scheduled(t, store, &fakeClock{now: t0})
	store.arm("List", "sched/")
	reported := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		svc.ServeSchedules(context.Background(), 0, func(err error) {
			select {
			case reported <- err:
			default:
			}
		})
	}()
	select {
	case err := <-reported:
		if !errors.Is(err, errDisk) {
			t.Errorf("reported %v, want the store's failure", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ServeSchedules reported nothing")
	}
	if err := svc.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeSchedules did not return when the service closed")
	}
}
