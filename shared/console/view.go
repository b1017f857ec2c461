package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

// funcs are the template functions.
var funcs = template.FuncMap{
	"utc": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	},
	"path":    url.PathEscape,
	"outcome": outcomeLabel,
	"pct":     func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) + "%" },
	"rows": func(p page, flow string, rows []execRow) execRowsData {
		return execRowsData{Page: p, Flow: flow, Rows: rows}
	},
}

// execRowsData is the data of the "execrows" template: a list of executions of
// Flow.
type execRowsData struct {
	Page page
	Flow string
	Rows []execRow
}

// duration prints d briefly: 850ms, 1.2s, 3m4s.
func duration(d time.Duration) string {
	switch {
	case d < 0:
		return ""
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return d.Truncate(time.Second).String()
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// pretty indents a JSON text; anything else is returned as it is.
func pretty(s string) string {
	if s == "" {
		return ""
	}
	var buf bytes.Buffer
	if json.Indent(&buf, []byte(s), "", "  ") != nil {
		return s
	}
	return buf.String()
}

// execStatus is an execution status's icon and label; the icon is there for
// readers who cannot tell the colours apart.
func execStatus(s string) (icon, label string) {
	switch s {
	case "Succeeded":
		return "✓", "Succeeded"
	case "Failed":
		return "✗", "Failed"
	case "TimedOut":
		return "⌛", "Timed out"
	case "Stopped":
		return "■", "Stopped"
	case "Running":
		return "▶", "Running"
	case "Starting":
		return "…", "Starting"
	}
	return "?", s
}

// outcomeInfo is a state outcome's icon and label.
type outcomeInfo struct{ Icon, Label string }

var outcomes = map[timeline.Outcome]outcomeInfo{
	timeline.NotReached: {"○", "Not reached"},
	timeline.Running:    {"▶", "Running"},
	timeline.Succeeded:  {"✓", "Succeeded"},
	timeline.Failed:     {"✗", "Failed"},
	timeline.Caught:     {"⚑", "Caught"},
	timeline.Retried:    {"↻", "Retried"},
}

// outcomeLabel returns the icon and label of an outcome, given as a
// timeline.Outcome or its spelling.
func outcomeLabel(o any) outcomeInfo {
	s := fmt.Sprint(o)
	if info, ok := outcomes[timeline.Outcome(s)]; ok {
		return info
	}
	return outcomeInfo{"?", s}
}

// scale maps times of an execution to percentages of its span.
type scale struct {
	start time.Time
	span  time.Duration
}

func newScale(start, end time.Time) scale {
	span := end.Sub(start)
	if span <= 0 {
		span = time.Millisecond
	}
	return scale{start: start, span: span}
}

// at returns the position of t, 0 to 100.
func (s scale) at(t time.Time) float64 {
	p := float64(t.Sub(s.start)) / float64(s.span) * 100
	return min(max(p, 0), 100)
}

// bar returns the left and width of [from, to] (to zero: the end), with a
// minimum width so that instant steps stay visible.
func (s scale) bar(from, to time.Time) (left, width float64) {
	left = s.at(from)
	right := 100.0
	if !to.IsZero() {
		right = s.at(to)
	}
	width = max(right-left, 0.4)
	if left+width > 100 {
		left = 100 - width
	}
	return left, width
}

// segment is a part of a step's bar: an attempt, or the wait before a retry.
type segment struct {
	Left, Width float64
	Class       string // "attempt", "attempt failed", "wait"
	Title       string
}

// laneView is a lane of the timeline.
type laneView struct {
	ID, Label string
	Start     time.Time
	Duration  string
	Steps     []stepView
}

// stepView is one step of the timeline.
type stepView struct {
	ID                     string
	Name, Path, Type       string
	Outcome                timeline.Outcome
	Start, End             time.Time
	Duration               string
	Left, Width            float64
	Segments               []segment
	Attempts               int
	Input, Output          string
	Error, Cause           string
	Parameters, TaskOutput string
	TaskResult             string
	Waiting                bool
	Token                  string
	Lanes                  []laneView
	LanesLabel             string
	FailedAttempts         []attemptView
	WaitsTotal             string
}

// attemptView is a failed attempt listed under a step.
type attemptView struct {
	N            int
	Error, Cause string
	At           time.Time
}

// laneOf builds the view of a timeline lane; tokens maps waiting tasks'
// ScheduleEventIds to their task tokens, and waiting collects them.
func laneOf(l *timeline.Lane, id, label string, sc scale, tokens map[int64]string, waiting *[]waitView) laneView {
	lv := laneView{ID: id, Label: label, Start: l.Start}
	if !l.Start.IsZero() && !l.End.IsZero() {
		lv.Duration = duration(l.End.Sub(l.Start))
	}
	for _, s := range l.Steps {
		sid := "s" + strconv.FormatInt(s.EnteredID, 10)
		v := stepView{ID: sid, Name: s.Name, Path: s.Path, Type: s.Type, Outcome: s.Outcome, Start: s.Start, End: s.End,
			Attempts: len(s.Attempts), Input: pretty(s.Input), Output: pretty(s.Output), Error: s.Error, Cause: s.Cause}
		if !s.End.IsZero() {
			v.Duration = duration(s.End.Sub(s.Start))
		} else {
			v.Duration = "running"
		}
		v.Left, v.Width = sc.bar(s.Start, s.End)
		var waits time.Duration
		for i, a := range s.Attempts {
			if i > 0 && !s.Attempts[i-1].End.IsZero() {
				prev := s.Attempts[i-1].End
				seg := segment{Class: "wait", Title: "waiting " + duration(a.Start.Sub(prev)) + " before retry " + itoa(i)}
				seg.Left, seg.Width = sc.bar(prev, a.Start)
				v.Segments = append(v.Segments, seg)
				waits += a.Start.Sub(prev)
			}
			seg := segment{Class: "attempt", Title: "attempt " + itoa(i+1)}
			if a.Failed {
				seg.Class += " failed"
				seg.Title += " failed: " + a.Error
				v.FailedAttempts = append(v.FailedAttempts, attemptView{N: i + 1, Error: a.Error, Cause: a.Cause, At: a.End})
			}
			seg.Left, seg.Width = sc.bar(a.Start, a.End)
			v.Segments = append(v.Segments, seg)
			if t := a.Task; t != nil {
				v.Parameters, v.TaskOutput, v.TaskResult = pretty(t.Parameters), pretty(t.Output), t.Result
				if t.Parameters == "null" {
					v.Parameters = "" // a Task without Parameters
				}
				v.Waiting = t.Waiting()
				if tok, ok := tokens[t.ScheduledID]; ok && v.Waiting {
					v.Token = tok
					*waiting = append(*waiting, waitView{Step: s.Name, Token: tok, Since: t.Scheduled})
				}
			}
		}
		if waits > 0 {
			v.WaitsTotal = duration(waits)
		}
		for i, sub := range s.Lanes {
			kind := "Branch"
			if sub.Kind == timeline.Iteration {
				kind = "Iteration"
			}
			v.Lanes = append(v.Lanes, laneOf(sub, sid+"-"+itoa(i), kind+" "+itoa(sub.Index), sc, tokens, waiting))
		}
		if n := len(s.Lanes); n > 0 {
			v.LanesLabel = itoa(n) + " branches"
			if s.Lanes[0].Kind == timeline.Iteration {
				v.LanesLabel = itoa(n) + " iterations"
			}
		}
		lv.Steps = append(lv.Steps, v)
	}
	return lv
}

// errJSON is an error answer of the live endpoint.
type errJSON struct {
	status int
	body   map[string]string
}

func errorJSON(err error) errJSON {
	e := api.ErrorFor(err)
	return errJSON{status: e.Status, body: map[string]string{"Code": e.Code, "Message": e.Message}}
}
