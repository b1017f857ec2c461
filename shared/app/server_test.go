package app

import (
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv_ServerLimits(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    ServerLimits
		wantRun int
		wantErr string
	}{
		{"defaults", nil, ServerLimits{ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 75 * time.Second,
			IdleTimeout: 60 * time.Second, MaxHeaderBytes: 64 << 10, MaxConns: 1024}, 64, ""},
		{"all set", map[string]string{EnvReadHeaderTimeout: "2s", EnvReadTimeout: "5s", EnvWriteTimeout: "90s", EnvIdleTimeout: "1m",
			EnvMaxHeaderBytes: "8192", EnvMaxConns: "10", EnvMaxSyncRuns: "3"},
			ServerLimits{ReadHeaderTimeout: 2 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 90 * time.Second,
				IdleTimeout: time.Minute, MaxHeaderBytes: 8192, MaxConns: 10}, 3, ""},
		{"zero timeout", map[string]string{EnvReadTimeout: "0s"}, ServerLimits{}, 0, `CLOUDFLOW_READ_TIMEOUT="0s"`},
		{"timeout without unit", map[string]string{EnvIdleTimeout: "30"}, ServerLimits{}, 0, `CLOUDFLOW_IDLE_TIMEOUT="30"`},
		{"timeout too long", map[string]string{EnvWriteTimeout: "25h"}, ServerLimits{}, 0, `CLOUDFLOW_WRITE_TIMEOUT="25h"`},
		{"header limit too small", map[string]string{EnvMaxHeaderBytes: "100"}, ServerLimits{}, 0, `CLOUDFLOW_MAX_HEADER_BYTES="100"`},
		{"zero conns", map[string]string{EnvMaxConns: "0"}, ServerLimits{}, 0, `CLOUDFLOW_MAX_CONNS="0"`},
		{"sync runs not a number", map[string]string{EnvMaxSyncRuns: "lots"}, ServerLimits{}, 0, `CLOUDFLOW_MAX_SYNC_RUNS="lots"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ConfigFromEnv() error = %v, want one mentioning %s", err, tc.wantErr)
				}
				return
			}
			if err != nil || got.Server != tc.want || got.MaxSyncRuns != tc.wantRun {
				t.Fatalf("ConfigFromEnv() = %+v, %d, %v; want %+v, %d", got.Server, got.MaxSyncRuns, err, tc.want, tc.wantRun)
			}
		})
	}
}

func TestConfigFromEnv_HTTPAllowRanges(t *testing.T) {
	cfg, err := ConfigFromEnv(func(k string) string {
		return map[string]string{EnvHTTPAllowRanges: "10.1.2.0/24, 192.168.1.5,fd00::/8"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range cfg.HTTPAllowRanges {
		got = append(got, p.String())
	}
	if want := "10.1.2.0/24 192.168.1.5/32 fd00::/8"; strings.Join(got, " ") != want {
		t.Errorf("HTTPAllowRanges = %v, want %s", got, want)
	}
	if _, err := ConfigFromEnv(func(k string) string { return map[string]string{EnvHTTPAllowRanges: "intranet"}[k] }); err == nil ||
		!strings.Contains(err.Error(), EnvHTTPAllowRanges) {
		t.Errorf("a bad range: error = %v, want one naming %s", err, EnvHTTPAllowRanges)
	}
	keyed, err := ConfigFromEnv(func(k string) string { return map[string]string{EnvAccessKeys: "id1:secret1"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want bool
	}{
		{"local development server", Config{}, false},
		{"cloud runtime", Config{Cloud: true}, true},
		{"server with access keys", keyed, true},
	} {
		if got := tc.cfg.HTTPPublicOnly(); got != tc.want {
			t.Errorf("%s: HTTPPublicOnly() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
