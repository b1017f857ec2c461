package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

// clientFor parses a client command's flags and builds its client.
func clientFor(e env, name string, args []string, lo, hi int, setup func(fs flagSetter)) (*client, []string, int, bool) {
	fs := newFlags(e, name)
	if setup != nil {
		setup(fs)
	}
	pos, code, ok := parse(fs, e, args)
	if !ok {
		return nil, nil, code, false
	}
	if !wantArgs(fs, e, pos, lo, hi) {
		return nil, nil, exitUsage, false
	}
	c, err := newClient(e, "")
	if err != nil {
		_, _ = fmt.Fprintf(e.stderr, "cloudflow %s: %v\n", name, err)
		return nil, nil, exitUsage, false
	}
	return c, pos, 0, true
}

func fail(e env, name string, err error) int {
	_, _ = fmt.Fprintf(e.stderr, "cloudflow %s: %v\n", name, err)
	return exitFail
}

// flagSetter is the part of a flag.FlagSet a command's setup uses.
type flagSetter interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}

func applyCmd(_ context.Context, e env, args []string) int {
	var modeFlag, desc, role *string
	c, pos, code, ok := clientFor(e, "apply", args, 1, -1, func(fs flagSetter) {
		modeFlag = fs.String("mode", "", "execution `mode` of new flows: standard or express (default: the file's ExecutionMode, else standard)")
		desc = fs.String("description", "", "flow `description`")
		role = fs.String("role", "", "RoleArn stored with the flow")
	})
	if !ok {
		return code
	}
	status := exitOK
	for _, file := range pos {
		src, err := os.ReadFile(file)
		if err != nil {
			status = fail(e, "apply", err)
			continue
		}
		name := flowName(file, src)
		mode := *modeFlag
		if mode == "" {
			mode = fileHeader(src).mode
		}
		m, err := parseMode(mode)
		if err != nil {
			return fail(e, "apply", err)
		}
		params := map[string]string{"Name": name, "Definition": string(src), "Type": "FDL"}
		if *desc != "" {
			params["Description"] = *desc
		}
		if *role != "" {
			params["RoleArn"] = *role
		}
		verb := "updated"
		err = c.call("DescribeFlow", map[string]string{"Name": name}, nil)
		switch {
		case isCode(err, "FlowNotExists"):
			verb, params["ExecutionMode"] = "created", string(m)
			err = c.call("CreateFlow", params, nil)
		case err == nil:
			if mode != "" {
				params["ExecutionMode"] = string(m)
			}
			err = c.call("UpdateFlow", params, nil)
		}
		if err != nil {
			status = fail(e, "apply", fmt.Errorf("%s: %w", file, err))
			continue
		}
		_, _ = fmt.Fprintf(e.stdout, "%s flow %s from %s\n", verb, name, file)
	}
	return status
}

func startCmd(_ context.Context, e env, args []string) int {
	var input, name *string
	c, pos, code, ok := clientFor(e, "start", args, 1, 1, func(fs flagSetter) {
		input = fs.String("input", "", "execution input: JSON `object`, @file or @- for stdin")
		name = fs.String("name", "", "execution `name` (default: generated); a name ending in __CASE selects the mock case CASE on a local server")
	})
	if !ok {
		return code
	}
	in, err := readInput(e, *input)
	if err != nil {
		return fail(e, "start", err)
	}
	params := map[string]string{"FlowName": pos[0], "Input": in}
	if *name != "" {
		params["ExecutionName"] = *name
	}
	var ex api.Execution
	if err := c.call("StartExecution", params, &ex); err != nil {
		return fail(e, "start", err)
	}
	_, _ = fmt.Fprintln(e.stdout, ex.Name)
	return exitOK
}

func syncCmd(_ context.Context, e env, args []string) int {
	var input, name *string
	c, pos, code, ok := clientFor(e, "sync", args, 1, 1, func(fs flagSetter) {
		input = fs.String("input", "", "execution input: JSON `object`, @file or @- for stdin")
		name = fs.String("name", "", "execution `name` prefix (the service appends :<uuid>)")
	})
	if !ok {
		return code
	}
	in, err := readInput(e, *input)
	if err != nil {
		return fail(e, "sync", err)
	}
	params := map[string]string{"FlowName": pos[0], "Input": in}
	if *name != "" {
		params["ExecutionName"] = *name
	}
	var res api.SyncExecutionResponse
	if err := c.call("StartSyncExecution", params, &res); err != nil {
		return fail(e, "sync", err)
	}
	if res.Status != "Succeeded" {
		_, _ = fmt.Fprintf(e.stderr, "%s %s: %s\n", res.Name, res.Status, errText(res.ErrorCode, res.ErrorMessage))
		return exitFail
	}
	_, _ = fmt.Fprintln(e.stdout, res.Output)
	return exitOK
}

// terminal reports whether an execution status is final.
func terminal(status string) bool {
	switch status {
	case "Succeeded", "Failed", "TimedOut", "Stopped":
		return true
	}
	return false
}

func describeCmd(ctx context.Context, e env, args []string) int {
	var wait *bool
	c, pos, code, ok := clientFor(e, "describe", args, 2, 2, func(fs flagSetter) {
		wait = fs.Bool("wait", false, "wait until the execution ends (long polls of 60 s); the exit code is then 0 only when it succeeded")
	})
	if !ok {
		return code
	}
	params := map[string]string{"FlowName": pos[0], "ExecutionName": pos[1]}
	var ex api.Execution
	for {
		if *wait {
			params["WaitTimeSeconds"] = "60"
		}
		if err := c.call("DescribeExecution", params, &ex); err != nil {
			return fail(e, "describe", err)
		}
		if !*wait || terminal(ex.Status) || ctx.Err() != nil {
			break
		}
	}
	_, _ = fmt.Fprintf(e.stdout, "Name:     %s\nFlow:     %s\nStatus:   %s\nStarted:  %s\n", ex.Name, ex.FlowName, ex.Status, ex.StartedTime)
	if ex.StoppedTime != "" {
		_, _ = fmt.Fprintf(e.stdout, "Stopped:  %s\n", ex.StoppedTime)
	}
	if ex.Input != "" {
		_, _ = fmt.Fprintf(e.stdout, "Input:    %s\n", ex.Input)
	}
	if ex.Output != "" {
		_, _ = fmt.Fprintf(e.stdout, "Output:   %s\n", ex.Output)
	}
	if ex.Status == "Failed" || ex.Status == "TimedOut" || ex.Status == "Stopped" {
		if evs, err := history(c, pos[0], pos[1]); err == nil {
			tl := timeline.Build(nil, fromAPI(evs))
			_, _ = fmt.Fprintf(e.stdout, "Error:    %s\nCause:    %s\n", tl.Error, tl.Cause)
		}
	}
	if *wait && ex.Status != "Succeeded" {
		return exitFail
	}
	return exitOK
}

// history fetches every event of an execution.
func history(c *client, flowName, exec string) ([]api.Event, error) {
	var all []api.Event
	params := map[string]string{"FlowName": flowName, "ExecutionName": exec, "Limit": "1000"}
	for {
		var page api.HistoryResponse
		if err := c.call("GetExecutionHistory", params, &page); err != nil {
			return nil, err
		}
		all = append(all, page.Events...)
		if page.NextToken == "" {
			return all, nil
		}
		params["NextToken"] = page.NextToken
	}
}

// describeFlow fetches and parses a flow's definition; nil when it cannot.
func describeFlow(c *client, name string) *flow.Flow {
	var fl api.Flow
	if err := c.call("DescribeFlow", map[string]string{"Name": name}, &fl); err != nil {
		return nil
	}
	f, err := flow.Parse([]byte(fl.Definition), flow.ParseOptions{Name: name, Mode: flow.Mode(fl.ExecutionMode)})
	if err != nil {
		return nil
	}
	return f
}

func historyCmd(_ context.Context, e env, args []string) int {
	var raw *bool
	c, pos, code, ok := clientFor(e, "history", args, 2, 2, func(fs flagSetter) {
		raw = fs.Bool("json", false, "print the raw events as JSON")
	})
	if !ok {
		return code
	}
	evs, err := history(c, pos[0], pos[1])
	if err != nil {
		return fail(e, "history", err)
	}
	if *raw {
		b, _ := json.MarshalIndent(evs, "", "  ")
		_, _ = fmt.Fprintln(e.stdout, string(b))
		return exitOK
	}
	printTimeline(e.stdout, timeline.Build(describeFlow(c, pos[0]), fromAPI(evs)))
	return exitOK
}

func listCmd(_ context.Context, e env, args []string) int {
	var status *string
	c, pos, code, ok := clientFor(e, "list", args, 0, 1, func(fs flagSetter) {
		status = fs.String("status", "", "only executions with this `status` (Running, Succeeded, Failed, TimedOut, Stopped)")
	})
	if !ok {
		return code
	}
	if len(pos) == 0 {
		params := map[string]string{"Limit": "1000"}
		for {
			var page api.ListFlowsResponse
			if err := c.call("ListFlows", params, &page); err != nil {
				return fail(e, "list", err)
			}
			for _, f := range page.Flows {
				_, _ = fmt.Fprintf(e.stdout, "%-30s %-9s %s\n", f.Name, f.ExecutionMode, f.LastModifiedTime)
			}
			if page.NextToken == "" {
				return exitOK
			}
			params["NextToken"] = page.NextToken
		}
	}
	params := map[string]string{"FlowName": pos[0], "Limit": "100"}
	if *status != "" {
		params["Status"] = *status
	}
	for {
		var page api.ListExecutionsResponse
		if err := c.call("ListExecutions", params, &page); err != nil {
			return fail(e, "list", err)
		}
		for _, x := range page.Executions {
			_, _ = fmt.Fprintf(e.stdout, "%-40s %-10s %s  %s\n", x.Name, x.Status, x.StartedTime, x.StoppedTime)
		}
		if page.NextToken == "" {
			return exitOK
		}
		params["NextToken"] = page.NextToken
	}
}

func stopCmd(_ context.Context, e env, args []string) int {
	var errName, cause *string
	c, pos, code, ok := clientFor(e, "stop", args, 2, 2, func(fs flagSetter) {
		errName = fs.String("error", "", "error `name` recorded with the stop")
		cause = fs.String("cause", "", "cause `text` recorded with the stop")
	})
	if !ok {
		return code
	}
	params := map[string]string{"FlowName": pos[0], "ExecutionName": pos[1]}
	if *errName != "" {
		params["Error"] = *errName
	}
	if *cause != "" {
		params["Cause"] = *cause
	}
	var ex api.Execution
	if err := c.call("StopExecution", params, &ex); err != nil {
		return fail(e, "stop", err)
	}
	_, _ = fmt.Fprintf(e.stdout, "%s %s\n", ex.Name, ex.Status)
	return exitOK
}

func reportSuccessCmd(_ context.Context, e env, args []string) int {
	var output *string
	c, pos, code, ok := clientFor(e, "report-success", args, 1, 1, func(fs flagSetter) {
		output = fs.String("output", "", "the task's output: JSON `object`, @file or @- for stdin (default {})")
	})
	if !ok {
		return code
	}
	out, err := readInput(e, *output)
	if err != nil {
		return fail(e, "report-success", err)
	}
	if err := c.call("ReportTaskSucceeded", map[string]string{"TaskToken": pos[0], "Output": out}, nil); err != nil {
		return fail(e, "report-success", err)
	}
	_, _ = fmt.Fprintln(e.stdout, "reported success")
	return exitOK
}

func reportFailureCmd(_ context.Context, e env, args []string) int {
	var errName, cause *string
	c, pos, code, ok := clientFor(e, "report-failure", args, 1, 1, func(fs flagSetter) {
		errName = fs.String("error", "", "error `name` that Retry and Catch match (required)")
		cause = fs.String("cause", "", "error cause `text`")
	})
	if !ok {
		return code
	}
	if *errName == "" {
		_, _ = fmt.Fprintln(e.stderr, "cloudflow report-failure: -error is required")
		return exitUsage
	}
	params := map[string]string{"TaskToken": pos[0], "Error": *errName}
	if *cause != "" {
		params["Cause"] = *cause
	}
	if err := c.call("ReportTaskFailed", params, nil); err != nil {
		return fail(e, "report-failure", err)
	}
	_, _ = fmt.Fprintln(e.stdout, "reported failure")
	return exitOK
}
