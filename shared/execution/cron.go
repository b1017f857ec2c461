package execution

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// cronParser reads the six-field form of reference 10.5: seconds, minutes,
// hours, day of month, month, day of week, in UTC.
var cronParser = cron.NewParser(cron.Second | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// everyPrefix starts the @every form of a CronExpression.
const everyPrefix = "@every "

// tickSchedule yields a schedule's tick times.
type tickSchedule interface {
	// ticks returns the ticks t with from < t <= to, oldest first.
	ticks(from, to time.Time) []time.Time
}

// specTicks is a six-field cron expression.
type specTicks struct{ spec *cron.SpecSchedule }

func (s specTicks) ticks(from, to time.Time) []time.Time {
	var out []time.Time
	for t := s.spec.Next(from.UTC()); !t.IsZero() && !t.After(to); t = s.spec.Next(t) {
		out = append(out, t)
	}
	return out
}

// everyTicks is "@every <duration>": ticks at anchor + k*every (k >= 1),
// so every instance computes the same times.
type everyTicks struct {
	anchor time.Time
	every  time.Duration
}

func (e everyTicks) ticks(from, to time.Time) []time.Time {
	k := int64(1)
	if from.After(e.anchor) {
		k = int64(from.Sub(e.anchor)/e.every) + 1
	}
	var out []time.Time
	for t := e.anchor.Add(time.Duration(k) * e.every); !t.After(to); t = t.Add(e.every) {
		out = append(out, t)
	}
	return out
}

// errCron is the reason every CronExpression error gives.
var errCron = errors.New("CronExpression must be six cron fields (seconds first, UTC) or @every <duration> of whole seconds, at least 1s")

// parseCron checks a CronExpression; @every ticks count from anchor
// (truncated to the second).
func parseCron(expr string, anchor time.Time) (tickSchedule, error) {
	if rest, ok := strings.CutPrefix(expr, everyPrefix); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second || d%time.Second != 0 {
			return nil, errCron
		}
		return everyTicks{anchor: anchor.UTC().Truncate(time.Second), every: d}, nil
	}
	// The parser also accepts TZ= prefixes and descriptors; the reference
	// allows neither.
	if strings.HasPrefix(expr, "@") || strings.Contains(expr, "TZ=") {
		return nil, errCron
	}
	sched, err := cronParser.Parse(expr)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", errCron, err)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, errCron
	}
	spec.Location = time.UTC
	return specTicks{spec: spec}, nil
}
