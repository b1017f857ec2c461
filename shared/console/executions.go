package console

import (
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/graph"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

// execRow is one line of an executions list.
type execRow struct {
	Name, Status      string
	Started, Stopped  time.Time
	Duration          string
	Error             string
	StatusIcon, Label string
}

func execRows(es []*execution.Execution, now time.Time) []execRow {
	rows := make([]execRow, 0, len(es))
	for _, e := range es {
		end := e.StoppedTime
		if end.IsZero() {
			end = now
		}
		icon, label := execStatus(string(e.Status))
		rows = append(rows, execRow{Name: e.Name, Status: string(e.Status), Started: e.StartedTime, Stopped: e.StoppedTime,
			Duration: duration(end.Sub(e.StartedTime)), Error: e.Error, StatusIcon: icon, Label: label})
	}
	return rows
}

// listFilter is the executions list's query: status, name prefix, time
// range and page.
type listFilter struct {
	Status, Prefix, Begin, End, Next string
}

func (f listFilter) query(next string) string {
	q := url.Values{}
	for k, v := range map[string]string{"status": f.Status, "prefix": f.Prefix, "begin": f.Begin, "end": f.End, "next": next} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

type executionsBody struct {
	Flow      string
	Filter    listFilter
	Statuses  []string
	Rows      []execRow
	NextQuery string // query of the next page, "" on the last
	FirstPage string // query of the first page with the same filter
	Paged     bool   // this is not the first page
}

func (c *Console) executionsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	name := r.PathValue("flow")
	q := r.URL.Query()
	f := listFilter{Status: q.Get("status"), Prefix: q.Get("prefix"), Begin: q.Get("begin"), End: q.Get("end"), Next: q.Get("next")}
	in := execution.ListInput{FlowName: name, Limit: pageSize, NextToken: f.Next, Status: execution.Status(f.Status), NamePrefix: f.Prefix}
	body := executionsBody{Flow: name, Filter: f, Statuses: []string{"Running", "Succeeded", "Failed", "TimedOut", "Stopped", "Starting"}}
	crumbs := []crumb{{"Flows", Prefix}, {name, Prefix + "flows/" + url.PathEscape(name)}, {"Executions", ""}}
	bad := func(msg string) {
		c.render(w, rq, http.StatusBadRequest, "executions", page{Title: "Executions of " + name, Body: body, Error: msg, Crumbs: crumbs})
	}
	if in.Status != "" && !in.Status.Valid() {
		bad("Status must be one of Starting, Running, Stopped, Succeeded, Failed, TimedOut.")
		return
	}
	var err error
	if in.StartedTimeBegin, err = parseTime(f.Begin); err != nil {
		bad("The start of the time range must be a time such as 2026-01-02T15:04:05Z.")
		return
	}
	if in.StartedTimeEnd, err = parseTime(f.End); err != nil {
		bad("The end of the time range must be a time such as 2026-01-02T15:04:05Z.")
		return
	}
	es, next, err := c.svc.ListExecutions(rq.ctx, in)
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	body.Rows = execRows(es, c.opts.Now())
	if next != "" {
		body.NextQuery = f.query(next)
	}
	body.FirstPage = f.query("")
	body.Paged = f.Next != ""
	c.render(w, rq, http.StatusOK, "executions", page{Title: "Executions of " + name, Body: body, Crumbs: crumbs})
}

// parseTime reads a time range bound: RFC 3339, or a datetime-local value
// (read as UTC; the page's script sends RFC 3339 in the browser's zone).
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Parse(time.RFC3339, s)
}

// executionBody is what the execution page and its live updates show.
type executionBody struct {
	Flow, Name                 string
	Status, StatusIcon, Label  string
	Done                       bool
	Started, Stopped           time.Time
	Duration                   string
	Input, Output, Error       string
	Cause                      string
	Graph                      template.HTML
	Top                        laneView
	Waiting                    []waitView
	Events                     int
	Outcomes                   map[string]timeline.Outcome
	FlowVersion, Qualifier     string
	LiveURL, StopURL, ExecPath string
}

// waitView is a callback task waiting for a report.
type waitView struct {
	Step, Token string
	Since       time.Time
}

// execution reads an execution, its history and its flow definition, and
// derives the page's data.
func (c *Console) execution(rq *request, flowName, name string) (*executionBody, error) {
	e, err := c.svc.DescribeExecution(rq.ctx, execution.DescribeInput{FlowName: flowName, ExecutionName: name})
	if err != nil {
		return nil, err
	}
	var evs []timeline.Event
	var next int64
	for len(evs) < maxHistory {
		page, tok, err := c.svc.GetExecutionHistory(rq.ctx, execution.HistoryInput{FlowName: flowName, ExecutionName: name, Limit: 1000, NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, ev := range page {
			evs = append(evs, timeline.Event{ID: ev.ID, ScheduleID: ev.ScheduleID, Type: ev.Type, StepName: ev.StepName, Time: ev.Time, Detail: ev.Detail})
		}
		if tok == "" {
			break
		}
		if next, err = strconv.ParseInt(tok, 10, 64); err != nil {
			break
		}
	}
	parsed, _ := flow.Parse([]byte(e.FlowDefinition), flow.ParseOptions{Name: e.FlowName, Mode: e.FlowMode})
	tl := timeline.Build(parsed, evs)
	now := c.opts.Now()
	end := e.StoppedTime
	if end.IsZero() {
		end = now
	}
	icon, label := execStatus(string(e.Status))
	path := Prefix + "flows/" + url.PathEscape(flowName) + "/executions/" + url.PathEscape(name)
	b := &executionBody{
		Flow: flowName, Name: name, Status: string(e.Status), StatusIcon: icon, Label: label, Done: e.Status.Terminal(),
		Started: e.StartedTime, Stopped: e.StoppedTime, Duration: duration(end.Sub(e.StartedTime)),
		Input: pretty(e.Input), Output: pretty(e.Output), Error: e.Error, Cause: e.Cause,
		Events: len(evs), Outcomes: tl.Outcomes, FlowVersion: e.FlowVersion, Qualifier: e.Qualifier,
		LiveURL: path + "/live", StopURL: path + "/stop", ExecPath: path,
	}
	tokens := map[int64]string{}
	if cp := e.Checkpoint; cp != nil && cp.Wait != nil && cp.Wait.Token != "" && !cp.Wait.Reported && !b.Done {
		tokens[cp.Wait.ScheduleEventID] = cp.Wait.Token
	}
	scale := newScale(e.StartedTime, end)
	b.Top = laneOf(tl.Top, "top", "All steps", scale, tokens, &b.Waiting)
	if parsed != nil && !b.Done {
		markCurrent(tl.Outcomes, parsed, e.Checkpoint)
	}
	if parsed != nil {
		status := make(map[string]graph.Status, len(tl.Outcomes))
		for k, v := range tl.Outcomes {
			status[k] = graph.Status(v)
		}
		b.Graph = template.HTML(graph.New(parsed).SVG(graph.Options{Status: status})) // #nosec: package graph escapes every text
	}
	return b, nil
}

// markCurrent marks as running the top-level state an unfinished execution
// is at: the history shows a step only once it is persisted, so a long
// Task would otherwise look not reached until it ends. The checkpoint names
// the next top-level state (none yet: the start state).
func markCurrent(outcomes map[string]timeline.Outcome, f *flow.Flow, cp *interp.Checkpoint) {
	root := f.Root()
	i := root.Start
	if cp != nil {
		i = cp.State
	}
	if i < 0 || i >= len(root.States) {
		return
	}
	if name := root.States[i].Name; outcomes[name] == timeline.NotReached {
		outcomes[name] = timeline.Running
	}
}

func (c *Console) executionPage(w http.ResponseWriter, r *http.Request, rq *request) {
	flowName, name := r.PathValue("flow"), r.PathValue("name")
	b, err := c.execution(rq, flowName, name)
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	c.renderExecution(w, rq, http.StatusOK, b, flashes[r.URL.Query().Get("flash")], "")
}

func (c *Console) renderExecution(w http.ResponseWriter, rq *request, status int, b *executionBody, flash, errMsg string) {
	c.render(w, rq, status, "execution", page{Title: b.Name, Body: b, Flash: flash, Error: errMsg, Crumbs: []crumb{
		{"Flows", Prefix}, {b.Flow, Prefix + "flows/" + url.PathEscape(b.Flow)},
		{"Executions", Prefix + "flows/" + url.PathEscape(b.Flow) + "/executions"}, {b.Name, ""}}})
}

// liveUpdate is the JSON the execution page polls while the execution runs.
type liveUpdate struct {
	Status   string                      `json:"status"`
	Done     bool                        `json:"done"`
	Outcomes map[string]timeline.Outcome `json:"outcomes"`
	HTML     string                      `json:"html"` // the page's live part
}

func (c *Console) executionLive(w http.ResponseWriter, r *http.Request, rq *request) {
	b, err := c.execution(rq, r.PathValue("flow"), r.PathValue("name"))
	if err != nil {
		e := errorJSON(err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(e.body)
		return
	}
	p := page{Body: b, CSRF: c.sessions.token(rq.session), Prefix: Prefix}
	var buf bytes.Buffer
	if err := c.pages["execution"].ExecuteTemplate(&buf, "live", p); err != nil {
		c.opts.Logger.Error("console: render live", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(liveUpdate{Status: b.Status, Done: b.Done, Outcomes: b.Outcomes, HTML: buf.String()})
}
