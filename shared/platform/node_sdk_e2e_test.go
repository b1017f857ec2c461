package platform

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/app"
	"github.com/cloudflow-oss/cloudflow/shared/auth"
)

// The official Node SDK, @alicloud/fnf-2019-03-15 1.2.0 on @alicloud/pop-core, is a second real
// client beside darabonba-openapi: testdata/node-sdk/e2e.js drives every operation it has (and
// StartSyncExecution through its request method) and asserts fields and error codes. It runs
// against the local server here and against the emulated Lambda deployment's one endpoint in
// TestLambdaRIE_EndToEnd. .ci/run installs the package under .ci/cache and sets
// CLOUDFLOW_NODE_SDK to the folder holding its node_modules.

// runNodeSDK runs e2e.js against endpoint (http://host:port) with the e2e access key.
func runNodeSDK(t *testing.T, dir, endpoint, prefix string) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("testdata", "node-sdk", "e2e.js"))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Env = append(os.Environ(),
		"NODE_PATH="+filepath.Join(dir, "node_modules"), "ENDPOINT="+endpoint,
		"AK="+e2eKeyID, "SK="+e2eKeySecret, "PREFIX="+prefix, "SUPPORTED="+strings.Join(api.Actions(), ","))
	out, err := cmd.CombinedOutput()
	t.Logf("node SDK against %s (%.1f s):\n%s", prefix, time.Since(start).Seconds(), out)
	if err != nil {
		t.Errorf("node SDK e2e against %s: %v", prefix, err)
	}
}

func TestNodeSDK_Local(t *testing.T) {
	dir := os.Getenv("CLOUDFLOW_NODE_SDK")
	if dir == "" {
		t.Skip("CLOUDFLOW_NODE_SDK unset: the official Node SDK is not tested (.ci/run installs it and sets it)")
	}
	keys, err := auth.ParseKeys(e2eKeyID + ":" + e2eKeySecret + "@" + e2eAccount)
	if err != nil {
		t.Fatal(err)
	}
	// What functions/local serves: every operation, bbolt, the in-process runner, keys on.
	// With keys on, HTTP:Request may reach only public addresses unless allowed: the callback
	// task's endpoint is the script's loopback server.
	a, err := app.New(app.Config{DataDir: t.TempDir(), AccessKeys: keys, HTTPAllowRanges: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	served := make(chan error, 1)
	go func() {
		served <- Serve(ctx, Local, Service{API: a.Handler, OnEvent: a.OnEvent}, Options{Addr: "127.0.0.1:0", Ready: func(ad net.Addr) { ready <- ad }})
	}()
	defer func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-served:
		t.Fatalf("Serve: %v", err)
	}
	runNodeSDK(t, dir, "http://"+addr.String(), "local")
}
