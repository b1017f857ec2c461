package platform

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Function Compute custom-runtime contract, run against the FC bootstrap exactly as
// `make fc-build` builds it (-tags lambda.norpc,noaws, this machine's architecture), as a process
// started the way FC starts it: FC_FUNCTION_NAME, FC_CUSTOM_LISTEN_PORT, FC_REGION, FC_ACCOUNT_ID,
// the role's ALIBABA_CLOUD_* credentials and FUNCTION_TIMEOUT_S in the environment, then
// /initialize, /invoke (timer and asynchronous events) and HTTP-trigger requests carrying FC's
// x-fc-* headers. The access keys come from a KMS secret through a stand-in (no KMS emulator
// exists). .ci/run sets CLOUDFLOW_FC_BOOTSTRAP (.ci/e2e-parts).

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// fcHeaders are the headers Function Compute adds to every request it forwards.
func fcHeaders(h http.Header, control, id string) {
	h.Set("x-fc-request-id", id)
	h.Set("x-fc-control-path", control)
	h.Set("x-fc-function-name", "cloudflow-api")
	h.Set("x-fc-function-handler", "bootstrap")
	h.Set("x-fc-function-memory", "512")
	h.Set("x-fc-function-timeout", "3")
	h.Set("x-fc-region", "cn-hangzhou")
	h.Set("x-fc-account-id", "1234567890")
	h.Set("x-fc-qualifier", "LATEST")
	h.Set("x-fc-access-key-id", "STS.role-id")
	h.Set("x-fc-access-key-secret", "role-secret")
	h.Set("x-fc-security-token", "role-token")
}

func TestFCBootstrap_CustomRuntime(t *testing.T) {
	bootstrap := os.Getenv("CLOUDFLOW_FC_BOOTSTRAP")
	if bootstrap == "" {
		t.Skip("CLOUDFLOW_FC_BOOTSTRAP unset: the built FC bootstrap is not tested (.ci/run sets it)")
	}
	var kmsCalls atomicCounter
	kms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		kmsCalls.add()
		if r.Header.Get("x-acs-action") != "GetSecretValue" || r.Header.Get("x-acs-security-token") != "role-token" ||
			r.URL.Query().Get("SecretName") != testKMSSecretARNForFC {
			t.Errorf("KMS request action %q token %q SecretName %q", r.Header.Get("x-acs-action"), r.Header.Get("x-acs-security-token"), r.URL.Query().Get("SecretName"))
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"RequestId": "k1", "SecretData": e2eKeyID + ":" + e2eKeySecret + "@" + e2eAccount})
	}))
	defer kms.Close()
	port := freeAddr(t)[len("127.0.0.1:"):]
	var out lockedBuffer
	cmd := exec.Command(bootstrap)
	cmd.Dir = t.TempDir()
	cmd.Env = []string{
		"FC_FUNCTION_NAME=cloudflow-api", "FC_CUSTOM_LISTEN_PORT=" + port, "FC_REGION=cn-hangzhou", "FC_ACCOUNT_ID=1234567890",
		"FC_FUNCTION_MEMORY_SIZE=512", "FC_INSTANCE_ID=i-1", "FUNCTION_TIMEOUT_S=3",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=STS.role-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=role-secret", "ALIBABA_CLOUD_SECURITY_TOKEN=role-token",
		"STORE=memory", "CLOUDFLOW_ACCESS_KEYS_SECRET=" + testKMSSecretARNForFC, "CLOUDFLOW_KMS_ENDPOINT=" + kms.URL,
	}
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("bootstrap output:\n%s", out.String())
		}
	}()
	base := "http://127.0.0.1:" + port
	for {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			_ = c.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			t.Fatalf("bootstrap did not listen on %s", port)
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("fc timing: exec to listening %.1f ms", float64(time.Since(start).Microseconds())/1000)

	post := func(path, control, id, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, base+path, strings.NewReader(body))
		fcHeaders(req.Header, control, id)
		req.Header.Set("Content-Type", "application/octet-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	if code, body := post("/initialize", "/initialize", "init-1", ""); code != http.StatusOK {
		t.Errorf("/initialize = %d %s, want 200", code, body)
	}
	timer := `{"triggerTime":"2026-12-03T09:00:00Z","triggerName":"sweep","payload":"{\"op\":\"sweep\"}"}`
	if code, body := post("/invoke", "/invoke", "timer-1", timer); code != http.StatusOK {
		t.Errorf("/invoke timer sweep = %d %s, want 200", code, body)
	}
	if code, _ := post("/invoke", "/invoke", "async-bad", `{"op":"nonsense"}`); code != http.StatusInternalServerError {
		t.Errorf("/invoke with an unknown event = %d, want 500 (a function error, retried by FC)", code)
	}
	// A caller posting to /invoke through the HTTP trigger is an API request, not an event.
	if code, body := post("/invoke", "/http-invoke", "http-0", timer); code == http.StatusOK {
		t.Errorf("HTTP trigger POST /invoke = %d %s, want the API's refusal (unsigned, not an event)", code, body)
	}

	// The HTTP trigger forwards the caller's request with FC's headers added.
	target, _ := url.Parse(base)
	n := 0
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		n++
		fcHeaders(r.Out.Header, "/http-invoke", fmt.Sprintf("http-%d", n))
	}}
	trigger := httptest.NewServer(proxy)
	defer trigger.Close()
	c := e2eClient(t, trigger.URL)
	mustSDK(t, c, "CreateFlow", map[string]string{"Name": "fc-express", "Type": "FDL", "ExecutionMode": "Express", "Description": "fc", "Definition": strings.Replace(e2eExpressFlow, "e2e-express", "fc-express", 1)})
	got := mustSDK(t, c, "StartSyncExecution", map[string]string{"FlowName": "fc-express", "Input": `{"name":"Bo"}`})
	if got["Status"] != "Succeeded" || got["Output"] != `{"greeting":"Hello, Bo!"}` {
		t.Errorf("StartSyncExecution = %v, want Succeeded with the greeting", got)
	}
	// FC sends no deadline: FUNCTION_TIMEOUT_S=3 bounds a synchronous run that would wait 10 s.
	slow := strings.Replace(strings.Replace(e2eLongWaitFlow, "Seconds: 300", "Seconds: 10", 1), "e2e-long", "fc-slow", 1)
	mustSDK(t, c, "CreateFlow", map[string]string{"Name": "fc-slow", "Type": "FDL", "ExecutionMode": "Express", "Description": "fc", "Definition": slow})
	t0 := time.Now()
	res, err := sdkCall(t, c, "StartSyncExecution", map[string]string{"FlowName": "fc-slow"})
	took := time.Since(t0)
	t.Logf("fc timing: StartSyncExecution bounded by FUNCTION_TIMEOUT_S=3: %.0f ms, %v %v", float64(took.Milliseconds()), res["Status"], err)
	if took >= 3*time.Second || took < 2*time.Second {
		t.Errorf("StartSyncExecution of a 10 s wait took %s, want an answer before the 3 s function timeout, after the margin", took)
	}
	if err != nil || res["Status"] != "TimedOut" {
		t.Errorf("StartSyncExecution of a 10 s wait = %v, %v; want Status TimedOut (reference 9.1)", res, err)
	}
	if kmsCalls.get() != 1 {
		t.Errorf("KMS read %d times, want once at start-up", kmsCalls.get())
	}
	logs := out.String()
	for _, want := range []string{"FC Initialize Start RequestId: init-1", "FC Initialize End RequestId: init-1",
		"FC Invoke Start RequestId: timer-1", "FC Invoke End RequestId: timer-1", "FC Invoke Start RequestId: http-0", "FC Invoke Start RequestId: http-1"} {
		if !strings.Contains(logs, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, secret := range []string{e2eKeySecret, "role-secret", "role-token"} {
		if strings.Contains(logs, secret) {
			t.Errorf("output contains the secret %q", secret)
		}
	}
	_ = context.Background
}

const testKMSSecretARNForFC = "acs:kms:cn-hangzhou:1234567890:secret/cloudflow-access-keys"
