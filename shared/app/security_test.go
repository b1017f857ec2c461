package app

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/throttle"
)

func TestConfigFromEnv_Security(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		keys      string // Keys.String()
		throttle  string
		rates     string // Limits.String(); "" = defaults
		wantErr   string
		notInErr  string
		errTarget error
	}{
		{name: "defaults: open, auto, documented rates", keys: "[]", throttle: ThrottleAuto},
		{name: "keys with and without account",
			env:  map[string]string{"CLOUDFLOW_ACCESS_KEYS": "ak1:s1@acct, ak2:s2"},
			keys: "[ak1@acct ak2@ak2]"},
		{name: "throttle on", env: map[string]string{"CLOUDFLOW_THROTTLE": "on"}, keys: "[]", throttle: ThrottleOn},
		{name: "throttle OFF", env: map[string]string{"CLOUDFLOW_THROTTLE": " OFF "}, keys: "[]", throttle: ThrottleOff},
		{name: "throttle true", env: map[string]string{"CLOUDFLOW_THROTTLE": "true"}, keys: "[]", throttle: ThrottleOn},
		{name: "rate override",
			env:  map[string]string{"CLOUDFLOW_API_RATES": "CreateFlow=3/1,Default=20/5"},
			keys: "[]", rates: "Default=20/5,CreateFlow=3/1,DescribeExecution=50/5,GetExecutionHistory=50/5,StartExecution=100/100,StartSyncExecution=1000/1000"},
		{name: "bad key list never echoes the secret",
			env:     map[string]string{"CLOUDFLOW_ACCESS_KEYS": "ak1:topsecret@bad/acct"},
			wantErr: "CLOUDFLOW_ACCESS_KEYS", notInErr: "topsecret"},
		{name: "entry without colon", env: map[string]string{"CLOUDFLOW_ACCESS_KEYS": "justasecret"},
			wantErr: "CLOUDFLOW_ACCESS_KEYS", notInErr: "justasecret"},
		{name: "bad throttle", env: map[string]string{"CLOUDFLOW_THROTTLE": "sometimes"}, wantErr: "CLOUDFLOW_THROTTLE"},
		{name: "bad rates", env: map[string]string{"CLOUDFLOW_API_RATES": "CreateFlow=0/1"}, wantErr: "CLOUDFLOW_API_RATES", errTarget: throttle.ErrSpec},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tc.env[k] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ConfigFromEnv() error = %v, want one naming %s", err, tc.wantErr)
				}
				if tc.notInErr != "" && strings.Contains(err.Error(), tc.notInErr) {
					t.Errorf("ConfigFromEnv() error %q contains the secret", err)
				}
				if tc.errTarget != nil && !errors.Is(err, tc.errTarget) {
					t.Errorf("ConfigFromEnv() error = %v, want it to wrap %v", err, tc.errTarget)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := got.AccessKeys.String(); s != tc.keys {
				t.Errorf("AccessKeys = %s, want %s", s, tc.keys)
			}
			if got.Throttle != tc.throttle {
				t.Errorf("Throttle = %q, want %q", got.Throttle, tc.throttle)
			}
			want := tc.rates
			if want == "" {
				want = throttle.DefaultLimits().String()
			}
			if s := got.Limits.String(); s != want {
				t.Errorf("Limits = %s, want %s", s, want)
			}
		})
	}
}

func TestConfig_Throttled(t *testing.T) {
	tests := []struct {
		throttle string
		cloud    bool
		want     bool
	}{
		{ThrottleAuto, false, false}, // local endpoint: off by default
		{ThrottleAuto, true, true},   // cloud runtimes: on by default
		{ThrottleOn, false, true},
		{ThrottleOff, true, false},
	}
	for _, tc := range tests {
		c := Config{Throttle: tc.throttle, Cloud: tc.cloud}
		if got := c.Throttled(); got != tc.want {
			t.Errorf("Config{Throttle: %q, Cloud: %v}.Throttled() = %v, want %v", tc.throttle, tc.cloud, got, tc.want)
		}
	}
}

func TestNew_OpenWarning(t *testing.T) {
	keys, err := auth.ParseKeys("ak:sk")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		keys     auth.Keys
		wantWarn bool
	}{{"no keys", auth.Keys{}, true}, {"keys", keys, false}} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
			a, err := New(Config{Store: StoreMemory, AccessKeys: tc.keys, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			warned := strings.Contains(buf.String(), "level=WARN") && strings.Contains(buf.String(), "UNSIGNED requests")
			if warned != tc.wantWarn {
				t.Errorf("New(%s) logged %q; want the open-mode warning: %v", tc.name, buf.String(), tc.wantWarn)
			}
			if strings.Contains(buf.String(), "sk") && !tc.wantWarn {
				t.Errorf("log %q may contain the secret", buf.String())
			}
		})
	}
}

func TestNew_Throttle(t *testing.T) {
	limits, err := throttle.ParseLimits("ListFlows=2/1", throttle.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		throttle string
		cloud    bool
		want     []int // statuses of successive ListFlows calls
	}{
		{"local default is unthrottled", ThrottleAuto, false, []int{200, 200, 200, 200}},
		{"cloud default is throttled", ThrottleAuto, true, []int{200, 200, 429, 429}},
		{"switched on locally", ThrottleOn, false, []int{200, 200, 429, 429}},
		{"switched off in the cloud", ThrottleOff, true, []int{200, 200, 200, 200}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(Config{Store: StoreMemory, Throttle: tc.throttle, Cloud: tc.cloud, Limits: limits,
				Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			for i, want := range tc.want {
				code, body := call(t, a.Handler, "ListFlows", nil)
				if code != want {
					t.Fatalf("ListFlows #%d = %d %v, want %d", i+1, code, body, want)
				}
				if code == http.StatusTooManyRequests && (body["Code"] != "ResourceThrottled" || body["Message"] != "The request is throttled. Please try again later.") {
					t.Errorf("throttled body = %v, want ResourceThrottled", body)
				}
			}
			// Another operation has its own bucket.
			if code, body := call(t, a.Handler, "DescribeFlow", map[string]string{"Name": "x"}); code != http.StatusNotFound {
				t.Errorf("DescribeFlow after ListFlows burst = %d %v, want 404 (own bucket)", code, body)
			}
		})
	}
}
