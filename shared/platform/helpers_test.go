package platform

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"
)

// echoed is what echoAPI reports about the request it received.
type echoed struct {
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	RawQuery    string              `json:"rawQuery"`
	Query       map[string][]string `json:"query"`
	Host        string              `json:"host"`
	Header      map[string][]string `json:"header"`
	Body        string              `json:"body"`
	RemoteAddr  string              `json:"remoteAddr"`
	HasDeadline bool                `json:"hasDeadline"`
	Deadline    time.Time           `json:"deadline"`
}

// echoAPI answers every request with a JSON description of it, status 200.
func echoAPI() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		dl, ok := r.Context().Deadline()
		e := echoed{
			Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Query: r.URL.Query(),
			Host: r.Host, Header: r.Header, Body: string(body), RemoteAddr: r.RemoteAddr,
			HasDeadline: ok, Deadline: dl,
		}
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		_ = json.NewEncoder(w).Encode(e)
	})
}

// eventRecorder is an EventFunc that remembers the events it got.
type eventRecorder struct {
	mu     sync.Mutex
	events []string
	err    error
}

func (r *eventRecorder) handle(_ context.Context, ev []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, string(ev))
	return r.err
}

func (r *eventRecorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// decodeEcho decodes an echoAPI body.
func decodeEcho(t *testing.T, body []byte) echoed {
	t.Helper()
	var e echoed
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("decode echo body %q: %v", body, err)
	}
	return e
}

// quietLogger discards everything, for tests that provoke logged failures.
func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
