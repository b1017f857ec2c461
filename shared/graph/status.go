package graph

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Status is what happened to a state in one execution.
type Status string

// Statuses, as data-status values.
const (
	NotReached Status = "notreached" // the execution never entered the state
	Running    Status = "running"    // entered and not left
	Succeeded  Status = "succeeded"  // left normally at the first attempt
	Failed     Status = "failed"     // failed, and the failure ended the execution
	Caught     Status = "caught"     // failed, and a Catch (or an enclosing one) took over
	Retried    Status = "retried"    // succeeded after one or more retries
)

// fill is the box colour of each status.
var fill = map[Status]string{
	NotReached: "#f2f2f2",
	Running:    "#cfe3ff",
	Succeeded:  "#d4f5d4",
	Failed:     "#ffd2d2",
	Caught:     "#ffe3bf",
	Retried:    "#fff4b3",
}

// Options changes what a rendering shows. The zero value draws the plain
// flow.
type Options struct {
	// Status maps state paths to outcomes; states not in the map get no
	// data-status. A nil map draws the flow without an execution.
	Status map[string]Status
	// Notes maps state paths to a short second line, e.g. "2 retries, 1.2s".
	Notes map[string]string
}

// Event is the part of a history event (GetExecutionHistory, reference 10.3)
// that Overlay reads.
type Event struct {
	Type     string // StepEntered, StepExited, StepFailed, TaskScheduled, TaskFailed, ExecutionFailed, ...
	StepName string
	Time     time.Time
	Error    string // the EventDetail Error, for failures
}

// Overlay turns an execution's history into Options: every state gets a
// status (NotReached when the history never names it), and states that ran
// get a note with their duration, retries and last error.
//
// History events name states without their scope, so a name used in two
// scopes colours both.
func (g *Graph) Overlay(events []Event) Options {
	byName := map[string][]string{}
	g.Walk(func(n *Node) { byName[n.Name] = append(byName[n.Name], n.ID) })
	type run struct {
		entered, left time.Time
		tasks         int
		failed        bool
		err           string
		exited        bool
	}
	runs := map[string]*run{}
	execErr, execFailed := "", false
	var end time.Time
	for _, ev := range events {
		if !ev.Time.IsZero() {
			end = ev.Time
		}
		if ev.StepName == "" {
			if ev.Type == "ExecutionFailed" || ev.Type == "ExecutionTimedOut" || ev.Type == "ExecutionStopped" {
				execFailed, execErr = true, ev.Error
			}
			continue
		}
		r := runs[ev.StepName]
		if r == nil {
			r = &run{}
			runs[ev.StepName] = r
		}
		switch ev.Type {
		case "StepEntered":
			if r.entered.IsZero() {
				r.entered = ev.Time
			}
		case "TaskScheduled":
			r.tasks++
		case "StepExited":
			r.exited, r.failed, r.left = true, false, ev.Time
		case "StepFailed":
			r.failed, r.left = true, ev.Time
			if ev.Error != "" {
				r.err = ev.Error
			}
		case "TaskFailed", "TaskTimedOut", "TaskSubmitFailed":
			if ev.Error != "" {
				r.err = ev.Error
			}
		}
	}
	o := Options{Status: map[string]Status{}, Notes: map[string]string{}}
	g.Walk(func(n *Node) { o.Status[n.ID] = NotReached })
	names := make([]string, 0, len(runs))
	for name := range runs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		r := runs[name]
		st := Running
		switch {
		case r.failed && execFailed && (execErr == "" || execErr == r.err):
			st = Failed
		case r.failed:
			st = Caught
		case r.exited && r.tasks > 1:
			st = Retried
		case r.exited:
			st = Succeeded
		}
		var note []string
		if r.tasks > 1 {
			note = append(note, plural(r.tasks-1, "retry", "retries"))
		}
		if !r.entered.IsZero() {
			stop := r.left
			if stop.IsZero() {
				stop = end
			}
			if d := stop.Sub(r.entered); d >= 0 {
				note = append(note, duration(d))
			}
		}
		if r.err != "" && r.failed {
			note = append(note, r.err)
		}
		for _, id := range byName[name] {
			o.Status[id] = st
			if len(note) > 0 {
				o.Notes[id] = strings.Join(note, ", ")
			}
		}
	}
	return o
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// duration prints d briefly: 850ms, 1.2s, 3m4s.
func duration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		return d.Truncate(time.Second).String()
	}
}
