package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
)

// crashFlow builds its output from its input in Pass states around a Wait,
// so a repeated or skipped state shows in the output or the history.
const crashFlow = `Type: StateMachine
SpecVersion: v1
Name: crash
StartAt: Double
States:
  - Name: Double
    Type: Pass
    OutputConstructor:
      n.$: $Input.n
      twice.$: intAdd($Input.n, $Input.n)
    Next: Pause
  - Name: Pause
    Type: Wait
    Seconds: 3
    Next: Label
  - Name: Label
    Type: Pass
    OutputConstructor:
      n.$: $Input.n
      twice.$: $Input.twice
      label.$: format("item-{}", $Input.n)
    Next: Sum
  - Name: Sum
    Type: Pass
    OutputConstructor:
      label.$: $Input.label
      sum.$: intAdd($Input.twice, $Input.n)
    End: true
`

// crashExecutions is how many executions the crash test runs, with
// crashWorkers runners in the server.
const (
	crashExecutions = 1000
	crashWorkers    = 8
)

// server is one functions/local process on a data directory.
type server struct {
	cmd  *exec.Cmd
	base string
}

// startServer runs the binary bin on dir (bbolt, the default store) and
// waits until it answers.
func startServer(t *testing.T, bin, dir string) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	cmd := exec.Command(bin, "-addr", addr, "-data", dir)
	// Eight runners: a Wait parks its execution instead of holding one, so
	// 1,000 executions through a 3 s Wait still finish in seconds (holding
	// a runner each, they would take 1000 × 3 s / 8 = 375 s).
	cmd.Env = append(os.Environ(), "STORE=bbolt", "CLOUDFLOW_ACCESS_KEYS=", "CLOUDFLOW_WORKERS="+strconv.Itoa(crashWorkers))
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &server{cmd: cmd, base: "http://" + addr}
	t.Cleanup(func() { s.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.call("ListFlows", nil); err == nil {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s did not answer within 30s", addr)
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

// startAll starts the executions in names not yet in acked from 32
// clients, recording each acknowledged start; it stops at the first
// transport error (the server died) and returns when every client stopped.
// stopAfter, when positive, calls kill once that many starts were acked.
func startAll(s *server, names []string, acked *sync.Map, stopAfter int64, kill func()) {
	var next, n atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				if _, ok := acked.Load(names[i]); ok {
					continue
				}
				_, err := s.call("StartExecution", map[string]string{
					"FlowName": "crash", "ExecutionName": names[i], "Input": fmt.Sprintf(`{"n":%d}`, i),
				})
				if ae, ok := err.(*apiError); ok && ae.code == "ExecutionAlreadyExists" {
					err = nil // started before and already finished
				}
				if err != nil {
					return
				}
				acked.Store(names[i], true)
				if stopAfter > 0 && n.Add(1) == stopAfter {
					once.Do(kill)
				}
			}
		}()
	}
	wg.Wait()
}

// TestLocal_CrashRecovery starts 1,000 Standard executions (Pass, a 3 s
// Wait, two more Pass states) on bbolt and kills the server with SIGKILL
// twice: during the start burst and during the Waits, restarting once after
// each kill. The server has 8 runners, so the Waits must park (a runner held
// through each Wait would need minutes). After the last restart every
// execution must succeed within 30 s
// with exactly the output its input determines, every name appears once in
// ListExecutions, and every history has gapless EventIds and enters no state
// twice.
func TestLocal_CrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs functions/local; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "local")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	names := make([]string, crashExecutions)
	for i := range names {
		names[i] = "x" + strconv.Itoa(i)
	}
	var acked sync.Map

	s := startServer(t, bin, dir)
	if _, err := s.call("CreateFlow", map[string]string{
		"Name": "crash", "Type": "FDL", "ExecutionMode": "Standard", "Definition": crashFlow, "Description": "crash test",
	}); err != nil {
		t.Fatal(err)
	}
	// Kill 1: during the start burst.
	startAll(s, names, &acked, crashExecutions/3, s.kill)
	s.kill()
	t.Logf("kill 1 during the start burst: %d starts acknowledged", count(&acked))

	s = startServer(t, bin, dir)
	startAll(s, names, &acked, 0, nil)
	if got := count(&acked); got != crashExecutions {
		t.Fatalf("after restart 1: %d of %d starts acknowledged", got, crashExecutions)
	}
	// Kill 2: during the Waits (the last starts are 3 s from their end).
	time.Sleep(500 * time.Millisecond)
	s.kill()
	t.Log("kill 2 during the Waits")

	s = startServer(t, bin, dir)
	restarted := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	outputs := waitOutputs(ctx, t, s, names)
	t.Logf("all %d executions finished %.1fs after the last restart", len(names), time.Since(restarted).Seconds())
	for i, name := range names {
		want := fmt.Sprintf(`{"label":"item-%d","sum":%d}`, i, 3*i)
		if !jsonEqual(outputs[name], want) {
			t.Errorf("%s output = %s, want %s", name, outputs[name], want)
		}
	}
	checkListedOnce(t, s, names)
	checkHistories(t, s, names)
}

func count(m *sync.Map) int {
	n := 0
	m.Range(func(any, any) bool { n++; return true })
	return n
}

// waitOutputs long-polls every execution until it ends and returns the
// outputs; an execution that does not succeed before ctx ends fails the
// test.
func waitOutputs(ctx context.Context, t *testing.T, s *server, names []string) map[string]string {
	t.Helper()
	var (
		mu   sync.Mutex
		out  = map[string]string{}
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				for {
					if ctx.Err() != nil {
						t.Errorf("%s: not finished within 30s of the restart", names[i])
						return
					}
					r, err := s.call("DescribeExecution", map[string]string{"FlowName": "crash", "ExecutionName": names[i], "WaitTimeSeconds": "5"})
					if err != nil {
						t.Errorf("DescribeExecution %s: %v", names[i], err)
						return
					}
					st, _ := r["Status"].(string)
					if st == "Running" || st == "Starting" {
						continue
					}
					if st != "Succeeded" {
						t.Errorf("%s status %s (%v), want Succeeded", names[i], st, r)
					}
					o, _ := r["Output"].(string)
					mu.Lock()
					out[names[i]] = o
					mu.Unlock()
					break
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
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

// checkListedOnce pages through ListExecutions: every name once.
func checkListedOnce(t *testing.T, s *server, names []string) {
	t.Helper()
	seen := map[string]int{}
	next := ""
	for page := 0; page < 100; page++ {
		p := map[string]string{"FlowName": "crash", "Limit": "100"}
		if next != "" {
			p["NextToken"] = next
		}
		r, err := s.call("ListExecutions", p)
		if err != nil {
			t.Fatal(err)
		}
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
	if len(seen) != len(names) {
		t.Errorf("ListExecutions lists %d names, want %d", len(seen), len(names))
	}
	for name, n := range seen {
		if n != 1 {
			t.Errorf("ListExecutions lists %s %d times, want once", name, n)
		}
	}
}

// checkHistories reads every history: EventIds 1..n without gaps, each
// state entered once, one ExecutionSucceeded.
func checkHistories(t *testing.T, s *server, names []string) {
	t.Helper()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(names) {
					return
				}
				r, err := s.call("GetExecutionHistory", map[string]string{"FlowName": "crash", "ExecutionName": names[i], "Limit": "1000"})
				if err != nil {
					t.Errorf("GetExecutionHistory %s: %v", names[i], err)
					return
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
				for _, step := range []string{"Double", "Pause", "Label", "Sum"} {
					if entered[step] != 1 {
						t.Errorf("%s entered %s %d times, want once", names[i], step, entered[step])
					}
				}
				if succeeded != 1 {
					t.Errorf("%s has %d ExecutionSucceeded events, want 1", names[i], succeeded)
				}
			}
		}()
	}
	wg.Wait()
}
