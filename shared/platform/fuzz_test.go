package platform

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReplayFile feeds arbitrary bytes through the event decoders (DetectKind, the Lambda
// adapter, the FC raw-request reader, the session decoder). Property: no panic, and a file
// DetectKind rejects is ErrUnknownEvent, never anything else.
func FuzzReplayFile(f *testing.F) {
	for _, seed := range []string{
		`{"version":"2.0","rawPath":"/","rawQueryString":"Action=ListFlows","body":"QQ==","isBase64Encoded":true}`,
		`{"httpMethod":"POST","path":"/","multiValueQueryStringParameters":{"a":["1","2"]},"body":"x"}`,
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx",
		`[{"Action":"ListFlows","Parameters":{"Limit":1}}]`,
		`{"op":"sweep"}`,
		``,
	} {
		f.Add([]byte(seed))
	}
	// Every committed sample is a seed too.
	_ = filepath.WalkDir(eventsDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, rerr := os.ReadFile(path); rerr == nil {
				f.Add(data)
			}
		}
		return nil
	})
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"RequestId":"r"}`))
	})
	svc := Service{API: api, OnEvent: func(context.Context, []byte) error { return nil }}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, rs, err := ReplayFile(context.Background(), svc, data, FCOptions{})
		if _, derr := DetectKind(data); derr != nil {
			if !errors.Is(err, ErrUnknownEvent) {
				t.Fatalf("DetectKind rejected the file (%v) but ReplayFile said %v", derr, err)
			}
			return
		}
		if err == nil && kind != KindAsync && kind != KindSession && len(rs) != 1 {
			t.Fatalf("kind %s replayed to %d responses, want 1", kind, len(rs))
		}
		for _, r := range rs {
			if r.StatusCode != http.StatusOK || !json.Valid(r.Body) {
				t.Fatalf("response %d %q, want the API's 200 JSON", r.StatusCode, r.Body)
			}
		}
	})
}
