package interp

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/value"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want.json from the engine's results")

// golden is the content of want.json. A "*" string in Output matches any
// string; an absent Cause is not compared.
type golden struct {
	Status Status          `json:"Status"`
	Output json.RawMessage `json:"Output,omitempty"`
	Error  *string         `json:"Error,omitempty"`
	Cause  *string         `json:"Cause,omitempty"`
}

func TestEngine_Run_Golden(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("testdata", "*", "flow.yaml"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no golden cases: %v", err)
	}
	for _, fy := range dirs {
		dir := filepath.Dir(fy)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src := readFile(t, fy)
			input := readFile(t, filepath.Join(dir, "input.json"))
			f, err := flow.Parse(src, flow.ParseOptions{})
			if err != nil {
				t.Fatalf("flow.Parse: %v", err)
			}
			e := New(Options{Clock: newFakeClock(), Tasks: &testTasks{}})
			got := e.Run(context.Background(), f, Execution{Name: "exec-1", Input: input})
			wantPath := filepath.Join(dir, "want.json")
			if *update {
				g := golden{Status: got.Status, Output: got.Output}
				if got.Status != Succeeded {
					g.Error, g.Cause = &got.Error, &got.Cause
				}
				b, _ := json.MarshalIndent(g, "", "  ")
				if err := os.WriteFile(wantPath, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			var want golden
			if err := json.Unmarshal(readFile(t, wantPath), &want); err != nil {
				t.Fatalf("want.json: %v", err)
			}
			if got.Status != want.Status {
				t.Fatalf("Status = %s (%s: %s), want %s", got.Status, got.Error, got.Cause, want.Status)
			}
			if want.Error != nil && got.Error != *want.Error {
				t.Errorf("Error = %q, want %q", got.Error, *want.Error)
			}
			if want.Cause != nil && got.Cause != *want.Cause {
				t.Errorf("Cause = %q, want %q", got.Cause, *want.Cause)
			}
			if len(want.Output) > 0 {
				g, err := value.Decode(got.Output)
				if err != nil {
					t.Fatalf("output %s: %v", got.Output, err)
				}
				w, _ := value.Decode(want.Output)
				if !match(g, w) {
					t.Errorf("Output = %s, want %s", got.Output, want.Output)
				}
			}
		})
	}
}

// match is value.Equal where a "*" string in want matches any string.
func match(got, want any) bool {
	switch w := want.(type) {
	case string:
		if w == "*" {
			_, ok := got.(string)
			return ok
		}
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !match(gv, wv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !match(g[i], w[i]) {
				return false
			}
		}
		return true
	}
	return value.Equal(got, want)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
