package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines(t *testing.T, msg string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

func TestHandler_AccessLog(t *testing.T) {
	var buf syncBuffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	e := newEnv(t, nil, func(_ *execution.Options, o *api.Options) { o.Logger = logger })
	e.createFlow(t, "std", "Standard")
	wantOK(t, e.call(t, "StartExecution", map[string]string{"FlowName": "std", "ExecutionName": "run1", "Input": `{"password":"hunter2"}`}))
	e.call(t, "DescribeExecution", map[string]string{"FlowName": "std", "ExecutionName": "nope"})
	lines := buf.lines(t, api.AccessLogMessage)
	if len(lines) != 3 {
		t.Fatalf("access lines = %d, want 3 (one per request): %v", len(lines), lines)
	}
	start, miss := lines[1], lines[2]
	for k, want := range map[string]any{"action": "StartExecution", "account": "default", "flow": "std", "execution": "run1", "status": float64(200), "method": "POST"} {
		if start[k] != want {
			t.Errorf("StartExecution line %s = %v, want %v (%v)", k, start[k], want, start)
		}
	}
	if _, ok := start["code"]; ok {
		t.Errorf("a success line has a code: %v", start)
	}
	if miss["status"] != float64(404) || miss["code"] != api.CodeExecutionNotExists {
		t.Errorf("DescribeExecution line = %v, want status 404 code ExecutionNotExists", miss)
	}
	for _, l := range lines {
		if id, _ := l["requestId"].(string); id == "" {
			t.Errorf("line without requestId: %v", l)
		}
		if _, ok := l["latencyMs"].(float64); !ok {
			t.Errorf("line without latencyMs: %v", l)
		}
	}
	buf.mu.Lock()
	defer buf.mu.Unlock()
	if strings.Contains(buf.b.String(), "hunter2") {
		t.Errorf("the log contains the Input: %s", buf.b.String())
	}
}
