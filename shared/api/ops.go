package api

import (
	"context"
	"strconv"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// operations maps every implemented Action to its handler. Each handler
// decodes and validates parameters, calls one use case and builds the
// response; nothing else.
var operations = map[string]opFunc{
	"CreateFlow":          createFlow,
	"DescribeFlow":        describeFlow,
	"UpdateFlow":          updateFlow,
	"DeleteFlow":          deleteFlow,
	"ListFlows":           listFlows,
	"StartExecution":      startExecution,
	"StartSyncExecution":  startSyncExecution,
	"DescribeExecution":   describeExecution,
	"StopExecution":       stopExecution,
	"ListExecutions":      listExecutions,
	"GetExecutionHistory": getExecutionHistory,
	"PublishFlowVersion":  publishFlowVersion,
	"ListFlowVersions":    listFlowVersions,
	"DeleteFlowVersion":   deleteFlowVersion,
	"CreateFlowAlias":     createFlowAlias,
	"UpdateFlowAlias":     updateFlowAlias,
	"DescribeFlowAlias":   describeFlowAlias,
	"ListFlowAliases":     listFlowAliases,
	"DeleteFlowAlias":     deleteFlowAlias,
	"ReportTaskSucceeded": reportTaskSucceeded,
	"ReportTaskFailed":    reportTaskFailed,
	"DescribeRegions":     describeRegions,
	"CreateSchedule":      createSchedule,
	"UpdateSchedule":      updateSchedule,
	"DeleteSchedule":      deleteSchedule,
	"DescribeSchedule":    describeSchedule,
	"ListSchedules":       listSchedules,
	"DescribeMapRun":      describeMapRun,
	"UpdateMapRun":        updateMapRun,
}

// Actions returns the names of every implemented Action.
func Actions() []string {
	out := make([]string, 0, len(operations))
	for name := range operations {
		out = append(out, name)
	}
	return out
}

func createFlow(h *Handler, ctx context.Context, p params) (response, error) {
	name, err := p.newName("Name", true)
	if err != nil {
		return nil, err
	}
	def, err := p.required("Definition")
	if err != nil {
		return nil, err
	}
	mode := flow.Mode(p.get("ExecutionMode"))
	if mode != "" && mode != flow.Standard && mode != flow.Express {
		return nil, InvalidArgument("ExecutionMode must be Standard or Express.")
	}
	if t := p.get("Type"); t != "" && t != execution.FlowType {
		return nil, InvalidArgument("Type must be FDL.")
	}
	env, err := p.object("Environment")
	if err != nil {
		return nil, err
	}
	f, err := h.svc.CreateFlow(ctx, execution.CreateFlowInput{
		Name: name, Definition: def, Description: p.get("Description"), Type: p.get("Type"),
		RoleArn: p.get("RoleArn"), ExecutionMode: mode, ExternalStorageLocation: p.get("ExternalStorageLocation"),
		Environment: env, ResourceGroupID: p.get("ResourceGroupId"),
	})
	if err != nil {
		return nil, err
	}
	return &FlowResponse{Flow: flowOut(f)}, nil
}

func describeFlow(h *Handler, ctx context.Context, p params) (response, error) {
	name, err := p.lookupName("Name", maxNameLen)
	if err != nil {
		return nil, err
	}
	v, err := p.version("FlowVersion", false)
	if err != nil {
		return nil, err
	}
	var f *execution.Flow
	if v != "" {
		f, err = h.svc.DescribeFlowVersion(ctx, name, v)
	} else {
		f, err = h.svc.DescribeFlow(ctx, name)
	}
	if err != nil {
		return nil, err
	}
	return &FlowResponse{Flow: flowOut(f)}, nil
}

func updateFlow(h *Handler, ctx context.Context, p params) (response, error) {
	name, err := p.lookupName("Name", maxNameLen)
	if err != nil {
		return nil, err
	}
	in := execution.UpdateFlowInput{Name: name}
	if d := p.get("Definition"); d != "" {
		in.Definition = &d
	}
	if p.has("Description") {
		d := p.get("Description")
		in.Description = &d
	}
	if t := p.get("Type"); t != "" {
		if t != execution.FlowType {
			return nil, InvalidArgument("Type must be FDL.")
		}
		in.Type = &t
	}
	if p.has("RoleArn") {
		r := p.get("RoleArn")
		in.RoleArn = &r
	}
	if m := flow.Mode(p.get("ExecutionMode")); m != "" {
		if m != flow.Standard && m != flow.Express {
			return nil, InvalidArgument("ExecutionMode must be Standard or Express.")
		}
		in.ExecutionMode = &m
	}
	if in.Environment, err = p.object("Environment"); err != nil {
		return nil, err
	}
	f, err := h.svc.UpdateFlow(ctx, in)
	if err != nil {
		return nil, err
	}
	return &FlowResponse{Flow: flowOut(f)}, nil
}

func deleteFlow(h *Handler, ctx context.Context, p params) (response, error) {
	name, err := p.lookupName("Name", maxNameLen)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteFlow(ctx, name); err != nil {
		return nil, err
	}
	return &EmptyResponse{}, nil
}

func listFlows(h *Handler, ctx context.Context, p params) (response, error) {
	limit, err := p.integer("Limit", defaultLimit, 1, maxFlowsLimit)
	if err != nil {
		return nil, err
	}
	token, err := p.pageToken(maxNameLen)
	if err != nil {
		return nil, err
	}
	group, err := p.length("ResourceGroupId", 0, maxNameLen)
	if err != nil {
		return nil, err
	}
	flows, next, err := h.svc.ListFlows(ctx, execution.ListFlowsInput{
		Limit: limit, NextToken: token, ResourceGroupID: group,
	})
	if err != nil {
		return nil, err
	}
	out := &ListFlowsResponse{Flows: make([]Flow, 0, len(flows)), NextToken: next}
	for _, f := range flows {
		out.Flows = append(out.Flows, flowOut(f))
	}
	return out, nil
}

func startInput(p params) (execution.StartInput, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return execution.StartInput{}, err
	}
	name, err := p.newName("ExecutionName", false)
	if err != nil {
		return execution.StartInput{}, err
	}
	input, err := p.input("Input")
	if err != nil {
		return execution.StartInput{}, err
	}
	qualifier, err := p.qualifier()
	if err != nil {
		return execution.StartInput{}, err
	}
	callback, err := p.length("CallbackFnFTaskToken", 0, maxTokenLen)
	if err != nil {
		return execution.StartInput{}, err
	}
	return execution.StartInput{
		FlowName: flowName, ExecutionName: name, Input: input,
		CallbackFnFTaskToken: callback, Qualifier: qualifier,
	}, nil
}

func startExecution(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := startInput(p)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.StartExecution(ctx, in)
	if err != nil {
		return nil, err
	}
	out := executionOut(e)
	out.Environment = nil
	return &ExecutionResponse{Execution: out}, nil
}

func startSyncExecution(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := startInput(p)
	if err != nil {
		return nil, err
	}
	in.CallbackFnFTaskToken = ""
	e, err := h.svc.StartSync(ctx, in)
	if err != nil {
		return nil, err
	}
	out := &SyncExecutionResponse{
		Name: e.Name, FlowName: e.FlowName, Status: string(e.Status),
		StartedTime: FormatTime(e.StartedTime), StoppedTime: FormatTime(e.StoppedTime),
		Environment: e.Environment,
	}
	if e.Status == execution.Succeeded {
		out.Output = e.Output
	} else {
		out.ErrorCode, out.ErrorMessage = e.Error, e.Cause
	}
	return out, nil
}

func describeExecution(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := p.executionRef()
	if err != nil {
		return nil, err
	}
	wait, err := p.integer("WaitTimeSeconds", 0, 0, maxWaitSeconds)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.DescribeExecution(ctx, execution.DescribeInput{
		FlowName: flowName, ExecutionName: name, Wait: time.Duration(wait) * time.Second,
	})
	if err != nil {
		return nil, err
	}
	return &ExecutionResponse{Execution: executionOut(e)}, nil
}

func stopExecution(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := p.executionRef()
	if err != nil {
		return nil, err
	}
	errName, err := p.length("Error", 1, maxErrorLen)
	if err != nil {
		return nil, err
	}
	cause, err := p.length("Cause", 1, maxCauseLen)
	if err != nil {
		return nil, err
	}
	e, err := h.svc.StopExecution(ctx, execution.StopInput{FlowName: flowName, ExecutionName: name, Error: errName, Cause: cause})
	if err != nil {
		return nil, err
	}
	out := executionOut(e)
	out.Environment, out.RoleArn = nil, e.RoleArn
	return &ExecutionResponse{Execution: out}, nil
}

func listExecutions(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	limit, err := p.integer("Limit", defaultLimit, 1, maxExecutionLimit)
	if err != nil {
		return nil, err
	}
	status := execution.Status(p.get("Status"))
	if status != "" && !status.Valid() {
		return nil, InvalidArgument("Status must be one of Starting, Running, Stopped, Succeeded, Failed, TimedOut.")
	}
	begin, err := p.timestamp("StartedTimeBegin")
	if err != nil {
		return nil, err
	}
	end, err := p.timestamp("StartedTimeEnd")
	if err != nil {
		return nil, err
	}
	metadataOnly, err := p.boolean("MetadataOnly")
	if err != nil {
		return nil, err
	}
	token, err := p.pageToken(maxSyncNameLen)
	if err != nil {
		return nil, err
	}
	prefix, err := p.length("ExecutionNamePrefix", 0, maxSyncNameLen)
	if err != nil {
		return nil, err
	}
	qualifier, err := p.qualifier()
	if err != nil {
		return nil, err
	}
	if _, err := p.length("MapRunName", 0, maxSyncNameLen); err != nil {
		return nil, err
	}
	execs, next, err := h.svc.ListExecutions(ctx, execution.ListInput{
		FlowName: flowName, Limit: limit, NextToken: token, Status: status,
		NamePrefix: prefix, StartedTimeBegin: begin, StartedTimeEnd: end,
		Qualifier: qualifier,
	})
	if err != nil {
		return nil, err
	}
	out := &ListExecutionsResponse{Executions: make([]Execution, 0, len(execs)), NextToken: next}
	if p.get("MapRunName") != "" {
		// Distributed Map items run inside the parent execution: no child
		// execution records to list (README, decision 50).
		out.Executions, out.NextToken = out.Executions[:0], ""
		return out, nil
	}
	for _, e := range execs {
		x := executionOut(e)
		if metadataOnly {
			x.Input, x.Output, x.FlowDefinition = "", "", ""
		}
		out.Executions = append(out.Executions, x)
	}
	return out, nil
}

func getExecutionHistory(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := p.executionRef()
	if err != nil {
		return nil, err
	}
	limit, err := p.integer("Limit", defaultLimit, 1, maxHistoryLimit)
	if err != nil {
		return nil, err
	}
	var next int64
	if tok := p.get("NextToken"); tok != "" {
		if next, err = strconv.ParseInt(tok, 10, 64); err != nil || next < 1 {
			return nil, InvalidArgument("NextToken must be the decimal EventId of the next event, as returned by the previous page.")
		}
	}
	evs, nextToken, err := h.svc.GetExecutionHistory(ctx, execution.HistoryInput{
		FlowName: flowName, ExecutionName: name, Limit: limit, NextToken: next,
	})
	if err != nil {
		return nil, err
	}
	out := &HistoryResponse{Events: make([]Event, 0, len(evs)), NextToken: nextToken}
	for _, ev := range evs {
		out.Events = append(out.Events, Event{
			EventID: ev.ID, ScheduleEventID: ev.ScheduleID, Type: ev.Type, StepName: ev.StepName,
			Time: FormatTime(ev.Time), EventDetail: ev.Detail,
		})
	}
	return out, nil
}

// executionRef reads the FlowName and ExecutionName that name an existing
// execution (lookup rules: presence and length only; an Express name may
// carry its ":{UUID}" suffix).
func (p params) executionRef() (flowName, name string, err error) {
	if flowName, err = p.lookupName("FlowName", maxNameLen); err != nil {
		return "", "", err
	}
	if name, err = p.lookupName("ExecutionName", maxSyncNameLen); err != nil {
		return "", "", err
	}
	return flowName, name, nil
}
