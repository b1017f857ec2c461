package api

import "context"

// DefaultRegion is the region DescribeRegions lists when Options.Region is
// empty.
const DefaultRegion = "cn-hangzhou"

// Region is one entry of DescribeRegions' Regions.Region list.
type Region struct {
	RegionID       string `json:"RegionId"`
	RegionEndpoint string `json:"RegionEndpoint"`
	LocalName      string `json:"LocalName"`
}

// RegionList wraps the list the way the SDK reads it (Regions.Region[]).
type RegionList struct {
	Region []Region `json:"Region"`
}

// RegionsResponse answers DescribeRegions.
type RegionsResponse struct {
	Envelope
	Regions RegionList `json:"Regions"`
}

type hostKey struct{}

// withHost records the request's Host for operations that report the
// endpoint the caller reached.
func withHost(ctx context.Context, host string) context.Context {
	return context.WithValue(ctx, hostKey{}, host)
}

func hostOf(ctx context.Context) string {
	h, _ := ctx.Value(hostKey{}).(string)
	return h
}

// describeRegions lists the configured region only (reference 10.5,
// decision 50). Its endpoint is Options.RegionEndpoint, by default the Host
// the request reached (a self-hosted service has no regional domain), and
// its LocalName is the region id whatever AcceptLanguage asks for.
func describeRegions(h *Handler, ctx context.Context, _ params) (response, error) {
	endpoint := h.opts.RegionEndpoint
	if endpoint == "" {
		endpoint = hostOf(ctx)
	}
	region := h.opts.Region
	return &RegionsResponse{Regions: RegionList{Region: []Region{{RegionID: region, RegionEndpoint: endpoint, LocalName: region}}}}, nil
}
