package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// The helpers of the tests that run functions/local as real processes
// (crash_test.go on bbolt, scaleout_test.go on one DynamoDB Local table):
// build the binary, start and kill processes, call the API, start and
// await the crash flow's executions, and check what they left.

// built is the functions/local binary the tests share, built once.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

// TestMain removes the shared binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		_ = os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildLocal builds functions/local (without -race, whatever the test
// binary was built with) once per test binary and returns its path.
func buildLocal(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		if built.dir, built.err = os.MkdirTemp("", "cloudflow-local-"); built.err != nil {
			return
		}
		built.bin = filepath.Join(built.dir, "local")
		out, err := exec.Command("go", "build", "-o", built.bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.bin
}

// server is one functions/local process.
type server struct {
	cmd  *exec.Cmd
	base string
	logs *lineLog // its stdout: the JSON log lines
}

// startServer runs the binary bin on dir (bbolt, the default store), with
// the extra environment env, and waits until it answers.
func startServer(t *testing.T, bin, dir string, env ...string) *server {
	t.Helper()
	return startProcess(t, bin, append([]string{"STORE=bbolt"}, env...), "-data", dir)
}

// startProcess runs the binary bin with the test's environment plus env
// (later entries win; access keys off) and the arguments args, on a free
// loopback port, and waits until it answers. The process is killed when
// the test ends.
func startProcess(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(bin, append([]string{"-addr", addr}, args...)...)
	cmd.Env = append(append(os.Environ(), "CLOUDFLOW_ACCESS_KEYS="), env...)
	s := &server{cmd: cmd, base: "http://" + addr, logs: &lineLog{}}
	cmd.Stdout = s.logs
	stderr := &lineLog{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.call("ListFlows", nil); err == nil {
			return s
		}
		if time.Now().After(deadline) {
			s.kill()
			t.Fatalf("server on %s did not answer within 30s; stderr:\n%s", addr, stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill ends the server with SIGKILL (no shutdown of any kind).
func (s *server) kill() {
	if s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// lineLog collects a process's output.
type lineLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lineLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// executions counts, by execution name, the JSON log lines whose msg is
// msg (the lifecycle lines of shared/execution/logs.go).
func (l *lineLog) executions(msg string) map[string]int {
	l.mu.Lock()
	data := bytes.Clone(l.buf.Bytes())
	l.mu.Unlock()
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg       string `json:"msg"`
			Execution string `json:"execution"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg && line.Execution != "" {
			out[line.Execution]++
		}
	}
	return out
}

var httpClient = &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// apiError is a non-200 answer.
type apiError struct {
	status int
	code   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d %s", e.status, e.code) }

func (s *server) call(action string, params map[string]string) (map[string]any, error) {
	form := url.Values{}
	for k, v := range params {
		form.Set(k, v)
	}
	resp, err := httpClient.Post(s.base+"/?Action="+action+"&Version=2019-03-15", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("%s: decode answer: %w", action, err)
	}
	if resp.StatusCode != http.StatusOK {
		code, _ := body["Code"].(string)
		return nil, &apiError{status: resp.StatusCode, code: code}
	}
	return body, nil
}

// mustCall is call that fails the test on an error.
func (s *server) mustCall(t *testing.T, action string, params map[string]string) map[string]any {
	t.Helper()
	r, err := s.call(action, params)
	if err != nil {
		t.Fatalf("%s(%v) on %s: %v", action, params, s.base, err)
	}
	return r
}

// crashNames are the names of n executions of the crash flow: x0, x1, …
// The number is the execution's input n.
func crashNames(n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = "x" + strconv.Itoa(i)
	}
	return names
}

// crashInput is the number in a crashNames name.
func crashInput(name string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(name, "x"))
	if err != nil {
		panic("not a crash execution name: " + name)
	}
	return n
}

// createCrashFlow creates the flow "crash" (crashFlow) through s.
func createCrashFlow(t *testing.T, s *server) {
	t.Helper()
	s.mustCall(t, "CreateFlow", map[string]string{
		"Name": "crash", "Type": "FDL", "ExecutionMode": "Standard", "Definition": crashFlow, "Description": "crash test",
	})
}

// startAll starts the crash executions in names not yet in acked from 32
// clients, recording each acknowledged start; it stops at the first
// transport error (the server died) and returns when every client stopped.
// stopAfter, when positive, calls kill once that many starts were acked.
func startAll(s *server, names []string, acked *sync.Map, stopAfter int64, kill func()) {
	var n atomic.Int64
	var once sync.Once
	each(32, len(names), func(i int) bool {
		if _, ok := acked.Load(names[i]); ok {
			return true
		}
		_, err := s.call("StartExecution", map[string]string{
			"FlowName": "crash", "ExecutionName": names[i], "Input": fmt.Sprintf(`{"n":%d}`, crashInput(names[i])),
		})
		if ae, ok := err.(*apiError); ok && ae.code == "ExecutionAlreadyExists" {
			err = nil // started before and already finished
		}
		if err != nil {
			return false
		}
		acked.Store(names[i], true)
		if stopAfter > 0 && n.Add(1) == stopAfter {
			once.Do(kill)
		}
		return true
	})
}

// each calls fn with every index in 0..n-1, once each, from workers
// goroutines; a worker stops when fn returns false. It returns when every
// worker has stopped.
func each(workers, n int, fn func(i int) bool) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				if !fn(i) {
					return
				}
			}
		}()
	}
	wg.Wait()
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// waitOutputs long-polls every execution of flow in names until it ends and
// returns the outputs and StoppedTimes; an execution that does not succeed
// before ctx ends fails the test.
func waitOutputs(ctx context.Context, t *testing.T, s *server, flow string, names []string) (map[string]string, map[string]time.Time) {
	t.Helper()
	var (
		mu      sync.Mutex
		out     = map[string]string{}
		stopped = map[string]time.Time{}
	)
	each(32, len(names), func(i int) bool {
		for {
			if ctx.Err() != nil {
				t.Errorf("%s: not finished in time", names[i])
				return false
			}
			r, err := s.call("DescribeExecution", map[string]string{"FlowName": flow, "ExecutionName": names[i], "WaitTimeSeconds": "5"})
			if err != nil {
				t.Errorf("DescribeExecution %s: %v", names[i], err)
				return false
			}
			st, _ := r["Status"].(string)
			if st == "Running" || st == "Starting" {
				continue
			}
			if st != "Succeeded" {
				t.Errorf("%s status %s (%v), want Succeeded", names[i], st, r)
			}
			o, _ := r["Output"].(string)
			st, _ = r["StoppedTime"].(string)
			at, err := time.Parse(api.TimeFormat, st)
			if err != nil {
				t.Errorf("%s StoppedTime %q: %v", names[i], st, err)
			}
			mu.Lock()
			out[names[i]], stopped[names[i]] = o, at
			mu.Unlock()
			return true
		}
	})
	if t.Failed() {
		t.FailNow()
	}
	return out, stopped
}

// checkOutputs compares every output with the one the crash flow builds
// from the execution's input n: {"label":"item-<n>","sum":3n}.
func checkOutputs(t *testing.T, names []string, outputs map[string]string) {
	t.Helper()
	for _, name := range names {
		n := crashInput(name)
		want := fmt.Sprintf(`{"label":"item-%d","sum":%d}`, n, 3*n)
		if !jsonEqual(outputs[name], want) {
			t.Errorf("%s output = %s, want %s", name, outputs[name], want)
		}
	}
}

func jsonEqual(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// listExecutions pages through ListExecutions of flow and counts the names.
func listExecutions(t *testing.T, s *server, flow string) map[string]int {
	t.Helper()
	seen := map[string]int{}
	next := ""
	for page := 0; page < 1000; page++ {
		p := map[string]string{"FlowName": flow, "Limit": "100"}
		if next != "" {
			p["NextToken"] = next
		}
		r := s.mustCall(t, "ListExecutions", p)
		execs, _ := r["Executions"].([]any)
		for _, e := range execs {
			name, _ := e.(map[string]any)["Name"].(string)
			seen[name]++
		}
		next, _ = r["NextToken"].(string)
		if next == "" {
			break
		}
	}
	return seen
}

// checkListedOnce pages through ListExecutions: every name once.
func checkListedOnce(t *testing.T, s *server, names []string) {
	t.Helper()
	seen := listExecutions(t, s, "crash")
	if len(seen) != len(names) {
		t.Errorf("ListExecutions lists %d names, want %d", len(seen), len(names))
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("ListExecutions lists %s %d times, want once", name, n)
		}
	}
}

// checkHistories reads the history of every execution of flow in names:
// EventIds 1..n without gaps, each of states entered once, one
// ExecutionSucceeded.
func checkHistories(t *testing.T, s *server, flow string, names, states []string) {
	t.Helper()
	each(16, len(names), func(i int) bool {
		r, err := s.call("GetExecutionHistory", map[string]string{"FlowName": flow, "ExecutionName": names[i], "Limit": "1000"})
		if err != nil {
			t.Errorf("GetExecutionHistory %s: %v", names[i], err)
			return false
		}
		evs, _ := r["Events"].([]any)
		entered := map[string]int{}
		succeeded := 0
		for j, e := range evs {
			ev := e.(map[string]any)
			if id, _ := ev["EventId"].(float64); int(id) != j+1 {
				t.Errorf("%s event %d has EventId %v, want %d (gapless)", names[i], j, ev["EventId"], j+1)
				break
			}
			switch ev["Type"] {
			case "StepEntered":
				step, _ := ev["StepName"].(string)
				entered[step]++
			case "ExecutionSucceeded":
				succeeded++
			}
		}
		for _, step := range states {
			if entered[step] != 1 {
				t.Errorf("%s entered %s %d times, want once", names[i], step, entered[step])
			}
		}
		if succeeded != 1 {
			t.Errorf("%s has %d ExecutionSucceeded events, want 1", names[i], succeeded)
		}
		return true
	})
}
