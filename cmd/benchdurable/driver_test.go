package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

// serve starts the real service (memory store) behind a loopback HTTP server.
func serve(t *testing.T) string {
	t.Helper()
	a, err := app.New(app.Config{Store: app.StoreMemory, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return srv.URL
}

// run calls a driver mode and decodes the one JSON object it prints.
func run(t *testing.T, mode func([]string, io.Writer) error, args ...string) map[string]any {
	t.Helper()
	var out bytes.Buffer
	if err := mode(args, &out); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	return v
}

// The script tells a run that ran out of time from one that finished by
// these fields: timed_out, finished, and the figures only a finished run has.
func TestWaits_timeoutAndFinish(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		wantTimedOut bool
		wantFinished float64
		wantKeys     []string
		absentKeys   []string
	}{
		{
			name:         "a 60 s Wait outlasts a 1 s timeout",
			args:         []string{"-n", "4", "-clients", "2", "-seconds", "60", "-timeout", "1"},
			wantTimedOut: true,
			wantFinished: 0,
			wantKeys:     []string{"start_seconds"},
			absentKeys:   []string{"total_seconds", "after_last_due_seconds"},
		},
		{
			name:         "1 s Waits finish within the timeout",
			args:         []string{"-n", "4", "-clients", "2", "-seconds", "1", "-timeout", "60"},
			wantFinished: 4,
			wantKeys:     []string{"start_seconds", "total_seconds", "after_last_due_seconds"},
		},
		{
			name:       "parking runs report the start phase only",
			args:       []string{"-n", "3", "-clients", "2", "-seconds", "60", "-finish=false", "-timeout", "60"},
			wantKeys:   []string{"start_seconds"},
			absentKeys: []string{"timed_out", "finished", "total_seconds"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := serve(t)
			v := run(t, waits, append([]string{"-url", url}, tt.args...)...)
			if got := v["timed_out"] == true; got != tt.wantTimedOut {
				t.Errorf("timed_out = %v, want %v (%v)", v["timed_out"], tt.wantTimedOut, v)
			}
			if f, ok := v["finished"]; ok && f != tt.wantFinished {
				t.Errorf("finished = %v, want %v", f, tt.wantFinished)
			}
			for _, k := range tt.wantKeys {
				if _, ok := v[k]; !ok {
					t.Errorf("%s missing from %v", k, v)
				}
			}
			for _, k := range tt.absentKeys {
				if _, ok := v[k]; ok {
					t.Errorf("%s present in %v", k, v)
				}
			}
			if v["not_succeeded"] != nil && v["not_succeeded"] != 0.0 {
				t.Errorf("not_succeeded = %v", v["not_succeeded"])
			}
		})
	}
}

func TestLoad_finishes(t *testing.T) {
	url := serve(t)
	v := run(t, load, "-url", url, "-clients", "2", "-seconds", "0.3", "-timeout", "60")
	started, _ := v["started"].(float64)
	if started < 1 || v["finished"] != started || v["errors"] != 0.0 || v["not_succeeded"] != 0.0 {
		t.Fatalf("want every started execution finished and none failed: %v", v)
	}
	if _, ok := v["completed_per_sec"]; !ok || v["timed_out"] != nil {
		t.Fatalf("a finished run has completed_per_sec and no timed_out: %v", v)
	}
}

func TestAlive(t *testing.T) {
	if !alive(os.Getpid()) {
		t.Fatal("alive(own pid) = false")
	}
	// An exited child not reaped yet is a zombie: not alive.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stat := fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid)
	for {
		b, err := os.ReadFile(stat)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), ") Z ") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if alive(cmd.Process.Pid) {
		t.Error("alive(zombie) = true")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if alive(cmd.Process.Pid) {
		t.Error("alive(reaped) = true")
	}
}

func TestReady_givesUpOnExitedServer(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	c := newClient("http://127.0.0.1:1", 1)
	err := c.ready(time.Hour, cmd.Process.Pid)
	if err == nil || !strings.Contains(err.Error(), "exited") {
		t.Fatalf("ready = %v, want the server's exit", err)
	}
}
