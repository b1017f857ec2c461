package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// copyDir copies the files of a flat directory (a bbolt data directory).
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := t.TempDir()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return to
}

// TestEvents_SamplesChain replays the samples as a user does, through the binaries' Main on a
// bbolt data directory: functions/local replays events/local/samples.json, then each
// functions/<op> replays its lambda-http-v2.json sample on (a copy of) that directory. Every
// replay succeeds, except the two callback reports, whose sample token names no execution
// (a token is random; see their opChecks).
func TestEvents_SamplesChain(t *testing.T) {
	seeded := t.TempDir()
	env := map[string]string{"DATA_DIR": seeded, "CLOUDFLOW_WORKERS": "2"}
	if code, _, errOut := runMain(t, Program{Name: "local", DevServer: true}, env, "-event", samplesSession); code != 0 {
		t.Fatalf("local -event samples.json: exit %d: %s", code, errOut)
	}
	byLower := map[string]string{}
	for _, a := range api.Actions() {
		byLower[strings.ToLower(a)] = a
	}
	ops, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	replayed := 0
	for _, op := range ops {
		action, ok := byLower[op.Name()]
		if !op.IsDir() || !ok {
			continue
		}
		t.Run(op.Name(), func(t *testing.T) {
			env := map[string]string{"DATA_DIR": copyDir(t, seeded), "CLOUDFLOW_WORKERS": "2"}
			code, out, errOut := runMain(t, Program{Name: op.Name(), Operations: []string{action}}, env,
				"-event", filepath.Join(eventsDir, op.Name(), "lambda-http-v2.json"))
			want := 0
			if wantStatus[op.Name()] != 0 {
				want = 1
			}
			if code != want {
				t.Errorf("%s -event: exit %d, want %d\nstdout: %s\nstderr: %s", op.Name(), code, want, out, errOut)
			}
		})
		replayed++
	}
	if replayed < 21 {
		t.Errorf("replayed %d operation samples, want at least 21", replayed)
	}
}
