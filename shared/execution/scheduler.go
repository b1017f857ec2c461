package execution

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Scheduling defaults (decision 59).
const (
	// MissedTickWindow is how old a tick may be and still fire: ticks
	// missed while no scheduler ran are not fired late, except the most
	// recent one when it is younger than this.
	MissedTickWindow = time.Minute
	// DefaultScheduleInterval is how often ServeSchedules looks for due
	// ticks.
	DefaultScheduleInterval = time.Second
	// tickLayout formats a tick time in execution names.
	tickLayout = "20060102T150405Z"
	// tickNamePrefix starts the name of every execution a tick starts.
	tickNamePrefix = "schedule-"
)

// TickName is the name of the execution the tick at t of schedule name
// starts: schedule-<name>-<yyyyMMddTHHmmssZ>. Starting it is the tick's
// conditional write, so a tick fires once however many schedulers see it.
// A long schedule name is shortened so the name stays within 128
// characters and keeps its tick time.
func TickName(schedule string, t time.Time) string {
	suffix := "-" + t.UTC().Format(tickLayout)
	if room := maxExecutionName - len(tickNamePrefix) - len(suffix); len(schedule) > room {
		schedule = schedule[:room]
	}
	return tickNamePrefix + schedule + suffix
}

// maxExecutionName is the longest execution name (reference 2.5).
const maxExecutionName = 128

// FireSchedules starts the executions of every enabled schedule's ticks
// that are due at now, across all accounts, and returns how many starts it
// attempted. since is when the caller last looked (zero: never, as after a
// restart). A tick t fires when since < t <= now, t is at or after the
// schedule's ActiveSince and now-t < MissedTickWindow; when since is zero
// only the most recent such tick fires. Each start is named TickName, so a
// tick another scheduler (or an earlier pass) already fired is not started
// again. A schedule whose flow was deleted is removed. Errors of single
// starts do not stop the pass; they are joined in the returned error.
func (s *Service) FireSchedules(ctx context.Context, since, now time.Time) (int, error) {
	from := now.Add(-MissedTickWindow)
	if since.After(from) {
		from = since
	}
	var errs []error
	fired := 0
	err := s.eachItem(ctx, allSchedules, "schedules", func(it kv.Item) error {
		n, err := s.fireSchedule(ctx, it, from, now, since.IsZero())
		fired += n
		if err != nil {
			errs = append(errs, err)
		}
		return nil
	})
	if err != nil {
		return fired, err
	}
	return fired, errors.Join(errs...)
}

// fireSchedule starts the due ticks (from, now] of the stored schedule it.
func (s *Service) fireSchedule(ctx context.Context, it kv.Item, from, now time.Time, latestOnly bool) (int, error) {
	sc, err := decodeSchedule(it)
	if err != nil {
		return 0, err
	}
	if !sc.Enable {
		return 0, nil
	}
	if sc.ActiveSince.After(from) {
		from = sc.ActiveSince.Add(-time.Nanosecond) // a tick at ActiveSince counts
	}
	ticks, err := parseCron(sc.CronExpression, sc.ActiveSince)
	if err != nil {
		return 0, fmt.Errorf("schedule %q of flow %q: %w", sc.Name, sc.FlowName, err)
	}
	due := ticks.ticks(from, now)
	if len(due) == 0 {
		return 0, nil
	}
	if latestOnly {
		due = due[len(due)-1:]
	}
	actx := auth.NewContext(ctx, auth.Identity{AccountID: sc.Account})
	f, _, err := s.getFlow(actx, sc.Account, sc.FlowName)
	if errors.Is(err, ErrFlowNotFound) || (err == nil && f.ID != sc.FlowID) {
		// The flow was deleted (and perhaps re-created): the schedule went
		// with it.
		if err := s.store.Delete(ctx, it.Key, it.Version); err != nil && !errors.Is(err, kv.ErrNotFound) && !errors.Is(err, kv.ErrConditionFailed) {
			return 0, fmt.Errorf("delete schedule %q of a deleted flow: %w", sc.Name, err)
		}
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	payload := sc.Payload
	if strings.TrimSpace(payload) == "" {
		payload = "{}"
	}
	var errs []error
	for _, t := range due {
		_, err := s.StartExecution(actx, StartInput{FlowName: sc.FlowName, ExecutionName: TickName(sc.Name, t), Input: payload})
		if err != nil && !errors.Is(err, ErrExecutionExists) {
			errs = append(errs, fmt.Errorf("schedule %q of flow %q, tick %s: %w", sc.Name, sc.FlowName, t.Format(time.RFC3339), err))
		}
	}
	return len(due), errors.Join(errs...)
}

// ServeSchedules fires due schedule ticks (FireSchedules) every interval
// (DefaultScheduleInterval when 0) on the service's clock until ctx is done
// or the service is closed. Its first pass counts as a restart: only each
// schedule's most recent tick of the last MissedTickWindow fires. Errors
// go to report (nil drops them) and do not stop the loop.
func (s *Service) ServeSchedules(ctx context.Context, interval time.Duration, report func(error)) {
	if interval <= 0 {
		interval = DefaultScheduleInterval
	}
	var since time.Time
	for {
		now := s.opts.Clock.Now().UTC()
		if _, err := s.FireSchedules(ctx, since, now); err != nil && report != nil && ctx.Err() == nil {
			report(err)
		}
		since = now
		select {
		case <-ctx.Done():
			return
		case <-s.base.Done():
			return
		case <-s.opts.Clock.After(interval):
		}
	}
}
