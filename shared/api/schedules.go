package api

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// maxScheduleLimit bounds ListSchedules.Limit (reference 10.5 is silent;
// decision 48 ranges it like ListExecutions).
const maxScheduleLimit = 100

// Schedule is a schedule on the wire (reference 10.5, decisions 50 and 59).
type Schedule struct {
	ScheduleName     string `json:"ScheduleName"`
	ScheduleID       string `json:"ScheduleId"`
	FlowName         string `json:"FlowName"`
	CronExpression   string `json:"CronExpression"`
	Payload          string `json:"Payload"`
	Enable           bool   `json:"Enable"`
	Description      string `json:"Description"`
	CreatedTime      string `json:"CreatedTime"`
	LastModifiedTime string `json:"LastModifiedTime"`
}

// ScheduleResponse answers CreateSchedule, UpdateSchedule and
// DescribeSchedule.
type ScheduleResponse struct {
	Envelope
	Schedule
}

// ListSchedulesResponse answers ListSchedules.
type ListSchedulesResponse struct {
	Envelope
	Schedules []Schedule `json:"Schedules"`
	NextToken string     `json:"NextToken,omitempty"`
}

func scheduleOut(s *execution.Schedule) Schedule {
	return Schedule{
		ScheduleName: s.Name, ScheduleID: s.ID, FlowName: s.FlowName, CronExpression: s.CronExpression,
		Payload: s.Payload, Enable: s.Enable, Description: s.Description,
		CreatedTime: FormatTime(s.CreatedTime), LastModifiedTime: FormatTime(s.LastModifiedTime),
	}
}

// scheduleInput reads CreateSchedule's and UpdateSchedule's parameters;
// absent optional ones stay nil.
func scheduleInput(p params, create bool) (execution.ScheduleInput, error) {
	var in execution.ScheduleInput
	var err error
	if in.FlowName, err = p.lookupName("FlowName", maxNameLen); err != nil {
		return in, err
	}
	if create {
		in.ScheduleName, err = p.newName("ScheduleName", true)
	} else {
		in.ScheduleName, err = p.lookupName("ScheduleName", maxNameLen)
	}
	if err != nil {
		return in, err
	}
	if create {
		cron, err := p.required("CronExpression")
		if err != nil {
			return in, err
		}
		in.CronExpression = &cron
	} else if c := p.get("CronExpression"); c != "" {
		in.CronExpression = &c
	}
	if p.has("Payload") {
		payload, err := p.input("Payload")
		if err != nil {
			return in, err
		}
		in.Payload = &payload
	}
	if p.get("Enable") != "" {
		enable, err := p.boolean("Enable")
		if err != nil {
			return in, err
		}
		in.Enable = &enable
	}
	if p.has("Description") {
		d := p.get("Description")
		in.Description = &d
	}
	return in, nil
}

func createSchedule(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := scheduleInput(p, true)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.CreateSchedule(ctx, in)
	if err != nil {
		return nil, err
	}
	return &ScheduleResponse{Schedule: scheduleOut(s)}, nil
}

func updateSchedule(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := scheduleInput(p, false)
	if err != nil {
		return nil, err
	}
	s, err := h.svc.UpdateSchedule(ctx, in)
	if err != nil {
		return nil, err
	}
	return &ScheduleResponse{Schedule: scheduleOut(s)}, nil
}

// scheduleRef reads the FlowName and ScheduleName that name an existing
// schedule.
func (p params) scheduleRef() (flowName, name string, err error) {
	if flowName, err = p.lookupName("FlowName", maxNameLen); err != nil {
		return "", "", err
	}
	if name, err = p.lookupName("ScheduleName", maxNameLen); err != nil {
		return "", "", err
	}
	return flowName, name, nil
}

func describeSchedule(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := p.scheduleRef()
	if err != nil {
		return nil, err
	}
	s, err := h.svc.DescribeSchedule(ctx, flowName, name)
	if err != nil {
		return nil, err
	}
	return &ScheduleResponse{Schedule: scheduleOut(s)}, nil
}

func deleteSchedule(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := p.scheduleRef()
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteSchedule(ctx, flowName, name); err != nil {
		return nil, err
	}
	return &EmptyResponse{}, nil
}

func listSchedules(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	limit, err := p.integer("Limit", defaultLimit, 1, maxScheduleLimit)
	if err != nil {
		return nil, err
	}
	ss, next, err := h.svc.ListSchedules(ctx, execution.ListSchedulesInput{FlowName: flowName, Limit: limit, NextToken: p.get("NextToken")})
	if err != nil {
		return nil, err
	}
	out := &ListSchedulesResponse{Schedules: make([]Schedule, 0, len(ss)), NextToken: next}
	for _, s := range ss {
		out.Schedules = append(out.Schedules, scheduleOut(s))
	}
	return out, nil
}
