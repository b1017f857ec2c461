package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/api"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

func TestHandler_DescribeRegions(t *testing.T) {
	tests := []struct {
		name         string
		opts         api.Options
		wantRegion   string
		wantEndpoint func(host string) string
	}{
		{"defaults", api.Options{}, "cn-hangzhou", func(host string) string { return host }},
		{"configured", api.Options{Region: "eu-central-1", RegionEndpoint: "flows.example.com"}, "eu-central-1", func(string) string { return "flows.example.com" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, nil, func(_ *execution.Options, h *api.Options) { *h = tc.opts })
			r := e.call(t, "DescribeRegions", map[string]string{"AcceptLanguage": "en-US"})
			wantOK(t, r)
			var got api.RegionsResponse
			if err := json.Unmarshal([]byte(r.raw), &got); err != nil {
				t.Fatal(err)
			}
			host := strings.TrimPrefix(e.srv.URL, "http://")
			want := []api.Region{{RegionID: tc.wantRegion, RegionEndpoint: tc.wantEndpoint(host), LocalName: tc.wantRegion}}
			if len(got.Regions.Region) != 1 || got.Regions.Region[0] != want[0] {
				t.Errorf("DescribeRegions = %s, want Regions.Region %+v", r.raw, want)
			}
			if r.status != http.StatusOK || got.RequestID == "" {
				t.Errorf("DescribeRegions = %d %s, want 200 with a RequestId", r.status, r.raw)
			}
		})
	}
}
