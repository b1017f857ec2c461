// Command benchdurable is the load driver of .ci/bench-durable: it measures
// a running functions/local over real HTTP, or the disk's synced-write rate.
// It prints one JSON object per run on stdout.
//
//	benchdurable disk -dir DIR -seconds 2
//	benchdurable load -url http://127.0.0.1:PORT -clients 64 -seconds 5
//	benchdurable waits -url http://127.0.0.1:PORT -clients 64 -n 10000 [-seconds 1] [-finish=false]
//	benchdurable table [-before-header H] [-after-header H] RESULTS
//
// load creates a one-state Standard flow (a Pass) and starts executions of it
// from -clients concurrent clients for -seconds, then waits until every
// started execution has finished. waits starts -n executions of a flow whose
// only state is a Wait of -seconds (default 1) and reports how long after
// the last one was due all of them had finished; with -finish=false it
// reports the start phase only and leaves them waiting (the script measures
// the server's memory with them parked). Both use unsigned requests (a local
// server without access keys). With -timeout S, load and waits stop waiting
// S seconds after their start and report "timed_out" with how many of the
// executions had "finished" by then, instead of running on.
//
// table prints the before/after table of a results file that the script
// writes when it measures two builds (see table.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchdurable disk|load|waits|table [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "disk":
		err = disk(os.Args[2:])
	case "load":
		err = load(os.Args[2:], os.Stdout)
	case "waits":
		err = waits(os.Args[2:], os.Stdout)
	case "table":
		err = table(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchdurable:", err)
		os.Exit(1)
	}
}

// disk writes 4 KiB and fdatasyncs in a loop for the given time and prints
// the syncs per second: the ceiling of a store that syncs every commit.
func disk(args []string) error {
	fs := flag.NewFlagSet("disk", flag.ExitOnError)
	dir := fs.String("dir", os.TempDir(), "directory on the disk to measure")
	secs := fs.Float64("seconds", 2, "measurement time")
	_ = fs.Parse(args)
	f, err := os.CreateTemp(*dir, "synctest")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	defer func() { _ = f.Close() }()
	buf := make([]byte, 4096)
	n := 0
	start := time.Now()
	for time.Since(start).Seconds() < *secs {
		if _, err := f.WriteAt(buf, int64(n%256)*4096); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		n++
	}
	return emit(os.Stdout, map[string]any{"syncs_per_sec": float64(n) / time.Since(start).Seconds(), "dir": filepath.Clean(*dir)})
}

// client calls the RPC API of one server.
type client struct {
	base string
	http *http.Client
}

func newClient(base string, conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns, MaxIdleConnsPerHost: conns, IdleConnTimeout: time.Minute}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// call posts action with params and decodes the JSON answer; a non-200
// status is an error carrying the body.
func (c *client) call(ctx context.Context, action string, params map[string]string) (map[string]any, error) {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/?Action="+action+"&Version=2019-03-15", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %d %s", action, resp.StatusCode, body)
	}
	var out map[string]any
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return out, nil
}

// ready waits until the server answers; when pid is not 0 (the server's
// process, or strace's around it) it gives up as soon as that process has
// exited rather than waiting d.
func (c *client) ready(d time.Duration, pid int) error {
	deadline := time.Now().Add(d)
	for {
		_, err := c.call(context.Background(), "ListFlows", map[string]string{"Limit": "1"})
		if err == nil {
			return nil
		}
		if pid != 0 && !alive(pid) {
			return fmt.Errorf("server at %s not ready: its process %d exited: %w", c.base, pid, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready: %w", c.base, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// alive tells whether process pid runs: it exists and is not a zombie (a
// child the script has not reaped yet). Linux (/proc) only, like the script.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	return i >= 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// createFlow creates a Standard flow named name with the given states.
func (c *client) createFlow(name, states string) error {
	def := "Type: StateMachine\nSpecVersion: v1\nName: " + name + "\nStartAt: A\nStates:\n" + states
	_, err := c.call(context.Background(), "CreateFlow", map[string]string{
		"Name": name, "Type": "FDL", "ExecutionMode": "Standard", "Description": "bench", "Definition": def,
	})
	return err
}

// waitDone long-polls DescribeExecution until the execution is terminal
// and returns its status.
func (c *client) waitDone(ctx context.Context, flowName, name string) (string, error) {
	for {
		r, err := c.call(ctx, "DescribeExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "WaitTimeSeconds": "20"})
		if err != nil {
			return "", err
		}
		switch s, _ := r["Status"].(string); s {
		case "Running", "Starting":
		default:
			return s, nil
		}
	}
}

// deadline returns the context of a run bounded by -timeout seconds (none
// when 0).
func deadline(secs float64) (context.Context, context.CancelFunc) {
	if secs <= 0 {
		return context.WithCancel(context.Background())
	}
	return context.WithTimeout(context.Background(), time.Duration(secs*float64(time.Second)))
}

// load drives StartExecution from -clients clients for -seconds.
func load(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	base := fs.String("url", "", "server base URL")
	clients := fs.Int("clients", 16, "concurrent clients")
	secs := fs.Float64("seconds", 5, "start phase duration")
	timeout := fs.Float64("timeout", 0, "seconds after the start until the run gives up waiting (0: none)")
	pid := fs.Int("pid", 0, "the server's process: stop waiting for it to answer once it exited")
	_ = fs.Parse(args)
	c := newClient(*base, *clients)
	if err := c.ready(30*time.Second, *pid); err != nil {
		return err
	}
	flowName := "bench-pass"
	if err := c.createFlow(flowName, "  - Name: A\n    Type: Pass\n    End: true\n"); err != nil {
		return err
	}
	ctx, cancel := deadline(*timeout)
	defer cancel()
	var (
		mu    sync.Mutex
		lat   []time.Duration
		names []string
		errs  atomic.Int64
		first error
		seq   atomic.Int64
	)
	start := time.Now()
	stopAt := start.Add(time.Duration(*secs * float64(time.Second)))
	var wg sync.WaitGroup
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var myLat []time.Duration
			var myNames []string
			for time.Now().Before(stopAt) && ctx.Err() == nil {
				name := "e" + strconv.FormatInt(seq.Add(1), 10)
				t0 := time.Now()
				_, err := c.call(ctx, "StartExecution", map[string]string{"FlowName": flowName, "ExecutionName": name, "Input": "{}"})
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					if errs.Add(1) == 1 {
						mu.Lock()
						first = err
						mu.Unlock()
					}
					continue
				}
				myLat = append(myLat, time.Since(t0))
				myNames = append(myNames, name)
			}
			mu.Lock()
			lat = append(lat, myLat...)
			names = append(names, myNames...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	startPhase := time.Since(start)
	// Completion: every started execution must finish; long-poll them in
	// start order (the last ones finish last).
	slices.SortFunc(names, func(a, b string) int {
		x, _ := strconv.Atoi(a[1:])
		y, _ := strconv.Atoi(b[1:])
		return x - y
	})
	res, err := waitAll(ctx, c, flowName, names, min(*clients, 64))
	if err != nil {
		return err
	}
	allDone := time.Since(start)
	slices.Sort(lat)
	out := map[string]any{
		"clients":        *clients,
		"started":        len(names),
		"errors":         errs.Load(),
		"not_succeeded":  res.notOK,
		"start_seconds":  startPhase.Seconds(),
		"starts_per_sec": float64(len(names)) / startPhase.Seconds(),
		"p50_ms":         pct(lat, 0.50),
		"p99_ms":         pct(lat, 0.99),
		"finished":       res.finished,
	}
	if res.timedOut {
		out["timed_out"] = true
	} else {
		out["completed_per_sec"] = float64(len(names)) / allDone.Seconds()
		out["drain_seconds"] = (allDone - startPhase).Seconds()
	}
	if first != nil {
		out["first_error"] = first.Error()
	}
	return emit(w, out)
}

// waited is what waitAll saw: how many executions finished, how many of
// them did not succeed, and whether ctx ended before all had finished.
type waited struct {
	finished, notOK int64
	timedOut        bool
}

// waitAll waits for every execution in names (in order, from conns
// clients) until ctx ends.
func waitAll(ctx context.Context, c *client, flowName string, names []string, conns int) (waited, error) {
	var (
		next     atomic.Int64
		notOK    atomic.Int64
		finished atomic.Int64
		mu       sync.Mutex
		first    error
		wg       sync.WaitGroup
	)
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				s, err := c.waitDone(ctx, flowName, names[i])
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				finished.Add(1)
				if s != "Succeeded" {
					notOK.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return waited{finished: finished.Load(), notOK: notOK.Load(), timedOut: ctx.Err() != nil}, first
}

// waits starts -n executions of a Wait of -seconds from -clients clients
// and reports when all finished (or, with -finish=false, the start phase).
func waits(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("waits", flag.ExitOnError)
	base := fs.String("url", "", "server base URL")
	clients := fs.Int("clients", 64, "concurrent clients")
	n := fs.Int("n", 10000, "executions")
	secs := fs.Int("seconds", 1, "the Wait's Seconds")
	finish := fs.Bool("finish", true, "wait until every execution finished")
	timeout := fs.Float64("timeout", 0, "seconds after the start until the run gives up (0: none)")
	pid := fs.Int("pid", 0, "the server's process: stop waiting for it to answer once it exited")
	_ = fs.Parse(args)
	c := newClient(*base, *clients)
	if err := c.ready(30*time.Second, *pid); err != nil {
		return err
	}
	flowName := "bench-wait"
	if err := c.createFlow(flowName, fmt.Sprintf("  - Name: A\n    Type: Wait\n    Seconds: %d\n    End: true\n", *secs)); err != nil {
		return err
	}
	names := make([]string, *n)
	for i := range names {
		names[i] = "w" + strconv.Itoa(i)
	}
	ctx, cancel := deadline(*timeout)
	defer cancel()
	var (
		next    atomic.Int64
		started atomic.Int64
		mu      sync.Mutex
		first   error
		wg      sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				_, err := c.call(ctx, "StartExecution", map[string]string{"FlowName": flowName, "ExecutionName": names[i], "Input": "{}"})
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				started.Add(1)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if ctx.Err() != nil {
		// Bounded: the start phase itself outlasted -timeout.
		return emit(w, map[string]any{"executions": *n, "started": started.Load(), "finished": 0, "timed_out": true})
	}
	lastDue := time.Now().Add(time.Duration(*secs) * time.Second)
	startPhase := time.Since(start)
	if !*finish {
		return emit(w, map[string]any{"executions": *n, "start_seconds": startPhase.Seconds()})
	}
	res, err := waitAll(ctx, c, flowName, names, *clients)
	if err != nil {
		return err
	}
	end := time.Now()
	out := map[string]any{
		"executions":    *n,
		"not_succeeded": res.notOK,
		"start_seconds": startPhase.Seconds(),
		"finished":      res.finished,
	}
	if res.timedOut {
		out["timed_out"] = true
	} else {
		out["total_seconds"] = end.Sub(start).Seconds()
		out["after_last_due_seconds"] = end.Sub(lastDue).Seconds()
	}
	return emit(w, out)
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(int(float64(len(sorted))*p), len(sorted)-1)
	return float64(sorted[i].Microseconds()) / 1000
}

func emit(w io.Writer, v map[string]any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(b))
	return err
}
