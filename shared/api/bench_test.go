package api_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// BenchmarkStartSyncExecution measures one StartSyncExecution round trip
// through the real HTTP server on loopback for a small Express flow (one
// Pass state with an OutputConstructor), with the real parser and engine.
func BenchmarkStartSyncExecution(b *testing.B) {
	e := newEnv(b, nil, nil)
	form := url.Values{"Name": {"bench"}, "Definition": {benchDef}, "ExecutionMode": {"Express"}}
	post(b, e.srv.URL+"/?Action=CreateFlow&Version="+api.Version, form.Encode())
	body := url.Values{"FlowName": {"bench"}, "Input": {`{"order":42}`}}.Encode()
	target := e.srv.URL + "/?Action=StartSyncExecution&Version=" + api.Version
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		post(b, target, body)
	}
}

func post(b *testing.B, target, body string) {
	resp, err := http.Post(target, "application/x-www-form-urlencoded", strings.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	// Drain the body so the keep-alive connection is reused, as a real client's is.
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

const benchDef = `Type: StateMachine
SpecVersion: v1
Name: bench
StartAt: Echo
States:
  - Name: Echo
    Type: Pass
    OutputConstructor:
      order.$: $Input.order
    End: true
`
