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
