package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) messages() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// TestApp_ExecutionLifecycleLogs runs a Standard and an Express execution and finds a started
// and an ended line for each, with status and duration, and no Input anywhere in the log.
func TestApp_ExecutionLifecycleLogs(t *testing.T) {
	var buf lockedBuffer
	a, err := New(Config{Store: StoreMemory, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "std", "Definition": define("std", passFlow)})
	mustCall(t, a.Handler, "CreateFlow", map[string]string{"Name": "exp", "Definition": define("exp", passFlow), "ExecutionMode": "Express"})
	mustCall(t, a.Handler, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "s1", "Input": `{"name":"secret-input"}`})
	mustCall(t, a.Handler, "StartSyncExecution", map[string]string{"FlowName": "exp", "ExecutionName": "x1", "Input": `{"name":"secret-input"}`})
	mustCall(t, a.Handler, "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": "s1", "WaitTimeSeconds": "5"})
	deadline := time.Now().Add(5 * time.Second)
	for {
		var started, ended int
		for _, m := range buf.messages() {
			switch m["msg"] {
			case "execution started":
				started++
			case "execution ended":
				ended++
				if m["status"] != "Succeeded" || m["durationMs"] == nil || m["flow"] == nil || m["execution"] == nil {
					t.Errorf("end line %v: want status Succeeded, durationMs, flow and execution", m)
				}
			}
		}
		if started == 2 && ended == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("started %d, ended %d lines, want 2 and 2: %s", started, ended, buf.b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	buf.mu.Lock()
	defer buf.mu.Unlock()
	if strings.Contains(buf.b.String(), "secret-input") {
		t.Errorf("the log contains an Input")
	}
}

func TestConfigFromEnv_Logs(t *testing.T) {
	for _, tc := range []struct {
		env    map[string]string
		level  slog.Level
		format string
		err    string
	}{
		{nil, slog.LevelInfo, "", ""},
		{map[string]string{EnvLogLevel: "DEBUG", EnvLogFormat: "text"}, slog.LevelDebug, LogText, ""},
		{map[string]string{EnvLogLevel: "warn"}, slog.LevelWarn, "", ""},
		{map[string]string{EnvLogLevel: "loud"}, 0, "", `LOG_LEVEL="loud"`},
		{map[string]string{EnvLogFormat: "xml"}, 0, "", `LOG_FORMAT="xml"`},
	} {
		cfg, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ConfigFromEnv(%v) error = %v, want %s", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || cfg.LogLevel != tc.level || cfg.LogFormat != tc.format {
			t.Errorf("ConfigFromEnv(%v) = %v %q %v, want %v %q", tc.env, cfg.LogLevel, cfg.LogFormat, err, tc.level, tc.format)
		}
	}
	var out bytes.Buffer
	Config{LogFormat: LogText, LogLevel: slog.LevelWarn}.NewLogger(&out).Info("hidden")
	Config{LogFormat: LogText, LogLevel: slog.LevelWarn}.NewLogger(&out).Warn("shown")
	if s := out.String(); strings.Contains(s, "hidden") || !strings.HasPrefix(s, "time=") || !strings.Contains(s, "msg=shown") {
		t.Errorf("text logger at WARN wrote %q", s)
	}
}
