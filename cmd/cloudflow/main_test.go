package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/platform"
)

// binary is the cloudflow command built once for the tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cloudflow-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cloudflow")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("go build ./cmd/cloudflow: " + err.Error())
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is one run of the binary.
type result struct {
	code           int
	stdout, stderr string
}

// cli runs the built binary with args in dir ("" = this folder) and the
// given environment on top of a clean one.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// want checks the exit code and that stdout contains every string.
func (r result) want(t *testing.T, code int, stdout ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, s := range stdout {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("stdout lacks %q:\n%s\nstderr:\n%s", s, r.stdout, r.stderr)
		}
	}
}

// examples is the repository's examples folder.
func examples(parts ...string) string {
	return filepath.Join(append([]string{"..", "..", "examples"}, parts...)...)
}

// server is a real local service on loopback (the app behind
// functions/local, on the memory store) with one access key.
type server struct {
	env []string // CLOUDFLOW_ENDPOINT and the key, for cli
}

const (
	testKeyID  = "LTAI5tCLITest"
	testSecret = "cli-secret"
)

func startServer(t *testing.T, mockFile string, extra map[string]string) *server {
	t.Helper()
	getenv := func(k string) string {
		m := map[string]string{app.EnvStore: app.StoreMemory, app.EnvMockFile: mockFile, app.EnvTimeScale: "0"}
		for k2, v := range extra {
			m[k2] = v
		}
		return m[k]
	}
	cfg, err := app.ConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccessKeys, err = auth.ParseKeys(testKeyID + ":" + testSecret); err != nil {
		t.Fatal(err)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- platform.Serve(ctx, platform.Local, platform.Service{API: a.Handler, OnEvent: a.OnEvent},
			platform.Options{Addr: "127.0.0.1:0", Logger: cfg.Logger, Ready: func(addr net.Addr) { ready <- addr }})
	}()
	var addr string
	select {
	case a := <-ready:
		addr = a.String()
	case err := <-done:
		t.Fatalf("Serve: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		_ = a.Close()
	})
	return &server{env: []string{"CLOUDFLOW_ENDPOINT=http://" + addr, "ALIBABA_CLOUD_ACCESS_KEY_ID=" + testKeyID, "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + testSecret}}
}
