package execution_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// logLines is a slog.Handler that keeps every record as its message and
// attributes.
type logLines struct {
	mu    sync.Mutex
	lines []map[string]string
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }

func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	m := map[string]string{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, m)
	l.mu.Unlock()
	return nil
}

func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

// of returns the lines about execution name.
func (l *logLines) of(name string) []map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]string
	for _, m := range l.lines {
		if m["execution"] == name {
			out = append(out, m)
		}
	}
	return out
}

// An execution that waits for a callback logs, on Options.Logger, that it
// started, parked, resumed and ended, each line naming the account, flow
// and execution; the end line carries the status, error and a bounded
// cause; no line carries the Input or the reported Output.
func TestService_Logs_Lifecycle(t *testing.T) {
	ctx := context.Background()
	logs := &logLines{}
	tokens := make(chan string, 4)
	svc := execution.New(kv.NewMemStore(), execution.Options{
		Engine: interp.New(interp.Options{Tasks: tokenTasks{tokens}}), Logger: slog.New(logs),
	})
	t.Cleanup(func() { _ = svc.Close() })
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "f", Definition: strings.Replace(callbackFlow, "%s", "f", 1)}); err != nil {
		t.Fatal(err)
	}
	tok := start(t, svc, tokens, execution.StartInput{FlowName: "f", ExecutionName: "e", Input: `{"secret":"input-value"}`})
	cause := strings.Repeat("why ", 1000)
	if _, err := svc.ReportTaskFailed(ctx, execution.ReportFailedInput{TaskToken: tok, Error: "Approval.Denied", Cause: cause}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, svc, ctx, "f", "e", execution.Failed)

	var lines []map[string]string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if lines = logs.of("e"); len(lines) > 0 && lines[len(lines)-1]["msg"] == "execution ended" {
			break
		}
	}
	var msgs []string
	for _, m := range lines {
		msgs = append(msgs, m["msg"])
		if m["account"] == "" || m["flow"] != "f" {
			t.Errorf("line %v does not name the account and flow", m)
		}
		for k, v := range m {
			if strings.Contains(v, "input-value") {
				t.Errorf("line %q carries the Input in %s", m["msg"], k)
			}
		}
	}
	if got, want := strings.Join(msgs, ","), "execution started,execution parked,execution resumed,execution ended"; got != want {
		t.Fatalf("lines = %s, want %s", got, want)
	}
	end := lines[len(lines)-1]
	if end["status"] != "Failed" || end["error"] != "Approval.Denied" || end["durationMs"] == "" {
		t.Errorf("end line = %v, want status Failed, the error, a duration", end)
	}
	if c := end["cause"]; len(c) == 0 || len(c) >= len(cause) || !strings.HasPrefix(cause, strings.TrimSuffix(c, "...")) {
		t.Errorf("end line cause is %d bytes, want a shortened prefix of the %d-byte cause", len(c), len(cause))
	}
}
