package console

import (
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/graph"
)

// flowRow is one line of the flows list.
type flowRow struct {
	Name, Mode, Description string
	Versions, Aliases       string // counts, "100+" past one page
	Modified                time.Time
}

type flowsBody struct {
	Flows     []flowRow
	NextToken string
}

func (c *Console) flowsPage(w http.ResponseWriter, r *http.Request, rq *request) {
	flows, next, err := c.svc.ListFlows(rq.ctx, execution.ListFlowsInput{Limit: pageSize, NextToken: r.URL.Query().Get("next")})
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	body := flowsBody{NextToken: next}
	for _, f := range flows {
		row := flowRow{Name: f.Name, Mode: string(mode(f.ExecutionMode)), Description: f.Description, Modified: f.LastModifiedTime}
		vs, vnext, err := c.svc.ListFlowVersions(rq.ctx, execution.ListVersionsInput{FlowName: f.Name, Limit: 100})
		if err == nil {
			row.Versions = count(len(vs), vnext)
		}
		as, anext, err := c.svc.ListFlowAliases(rq.ctx, execution.ListAliasesInput{FlowName: f.Name, Limit: 100})
		if err == nil {
			row.Aliases = count(len(as), anext)
		}
		body.Flows = append(body.Flows, row)
	}
	c.render(w, rq, http.StatusOK, "flows", page{Title: "Flows", Body: body})
}

func mode(m flow.Mode) flow.Mode {
	if m == "" {
		return flow.Standard
	}
	return m
}

func count(n int, next string) string {
	s := itoa(n)
	if next != "" {
		s += "+"
	}
	return s
}

// defLine is one line of a definition listing, with the issues located on it.
type defLine struct {
	N      int
	Text   string
	Issues []string
}

type flowBody struct {
	Flow     *execution.Flow
	Mode     string
	Graph    template.HTML
	Lines    []defLine
	Issues   []string // issues without a line
	Versions []*execution.FlowVersion
	Aliases  []*execution.Alias
	Recent   []execRow
	// Start form: values sent back after a failed start, and an Express
	// run's result.
	StartName, StartInput string
	Result                *syncResult
}

// syncResult is an Express execution's result shown on the flow page.
type syncResult struct {
	Name, Status, Output, Error, Cause string
	Started, Stopped                   time.Time
}

func (c *Console) flowPage(w http.ResponseWriter, r *http.Request, rq *request) {
	body, err := c.flowBody(rq, r.PathValue("flow"))
	if err != nil {
		c.failErr(w, rq, err)
		return
	}
	c.renderFlow(w, rq, http.StatusOK, body, "")
}

func (c *Console) renderFlow(w http.ResponseWriter, rq *request, status int, body *flowBody, errMsg string) {
	name := body.Flow.Name
	c.render(w, rq, status, "flow", page{Title: name, Body: body, Error: errMsg,
		Crumbs: []crumb{{"Flows", Prefix}, {name, ""}}})
}

// listing splits a definition into numbered lines and places the located
// issues of its parse error on their lines; the others are returned apart.
func listing(def string, parseErr error) (lines []defLine, unlocated []string) {
	byLine := map[int][]string{}
	var issues flow.Issues
	if errors.As(parseErr, &issues) {
		for _, is := range issues {
			msg := is.Msg
			if is.Path != "" {
				msg = is.Path + ": " + msg
			}
			if is.Line > 0 {
				byLine[is.Line] = append(byLine[is.Line], msg)
			} else {
				unlocated = append(unlocated, msg)
			}
		}
	} else if parseErr != nil {
		unlocated = append(unlocated, parseErr.Error())
	}
	for i, l := range strings.Split(strings.TrimRight(def, "\n"), "\n") {
		lines = append(lines, defLine{N: i + 1, Text: l, Issues: byLine[i+1]})
	}
	return lines, unlocated
}

// flowBody reads everything the flow page shows.
func (c *Console) flowBody(rq *request, name string) (*flowBody, error) {
	f, err := c.svc.DescribeFlow(rq.ctx, name)
	if err != nil {
		return nil, err
	}
	b := &flowBody{Flow: f, Mode: string(mode(f.ExecutionMode)), StartInput: "{}"}
	parsed, err := flow.Parse([]byte(f.Definition), flow.ParseOptions{Name: f.Name, Mode: f.ExecutionMode})
	b.Lines, b.Issues = listing(f.Definition, err)
	if parsed != nil {
		b.Graph = template.HTML(graph.New(parsed).SVG(graph.Options{})) // #nosec: rendered by package graph, which escapes every text
	}
	if b.Versions, _, err = c.svc.ListFlowVersions(rq.ctx, execution.ListVersionsInput{FlowName: name, Limit: 100}); err != nil {
		return nil, err
	}
	if b.Aliases, _, err = c.svc.ListFlowAliases(rq.ctx, execution.ListAliasesInput{FlowName: name, Limit: 100}); err != nil {
		return nil, err
	}
	if b.Mode == string(flow.Standard) {
		recent, _, err := c.svc.ListExecutions(rq.ctx, execution.ListInput{FlowName: name, Limit: 10})
		if err != nil {
			return nil, err
		}
		b.Recent = execRows(recent, c.opts.Now())
	}
	return b, nil
}
