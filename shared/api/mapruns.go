package api

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// ItemCounts are a map run's item counts on the wire (reference 10.5).
type ItemCounts struct {
	Total   int `json:"Total"`
	Succeed int `json:"Succeed"`
	Failed  int `json:"Failed"`
	Running int `json:"Running"`
	Pending int `json:"Pending"`
	Aborted int `json:"Aborted"`
}

// MapRunResponse answers DescribeMapRun and UpdateMapRun (reference 10.5,
// decisions 50 and 58).
type MapRunResponse struct {
	Envelope
	MapRunName                string     `json:"MapRunName"`
	ExecutionName             string     `json:"ExecutionName"`
	Status                    string     `json:"Status"`
	Concurrency               int        `json:"Concurrency"`
	ItemCounts                ItemCounts `json:"ItemCounts"`
	ToleratedFailedCount      int        `json:"ToleratedFailedCount"`
	ToleratedFailedPercentage float64    `json:"ToleratedFailedPercentage"`
	StartedTime               string     `json:"StartedTime"`
	StoppedTime               string     `json:"StoppedTime,omitempty"`
}

func mapRunOut(m *execution.MapRun) *MapRunResponse {
	c := m.ItemCounts
	return &MapRunResponse{
		MapRunName: m.Name, ExecutionName: m.ExecutionName, Status: string(m.Status), Concurrency: m.Concurrency,
		ItemCounts:           ItemCounts{Total: c.Total, Succeed: c.Succeed, Failed: c.Failed, Running: c.Running, Pending: c.Pending, Aborted: c.Aborted},
		ToleratedFailedCount: m.ToleratedFailedCount, ToleratedFailedPercentage: m.ToleratedFailedPercentage,
		StartedTime: FormatTime(m.StartedTime), StoppedTime: FormatTime(m.StoppedTime),
	}
}

// mapRunRef reads the FlowName, ExecutionName and MapRunName that name a
// map run.
func (p params) mapRunRef() (execution.MapRunRef, error) {
	var r execution.MapRunRef
	var err error
	if r.FlowName, r.ExecutionName, err = p.executionRef(); err != nil {
		return r, err
	}
	r.MapRunName, err = p.lookupName("MapRunName", maxSyncNameLen)
	return r, err
}

// percentage returns an optional number from 0 to 100.
func (p params) percentage(name string) (*float64, error) {
	s := p.get(name)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
		return nil, InvalidArgument(fmt.Sprintf("%s must be a number from 0 to 100.", name))
	}
	return &v, nil
}

// optionalInteger returns an optional integer in lo..hi, nil when absent.
func (p params) optionalInteger(name string, lo, hi int) (*int, error) {
	if p.get(name) == "" {
		return nil, nil
	}
	n, err := p.integer(name, 0, lo, hi)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

func describeMapRun(h *Handler, ctx context.Context, p params) (response, error) {
	r, err := p.mapRunRef()
	if err != nil {
		return nil, err
	}
	m, err := h.svc.DescribeMapRun(ctx, r)
	if err != nil {
		return nil, err
	}
	return mapRunOut(m), nil
}

func updateMapRun(h *Handler, ctx context.Context, p params) (response, error) {
	in := execution.UpdateMapRunInput{}
	var err error
	if in.MapRunRef, err = p.mapRunRef(); err != nil {
		return nil, err
	}
	if in.Concurrency, err = p.optionalInteger("Concurrency", 1, flow.MaxDistributedMapConcurrency); err != nil {
		return nil, err
	}
	if in.ToleratedFailedCount, err = p.optionalInteger("ToleratedFailedCount", 0, flow.DefaultDistributedMaxItems); err != nil {
		return nil, err
	}
	if in.ToleratedFailedPercentage, err = p.percentage("ToleratedFailedPercentage"); err != nil {
		return nil, err
	}
	m, err := h.svc.UpdateMapRun(ctx, in)
	if err != nil {
		return nil, err
	}
	return mapRunOut(m), nil
}
