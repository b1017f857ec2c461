package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// App is the assembled service.
type App struct {
	// Handler serves the CloudFlow API (RPC style, path /).
	Handler http.Handler
	// OnEvent handles one asynchronous event (runner or sweep). For now the
	// only event is {"op":"sweep"}, which recovers pending executions;
	// anything else is an error.
	OnEvent func(ctx context.Context, event []byte) error

	close func() error
}

// New validates cfg, applies defaults and builds the App.
func New(cfg Config) (*App, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	a := &App{close: func() error { return nil }}
	// TODO(app): wired to shared/api and shared/execution in the next commit.
	a.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"Code":"ServiceUnavailable","Message":"service not wired yet"}`))
	})
	a.OnEvent = func(ctx context.Context, event []byte) error {
		var ev struct {
			Op string `json:"op"`
		}
		if err := json.Unmarshal(event, &ev); err != nil {
			return fmt.Errorf("decode event: %w", err)
		}
		if ev.Op != "sweep" {
			return fmt.Errorf("unknown event op %q", ev.Op)
		}
		return nil
	}
	return a, nil
}

// Close stops the runner, waiting for in-flight runs to finish or be
// abandoned, and closes the store.
func (a *App) Close() error { return a.close() }
