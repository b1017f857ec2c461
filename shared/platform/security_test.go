package platform

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestMain_AccessKeys(t *testing.T) {
	p := Program{Name: "createflow", Operations: []string{"CreateFlow"}}
	event := filepath.Join(eventsDir, "createflow", "lambda-http-v2.json")
	tests := []struct {
		name     string
		keys     string
		wantCode int
		wantOut  string // in stdout
		wantErr  string // in stderr
		notErr   string // never in stderr
	}{
		{name: "no keys: served unsigned, with a loud warning", wantCode: 0,
			wantOut: "payments", wantErr: "SECURITY WARNING"},
		{name: "keys: the unsigned sample is refused", keys: "ak:sk-secret-1", wantCode: 1,
			wantOut: "MissingRequiredParams", notErr: "SECURITY WARNING"},
		{name: "malformed keys stop start-up without echoing the secret", keys: "ak:sk-secret-2@bad/acct", wantCode: 1,
			wantErr: "CLOUDFLOW_ACCESS_KEYS", notErr: "sk-secret-2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runMain(t, p, map[string]string{"STORE": "memory", "CLOUDFLOW_ACCESS_KEYS": tc.keys}, "-event", event)
			if code != tc.wantCode || !strings.Contains(out, tc.wantOut) || !strings.Contains(errOut, tc.wantErr) {
				t.Errorf("Main = %d, stdout %q, stderr %q; want %d, %q in stdout, %q in stderr", code, out, errOut, tc.wantCode, tc.wantOut, tc.wantErr)
			}
			if tc.notErr != "" && strings.Contains(errOut, tc.notErr) {
				t.Errorf("stderr %q contains %q", errOut, tc.notErr)
			}
		})
	}
}
