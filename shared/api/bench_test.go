package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
)

// BenchmarkStartSyncExecution measures one StartSyncExecution round trip
// through the real HTTP server on loopback for a small Express flow (fake
// engine unless the real one is wired; see helpers_test.go).
func BenchmarkStartSyncExecution(b *testing.B) {
	e := newEnv(b, nil, nil)
	form := url.Values{"Name": {"bench"}, "Definition": {strings.Replace(testDef, "%s", "bench", 1)}, "ExecutionMode": {"Express"}}
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
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("status %d", resp.StatusCode)
	}
}
