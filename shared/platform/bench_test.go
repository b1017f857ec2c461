package platform

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
)

// BenchmarkLambdaHandler measures the adapter's own cost per HTTP API event (decode, rebuild the
// request, buffer the response) in front of a trivial API handler.
func BenchmarkLambdaHandler(b *testing.B) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		_, _ = w.Write([]byte(`{"RequestId":"1"}`))
	})
	h := LambdaHandler(api, nil)
	event := json.RawMessage(`{"version":"2.0","rawPath":"/","rawQueryString":"Action=StartExecution&Version=2019-03-15",
		"headers":{"host":"abc.lambda-url.us-east-1.on.aws","content-type":"application/x-www-form-urlencoded"},
		"requestContext":{"http":{"method":"POST","sourceIp":"203.0.113.1"}},
		"body":"Rmxvd05hbWU9b3JkZXJzJklucHV0PSU3QiU3RA==","isBase64Encoded":true}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h(ctx, event); err != nil {
			b.Fatal(err)
		}
	}
}
