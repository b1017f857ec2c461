package platform

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/app"
)

func TestMain_HelpListsFlagsAndEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		p         Program
		wantFlags []string
	}{
		{name: "single operation", p: Program{Name: "startexecution", Operations: []string{"StartExecution"}}, wantFlags: []string{"-event", "-version"}},
		{name: "local server", p: Program{Name: "local", DevServer: true}, wantFlags: []string{"-event", "-version", "-addr", "-data"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMain(t, tc.p, nil, "-h")
			if code != 0 || out != "" {
				t.Fatalf("Main(-h) = %d, stdout %q; want 0 and nothing on stdout", code, out)
			}
			for _, f := range tc.wantFlags {
				if !strings.Contains(errOut, "  "+f) {
					t.Errorf("Main(-h) output lacks flag %s:\n%s", f, errOut)
				}
			}
			for _, v := range app.Vars() {
				if !strings.Contains(errOut, "  "+v.Name+"\n") {
					t.Errorf("Main(-h) output lacks variable %s", v.Name)
				}
			}
			if strings.Contains(errOut, "`") {
				t.Errorf("Main(-h) output contains Markdown backquotes:\n%s", errOut)
			}
		})
	}
}

func TestMain_Version(t *testing.T) {
	code, out, _ := runMain(t, Program{Name: "listflows", Operations: []string{"ListFlows"}}, map[string]string{app.EnvStore: "bogus"}, "-version")
	// -version answers before the configuration is read, so a bad STORE does not matter.
	if code != 0 || out != "listflows "+Version+"\n" {
		t.Errorf("Main(-version) = %d, %q; want 0, %q", code, out, "listflows "+Version+"\n")
	}
}

func TestMain_DataFlagOverridesEnvironment(t *testing.T) {
	// -data names the directory even when DATA_DIR is set, and a replay then keeps its store there
	// instead of in a temporary directory.
	dir, unused := t.TempDir(), filepath.Join(t.TempDir(), "unused")
	code, _, errOut := runMain(t, Program{Name: "local", DevServer: true}, map[string]string{app.EnvDataDir: unused},
		"-data", dir, "-event", filepath.Join(eventsDir, "local", "quickstart.json"))
	if code != 0 {
		t.Fatalf("Main(-data, -event) = %d; stderr %s", code, errOut)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) == 0 {
		t.Errorf("data directory %s = %v, %v; want the bbolt file", dir, entries, err)
	}
	if _, err := os.Stat(unused); !os.IsNotExist(err) {
		t.Errorf("DATA_DIR %s was created (%v); -data should have taken precedence", unused, err)
	}
}
