package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Schedule is a cron trigger bound to a flow (reference 2.3, 10.5,
// decision 59). Schedules are stored under the flow's Id, so a deleted and
// re-created flow starts with none.
type Schedule struct {
	Name             string    `json:"name"`
	ID               string    `json:"id"`
	FlowName         string    `json:"flowName"`
	FlowID           string    `json:"flowId"`
	Account          string    `json:"account"`
	CronExpression   string    `json:"cronExpression"`
	Payload          string    `json:"payload,omitempty"` // a JSON object as text; "" means {}
	Enable           bool      `json:"enable"`
	Description      string    `json:"description,omitempty"`
	CreatedTime      time.Time `json:"createdTime"`
	LastModifiedTime time.Time `json:"lastModifiedTime"`
	// ActiveSince is when the schedule last started ticking as it is now
	// (created, re-enabled or given a new CronExpression): no tick before
	// it fires, and @every ticks count from it.
	ActiveSince time.Time `json:"activeSince"`
}

// ScheduleInput holds CreateSchedule's and UpdateSchedule's parameters,
// checked for presence and shape by the API layer. For an update, nil
// fields stay unchanged; for a create, a nil Enable means true.
type ScheduleInput struct {
	FlowName       string
	ScheduleName   string
	CronExpression *string
	Payload        *string
	Enable         *bool
	Description    *string
}

// ListSchedulesInput holds ListSchedules' parameters.
type ListSchedulesInput struct {
	FlowName  string
	Limit     int    // 1..100
	NextToken string // name of the first schedule to return
}

func schedulePrefix(account, flowID string) string {
	return allSchedules + account + "/" + flowID + "/"
}

func scheduleKey(account, flowID, name string) string {
	return schedulePrefix(account, flowID) + name
}

// allSchedules is the prefix of every account's schedules, which
// FireSchedules lists every second in every instance. It has two segments,
// so on DynamoDB (whose partition is a key's first two segments) all
// schedules share one partition and the listing is one Query; under
// "sched/" alone it would be a Scan of the whole table, executions
// included.
const allSchedules = "sched/all/"

func scheduleNotFound(name, flowName string) error {
	return &ResourceError{Err: ErrScheduleNotFound, Flow: flowName, Schedule: name}
}

// CreateSchedule creates a schedule of the caller's Standard flow. It
// returns ResourceError(ErrFlowNotFound), ResourceError(ErrScheduleExists),
// or an ArgumentError for a bad CronExpression or an Express flow.
func (s *Service) CreateSchedule(ctx context.Context, in ScheduleInput) (*Schedule, error) {
	account := accountOf(ctx)
	now := s.now()
	sc := &Schedule{Name: in.ScheduleName, ID: s.opts.NewID(), Account: account, Enable: true,
		CreatedTime: now, LastModifiedTime: now, ActiveSince: now}
	if in.CronExpression != nil {
		sc.CronExpression = *in.CronExpression
	}
	if _, err := parseCron(sc.CronExpression, now); err != nil {
		return nil, &ArgumentError{Param: "CronExpression", Reason: err.Error() + "."}
	}
	if in.Payload != nil {
		sc.Payload = *in.Payload
	}
	if in.Enable != nil {
		sc.Enable = *in.Enable
	}
	if in.Description != nil {
		sc.Description = *in.Description
	}
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	if f.ExecutionMode == flow.Express {
		return nil, invalid("FlowName", "FlowName %s names an Express flow; a schedule starts Standard executions.", f.Name)
	}
	sc.FlowName, sc.FlowID = f.Name, f.ID
	val, err := json.Marshal(sc)
	if err != nil {
		return nil, fmt.Errorf("encode schedule %q: %w", sc.Name, err)
	}
	_, err = s.store.PutIfAbsent(ctx, scheduleKey(account, f.ID, sc.Name), val)
	if errors.Is(err, kv.ErrConditionFailed) {
		return nil, &ResourceError{Err: ErrScheduleExists, Flow: f.Name, Schedule: sc.Name}
	}
	if err != nil {
		return nil, fmt.Errorf("store schedule %q: %w", sc.Name, err)
	}
	return sc, nil
}

// UpdateSchedule changes a schedule's CronExpression, Payload, Enable or
// Description. A new CronExpression, or Enable turning true, restarts the
// ticking from now. It returns ResourceError(ErrFlowNotFound),
// ResourceError(ErrScheduleNotFound), ResourceError(ErrConflict) or an
// ArgumentError for a bad CronExpression.
func (s *Service) UpdateSchedule(ctx context.Context, in ScheduleInput) (*Schedule, error) {
	account := accountOf(ctx)
	if in.CronExpression != nil {
		if _, err := parseCron(*in.CronExpression, time.Time{}); err != nil {
			return nil, &ArgumentError{Param: "CronExpression", Reason: err.Error() + "."}
		}
	}
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	key := scheduleKey(account, f.ID, in.ScheduleName)
	var out *Schedule
	_, err = kv.Update(ctx, s.store, key, func(cur kv.Item, exists bool) ([]byte, error) {
		if !exists {
			return nil, scheduleNotFound(in.ScheduleName, f.Name)
		}
		var sc Schedule
		if err := json.Unmarshal(cur.Value, &sc); err != nil {
			return nil, fmt.Errorf("decode schedule %q: %w", in.ScheduleName, err)
		}
		now := s.now()
		if in.CronExpression != nil && *in.CronExpression != sc.CronExpression {
			sc.CronExpression, sc.ActiveSince = *in.CronExpression, now
		}
		if in.Enable != nil && *in.Enable != sc.Enable {
			sc.Enable = *in.Enable
			if sc.Enable {
				sc.ActiveSince = now
			}
		}
		if in.Payload != nil {
			sc.Payload = *in.Payload
		}
		if in.Description != nil {
			sc.Description = *in.Description
		}
		sc.LastModifiedTime = now
		out = &sc
		return json.Marshal(&sc)
	})
	if errors.Is(err, kv.ErrConditionFailed) {
		return nil, &ResourceError{Err: ErrConflict, Flow: f.Name}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) getSchedule(ctx context.Context, account string, f *Flow, name string) (*Schedule, error) {
	it, err := s.store.Get(ctx, scheduleKey(account, f.ID, name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, scheduleNotFound(name, f.Name)
	}
	if err != nil {
		return nil, fmt.Errorf("load schedule %q: %w", name, err)
	}
	return decodeSchedule(it)
}

func decodeSchedule(it kv.Item) (*Schedule, error) {
	var sc Schedule
	if err := json.Unmarshal(it.Value, &sc); err != nil {
		return nil, fmt.Errorf("decode schedule %q: %w", it.Key, err)
	}
	return &sc, nil
}

// DescribeSchedule returns a schedule of the caller's flow. It returns
// ResourceError(ErrFlowNotFound) or ResourceError(ErrScheduleNotFound).
func (s *Service) DescribeSchedule(ctx context.Context, flowName, name string) (*Schedule, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, flowName)
	if err != nil {
		return nil, err
	}
	return s.getSchedule(ctx, account, f, name)
}

// DeleteSchedule deletes a schedule of the caller's flow; its ticks stop.
// It returns ResourceError(ErrFlowNotFound) or
// ResourceError(ErrScheduleNotFound).
func (s *Service) DeleteSchedule(ctx context.Context, flowName, name string) error {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, flowName)
	if err != nil {
		return err
	}
	err = s.store.Delete(ctx, scheduleKey(account, f.ID, name), 0)
	if errors.Is(err, kv.ErrNotFound) {
		return scheduleNotFound(name, f.Name)
	}
	if err != nil {
		return fmt.Errorf("delete schedule %q: %w", name, err)
	}
	return nil
}

// ListSchedules returns up to in.Limit schedules of the caller's flow
// ordered by name, starting at in.NextToken, and the name of the next one
// ("" on the last page). It returns ResourceError(ErrFlowNotFound).
func (s *Service) ListSchedules(ctx context.Context, in ListSchedulesInput) ([]*Schedule, string, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, "", err
	}
	prefix := schedulePrefix(account, f.ID)
	var out []*Schedule
	after := ""
	if in.NextToken != "" {
		// The token is the first name to return: include it, then list
		// strictly after it.
		after = prefix + in.NextToken
		if sc, err := s.getSchedule(ctx, account, f, in.NextToken); err == nil {
			out = append(out, sc)
		} else if !errors.Is(err, ErrScheduleNotFound) {
			return nil, "", err
		}
	}
	items, err := s.store.List(ctx, prefix, after, in.Limit+1-len(out))
	if err != nil {
		return nil, "", fmt.Errorf("list schedules of flow %q: %w", f.Name, err)
	}
	for _, it := range items {
		sc, err := decodeSchedule(it)
		if err != nil {
			return nil, "", err
		}
		out = append(out, sc)
	}
	if len(out) > in.Limit {
		return out[:in.Limit], out[in.Limit].Name, nil
	}
	return out, "", nil
}
