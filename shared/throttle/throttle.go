package throttle

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultName is the pseudo-action that sets [Limits.Default] in an override
// string.
const DefaultName = "Default"

// Rate is one token bucket's shape: it holds at most Burst tokens and gains
// PerSecond tokens per second; each request takes one.
type Rate struct {
	Burst     int
	PerSecond float64
}

// String formats r as burst/perSecond, the override syntax.
func (r Rate) String() string {
	return strconv.Itoa(r.Burst) + "/" + strconv.FormatFloat(r.PerSecond, 'g', -1, 64)
}

// Limits maps actions to rates; actions not in Actions use Default.
type Limits struct {
	Default Rate
	Actions map[string]Rate
}

// DefaultLimits returns CloudFlow's documented API rates (reference 9.6):
// StartExecution 100 burst, 100/s; DescribeExecution and GetExecutionHistory
// 50 burst, 5/s; StartSyncExecution (Express starts, documented as 1,000/s)
// 1,000 burst, 1,000/s; every other operation 10 burst, 2/s.
func DefaultLimits() Limits {
	return Limits{
		Default: Rate{Burst: 10, PerSecond: 2},
		Actions: map[string]Rate{
			"StartExecution":      {Burst: 100, PerSecond: 100},
			"DescribeExecution":   {Burst: 50, PerSecond: 5},
			"GetExecutionHistory": {Burst: 50, PerSecond: 5},
			"StartSyncExecution":  {Burst: 1000, PerSecond: 1000},
		},
	}
}

// For returns the rate for action.
func (l Limits) For(action string) Rate {
	if r, ok := l.Actions[action]; ok {
		return r
	}
	return l.Default
}

// String formats l in the override syntax, Default first, then actions in
// name order.
func (l Limits) String() string {
	names := make([]string, 0, len(l.Actions))
	for n := range l.Actions {
		names = append(names, n)
	}
	sort.Strings(names)
	parts := []string{DefaultName + "=" + l.Default.String()}
	for _, n := range names {
		parts = append(parts, n+"="+l.Actions[n].String())
	}
	return strings.Join(parts, ",")
}

// ErrSpec is wrapped by every error ParseLimits returns.
var ErrSpec = errors.New("invalid rate limit")

// ParseLimits applies the override string spec to a copy of base and returns
// it. spec is a comma-separated list of Action=burst/perSecond entries
// (spaces around entries are ignored); the action "Default" sets
// base.Default. Burst must be an integer of at least 1 and perSecond a
// positive number. An empty spec returns base unchanged. Errors wrap ErrSpec
// and name the bad entry.
func ParseLimits(spec string, base Limits) (Limits, error) {
	out := Limits{Default: base.Default, Actions: make(map[string]Rate, len(base.Actions))}
	for n, r := range base.Actions {
		out.Actions[n] = r
	}
	if strings.TrimSpace(spec) == "" {
		return out, nil
	}
	for i, e := range strings.Split(spec, ",") {
		e = strings.TrimSpace(e)
		name, val, ok := strings.Cut(e, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return Limits{}, fmt.Errorf("entry %d %q: want Action=burst/perSecond: %w", i+1, e, ErrSpec)
		}
		r, err := parseRate(strings.TrimSpace(val))
		if err != nil {
			return Limits{}, fmt.Errorf("entry %d %q: %v: %w", i+1, e, err, ErrSpec)
		}
		if name == DefaultName {
			out.Default = r
		} else {
			out.Actions[name] = r
		}
	}
	return out, nil
}

func parseRate(s string) (Rate, error) {
	b, p, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, errors.New("want burst/perSecond")
	}
	burst, err := strconv.Atoi(strings.TrimSpace(b))
	if err != nil || burst < 1 {
		return Rate{}, errors.New("burst must be an integer of at least 1")
	}
	per, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
	if err != nil || !(per > 0) || math.IsInf(per, 0) {
		return Rate{}, errors.New("perSecond must be a positive number")
	}
	return Rate{Burst: burst, PerSecond: per}, nil
}

// Defaults for [Options].
const (
	// DefaultMaxBuckets caps the buckets held at once.
	DefaultMaxBuckets = 100_000
	// DefaultSweepInterval is the least clock time between sweeps of idle
	// buckets.
	DefaultSweepInterval = time.Minute
)

// Options are the optional knobs of a [Limiter]; zero values mean the
// defaults.
type Options struct {
	MaxBuckets    int           // default DefaultMaxBuckets
	SweepInterval time.Duration // default DefaultSweepInterval
}

// Limiter enforces Limits with one token bucket per (account, action). It is
// safe for concurrent use.
type Limiter struct {
	limits Limits
	now    func() time.Time
	opts   Options

	mu        sync.Mutex
	buckets   map[bucketKey]*bucket
	lastSweep time.Time
}

type bucketKey struct{ account, action string }

type bucket struct {
	tokens float64
	last   time.Time // when tokens was last brought up to date
	rate   Rate
}

// New returns a Limiter for limits using the clock now (time.Now when nil).
// limits is copied, so later changes to its map do not affect the limiter.
func New(limits Limits, now func() time.Time, opts Options) *Limiter {
	if now == nil {
		now = time.Now
	}
	if opts.MaxBuckets <= 0 {
		opts.MaxBuckets = DefaultMaxBuckets
	}
	if opts.SweepInterval <= 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	copied, _ := ParseLimits("", limits)
	return &Limiter{limits: copied, now: now, opts: opts, buckets: make(map[bucketKey]*bucket), lastSweep: now()}
}

// Allow takes one token from the bucket of (account, action) and reports
// whether there was one. A false result means the request is throttled.
func (l *Limiter) Allow(account, action string) bool {
	now := l.now()
	k := bucketKey{account, action}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) >= l.opts.SweepInterval {
		l.sweep(now)
	}
	b := l.buckets[k]
	if b == nil {
		if len(l.buckets) >= l.opts.MaxBuckets {
			l.sweep(now)
			for victim := range l.buckets {
				if len(l.buckets) < l.opts.MaxBuckets {
					break
				}
				delete(l.buckets, victim)
			}
		}
		r := l.limits.For(action)
		b = &bucket{tokens: float64(r.Burst), last: now, rate: r}
		l.buckets[bucketKey{strings.Clone(account), strings.Clone(action)}] = b
	}
	b.refill(now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// refill brings b up to date at now. A clock that goes backwards adds nothing.
func (b *bucket) refill(now time.Time) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = math.Min(float64(b.rate.Burst), b.tokens+d.Seconds()*b.rate.PerSecond)
		b.last = now
	}
}

// sweep drops every bucket that would be full at now.
func (l *Limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		b.refill(now)
		if b.tokens >= float64(b.rate.Burst) {
			delete(l.buckets, k)
		}
	}
}

// Len returns the number of buckets currently held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
