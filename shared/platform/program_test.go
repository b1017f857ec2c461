package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// runMain runs Main with args and environment variables and returns the exit status and output.
func runMain(t *testing.T, p Program, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), p, Env{
		Args:   args,
		Getenv: func(k string) string { return env[k] },
		Stdout: &stdout,
		Stderr: &stderr,
	})
	return code, stdout.String(), stderr.String()
}

func TestMain_ReplayLambdaEvent(t *testing.T) {
	p := Program{Name: "createflow", Operations: []string{"CreateFlow"}}
	code, out, errOut := runMain(t, p, map[string]string{"STORE": "memory"},
		"-event", filepath.Join(eventsDir, "createflow", "lambda-http-v2.json"))
	if code != 0 {
		t.Fatalf("exit = %d, want 0; stderr %s", code, errOut)
	}
	var res struct {
		StatusCode int    `json:"statusCode"`
		Body       string `json:"body"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout %q is not one Lambda response: %v", out, err)
	}
	if res.StatusCode != 200 || !strings.Contains(res.Body, `"Name":"payments"`) {
		t.Errorf("response = %d %s, want 200 with Name payments", res.StatusCode, res.Body)
	}
}

func TestMain_ReplayOtherActionIsRejected(t *testing.T) {
	// A per-operation binary answers other Actions with ActionNotSupported (and exits 1).
	p := Program{Name: "listflows", Operations: []string{"ListFlows"}}
	code, out, _ := runMain(t, p, map[string]string{"STORE": "memory"},
		"-event", filepath.Join(eventsDir, "createflow", "fc-http.txt"))
	if code != 1 || !strings.Contains(out, "ActionNotSupported") {
		t.Errorf("exit = %d, stdout %q; want 1 and ActionNotSupported", code, out)
	}
}

func TestMain_QuickstartOnFreshMachine(t *testing.T) {
	// No environment at all: bbolt in a temporary directory, as the README's command runs it.
	start := time.Now()
	code, out, errOut := runMain(t, Program{Name: "local", DevServer: true}, nil,
		"-event", filepath.Join(eventsDir, "local", "quickstart.json"))
	if code != 0 {
		t.Fatalf("exit = %d, want 0; stderr %s; stdout %s", code, errOut, out)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var steps []sessionOutput
	for dec.More() {
		var s sessionOutput
		if err := dec.Decode(&s); err != nil {
			t.Fatalf("decode step %d of %q: %v", len(steps)+1, out, err)
		}
		steps = append(steps, s)
	}
	if len(steps) != 5 || steps[4].Action != "DescribeExecution" {
		t.Fatalf("printed %d steps, want 5 ending with DescribeExecution", len(steps))
	}
	last, _ := json.Marshal(steps[4].Response)
	if !strings.Contains(string(last), `"Status":"Succeeded"`) {
		t.Errorf("last step = %s, want Status Succeeded", last)
	}
	if time.Since(start) > 20*time.Second {
		t.Errorf("quickstart took %v", time.Since(start))
	}
}

func TestMain_Errors(t *testing.T) {
	single := Program{Name: "describeflow", Operations: []string{"DescribeFlow"}}
	tests := []struct {
		name     string
		p        Program
		env      map[string]string
		args     []string
		wantCode int
		wantErr  string // in stderr
	}{
		{name: "unknown flag", p: single, args: []string{"-addr", "x"}, wantCode: 2, wantErr: "flag provided but not defined"},
		{name: "stray argument", p: single, args: []string{"extra"}, wantCode: 2, wantErr: "unexpected arguments"},
		{name: "missing event file", p: single, env: map[string]string{"STORE": "memory"}, args: []string{"-event", "no/such/file.json"}, wantCode: 1, wantErr: "no such file"},
		{name: "bad STORE", p: single, env: map[string]string{"STORE": "floppy"}, args: []string{"-event", "x"}, wantCode: 1, wantErr: "STORE"},
		{name: "flow missing on a fresh store", p: single, env: map[string]string{"STORE": "memory"},
			args: []string{"-event", filepath.Join(eventsDir, "describeflow", "lambda-rest-v1.json")}, wantCode: 1, wantErr: "HTTP 404"},
		{name: "bad FUNCTION_TIMEOUT_S", p: single, env: map[string]string{"FC_FUNCTION_NAME": "f", "FUNCTION_TIMEOUT_S": "sixty", "STORE": "memory"}, wantCode: 1, wantErr: "FUNCTION_TIMEOUT_S"},
		{name: "help", p: single, args: []string{"-h"}, wantCode: 0, wantErr: "-event"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runMain(t, tc.p, tc.env, tc.args...)
			if code != tc.wantCode || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("Main(%q) = %d, stderr %q; want %d and %q", tc.args, code, errOut, tc.wantCode, tc.wantErr)
			}
		})
	}
}

// Only the local server with the memory store changes the garbage
// collector's target, and not when GOGC is set.
func TestGCPercent(t *testing.T) {
	tests := []struct {
		name   string
		host   Host
		env    map[string]string
		replay bool
		want   int // 0: left alone
	}{
		{"local memory", Local, map[string]string{"STORE": "memory"}, false, app.MemoryGCPercent},
		{"local memory with GOGC", Local, map[string]string{"STORE": "memory", "GOGC": "200"}, false, 0},
		{"local memory replay", Local, map[string]string{"STORE": "memory"}, true, 0},
		{"local bbolt", Local, map[string]string{"STORE": "bbolt"}, false, 0},
		{"lambda memory", Lambda, map[string]string{"STORE": "memory"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := app.ConfigFromEnv(func(k string) string { return tc.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			pct, ok := gcPercent(tc.host, cfg, tc.replay)
			if ok != (tc.want != 0) || pct != tc.want {
				t.Errorf("gcPercent = %d, %v; want %d, %v", pct, ok, tc.want, tc.want != 0)
			}
		})
	}
}
