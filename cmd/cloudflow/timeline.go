package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/graph"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/timeline"
)

// apiTime is the wire format of timestamps (decision 5).
const apiTime = "2006-01-02T15:04:05.000Z"

func fromAPI(evs []api.Event) []timeline.Event {
	out := make([]timeline.Event, len(evs))
	for i, ev := range evs {
		t, _ := time.Parse(apiTime, ev.Time)
		out[i] = timeline.Event{ID: ev.EventID, ScheduleID: ev.ScheduleEventID, Type: ev.Type, StepName: ev.StepName, Time: t, Detail: ev.EventDetail}
	}
	return out
}

func fromEngine(evs []interp.Event) []timeline.Event {
	out := make([]timeline.Event, len(evs))
	for i, ev := range evs {
		out[i] = timeline.Event{ID: ev.ID, ScheduleID: ev.ScheduleID, Type: string(ev.Type), StepName: ev.StepName, Time: ev.Time, Detail: ev.Detail}
	}
	return out
}

// short prints a duration briefly: 850ms, 1.2s, 3m4s.
func short(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return d.Truncate(time.Second).String()
}

func retries(s *timeline.Step) int { return max(len(s.Attempts)-1, 0) }

func errText(name, cause string) string {
	if cause == "" {
		return name
	}
	return name + ": " + cause
}

// printTimeline writes one line per step: offset from the start, the state,
// its type, outcome, duration, retries and error; Parallel branches and Map
// iterations are indented under their state.
func printTimeline(w io.Writer, tl *timeline.Timeline) {
	var lane func(l *timeline.Lane, indent string)
	lane = func(l *timeline.Lane, indent string) {
		for _, s := range l.Steps {
			off := ""
			if !tl.Start.IsZero() && !s.Start.IsZero() {
				off = "+" + short(s.Start.Sub(tl.Start))
			}
			dur := "running"
			if tl.Status != "" {
				dur = "-" // the execution ended while the step ran
			}
			if !s.End.IsZero() {
				dur = short(s.End.Sub(s.Start))
			}
			parts := []string{fmt.Sprintf("%-8s %s%-*s %-8s %-10s %7s", off, indent, max(20-len(indent), 1), s.Name, s.Type, s.Outcome, dur)}
			if n := retries(s); n > 0 {
				parts = append(parts, fmt.Sprintf("%d retr%s", n, map[bool]string{true: "y", false: "ies"}[n == 1]))
			}
			if s.Error != "" {
				parts = append(parts, errText(s.Error, s.Cause))
			}
			_, _ = fmt.Fprintln(w, strings.Join(parts, "  "))
			for _, sub := range s.Lanes {
				_, _ = fmt.Fprintf(w, "%-8s %s[%s %d]\n", "", indent+"  ", sub.Kind, sub.Index)
				lane(sub, indent+"    ")
			}
		}
	}
	lane(tl.Top, "")
	switch {
	case tl.Status == "":
		_, _ = fmt.Fprintln(w, "still running")
	case tl.Status == string(interp.Succeeded):
		_, _ = fmt.Fprintf(w, "Succeeded in %s\n", short(tl.End.Sub(tl.Start)))
	default:
		_, _ = fmt.Fprintf(w, "%s after %s: %s\n", tl.Status, short(tl.End.Sub(tl.Start)), errText(tl.Error, tl.Cause))
	}
}

// overlay turns a timeline into graph options: every state's outcome and a
// note with its retries, time spent and last error.
func overlay(tl *timeline.Timeline) graph.Options {
	o := graph.Options{Status: map[string]graph.Status{}, Notes: map[string]string{}}
	for path, oc := range tl.Outcomes {
		o.Status[path] = graph.Status(oc)
	}
	type sum struct {
		entries, retries int
		spent            time.Duration
		err              string
	}
	sums := map[string]*sum{}
	var lane func(l *timeline.Lane)
	lane = func(l *timeline.Lane) {
		for _, s := range l.Steps {
			if s.Path == "" {
				continue
			}
			x := sums[s.Path]
			if x == nil {
				x = &sum{}
				sums[s.Path] = x
			}
			x.entries++
			x.retries += retries(s)
			if !s.End.IsZero() {
				x.spent += s.End.Sub(s.Start)
			}
			if s.Error != "" {
				x.err = s.Error
			}
			for _, sub := range s.Lanes {
				lane(sub)
			}
		}
	}
	lane(tl.Top)
	for path, x := range sums {
		var note []string
		if x.entries > 1 {
			note = append(note, fmt.Sprintf("%d×", x.entries))
		}
		if x.retries > 0 {
			note = append(note, fmt.Sprintf("%d retr%s", x.retries, map[bool]string{true: "y", false: "ies"}[x.retries == 1]))
		}
		note = append(note, short(x.spent))
		if x.err != "" {
			note = append(note, x.err)
		}
		o.Notes[path] = strings.Join(note, " · ")
	}
	return o
}
