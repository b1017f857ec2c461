package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goTestJSON runs the real `go test -json ./...` in a fresh module holding files (path → source)
// and returns its output.
func goTestJSON(t *testing.T, files map[string]string) []byte {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-count=1", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off")
	out, _ := cmd.Output() // a failing test exits non-zero; the events are what matter
	if len(out) == 0 {
		t.Fatalf("go test -json printed nothing")
	}
	return out
}

func TestRun_FailuresSkipsAndClosingLines(t *testing.T) {
	in := goTestJSON(t, map[string]string{
		"good/good_test.go": `package good
import "testing"
func TestOne(t *testing.T) {}
func TestTwo(t *testing.T) { t.Run("sub", func(t *testing.T) {}) }
`,
		"bad/bad_test.go": `package bad
import ("os"; "testing")
func TestBad(t *testing.T) { t.Errorf("got %d, want %d", 1, 2) }
func TestNeedsServer(t *testing.T) {
	if os.Getenv("NO_SUCH_SERVER_ENDPOINT") == "" { t.Skip("NO_SUCH_SERVER_ENDPOINT is not set") }
}
`,
		"empty/empty.go": "package empty\n",
	})
	var out bytes.Buffer
	code := run(bytes.NewReader(in), &out, 0, time.Now)
	got := out.String()
	if code != 1 {
		t.Errorf("run() = %d, want 1 for a failing test\n%s", code, got)
	}
	for _, want := range []string{
		"ok   example.com/m/good (3 tests",
		"FAIL TestBad in example.com/m/bad",
		"got 1, want 2",
		"SKIP 1 in example.com/m/bad (TestNeedsServer): NO_SUCH_SERVER_ENDPOINT is not set",
		"tests: 3 passed, 1 failed, 1 skipped",
		"ok  \texample.com/m/good\t",
		"FAIL\texample.com/m/bad\t",
		"?   \texample.com/m/empty\t[no test files]",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("run() output lacks %q:\n%s", want, got)
		}
	}
	if !strings.HasSuffix(got, "\nFAIL\n") {
		t.Errorf("run() output does not end with go test's final FAIL line:\n%s", got)
	}
	if strings.Contains(got, "=== RUN") {
		t.Errorf("run() output shows === RUN lines:\n%s", got)
	}
}

func TestRun_AllPass(t *testing.T) {
	in := goTestJSON(t, map[string]string{"a/a_test.go": "package a\nimport \"testing\"\nfunc TestA(t *testing.T) {}\n"})
	var out bytes.Buffer
	if code := run(bytes.NewReader(in), &out, 0, time.Now); code != 0 {
		t.Errorf("run() = %d, want 0\n%s", code, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "ok  \texample.com/m/a\t") {
		t.Errorf("last line = %q, want go test's ok line", last)
	}
}

func TestRun_BuildFailure(t *testing.T) {
	in := goTestJSON(t, map[string]string{"b/b_test.go": "package b\nimport \"testing\"\nfunc TestB(t *testing.T) { undefined() }\n"})
	var out bytes.Buffer
	if code := run(bytes.NewReader(in), &out, 0, time.Now); code != 1 {
		t.Errorf("run() = %d, want 1 for a build failure\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "undefined") {
		t.Errorf("run() output lacks the compiler error:\n%s", out.String())
	}
}

func TestRun_NoEvents(t *testing.T) {
	var out bytes.Buffer
	if code := run(strings.NewReader("go: cannot find main module\n"), &out, 0, time.Now); code != 2 {
		t.Errorf("run(no events) = %d, want 2\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "go: cannot find main module") {
		t.Errorf("run() dropped a non-JSON line:\n%s", out.String())
	}
}
