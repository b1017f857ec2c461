package api

import (
	"context"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
)

// Limits of the version and alias operations (reference 10.5 is silent;
// decision 48 ranges them like ListExecutions).
const (
	maxVersionLimit = 100
	maxAliasLimit   = 100
	// maxRoutes bounds the entries of RoutingConfigurations.
	maxRoutes = 10
	// maxWeight bounds one route's Weight.
	maxWeight = 100
)

func publishFlowVersion(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	v, err := h.svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: flowName, Description: p.get("Description")})
	if err != nil {
		return nil, err
	}
	return &FlowVersionResponse{FlowName: v.FlowName, FlowVersion: versionOut(v)}, nil
}

func listFlowVersions(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	limit, err := p.integer("Limit", defaultLimit, 1, maxVersionLimit)
	if err != nil {
		return nil, err
	}
	var next int64
	if tok := p.get("NextToken"); tok != "" {
		var ok bool
		if next, ok = execution.ParseVersion(tok); !ok {
			return nil, InvalidArgument("NextToken must be the version number of the next version, as returned by the previous page.")
		}
	}
	vs, nextToken, err := h.svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: flowName, Limit: limit, NextToken: next})
	if err != nil {
		return nil, err
	}
	out := &ListFlowVersionsResponse{FlowVersions: make([]FlowVersion, 0, len(vs)), NextToken: nextToken}
	for _, v := range vs {
		out.FlowVersions = append(out.FlowVersions, versionOut(v))
	}
	return out, nil
}

func deleteFlowVersion(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	version, err := p.version("FlowVersion", true)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteFlowVersion(ctx, flowName, version); err != nil {
		return nil, err
	}
	return &EmptyResponse{}, nil
}

// aliasInput reads the parameters of CreateFlowAlias and UpdateFlowAlias.
func aliasInput(p params, create bool) (execution.AliasInput, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return execution.AliasInput{}, err
	}
	var name string
	if create {
		name, err = p.newName("Name", true)
	} else {
		name, err = p.lookupName("Name", maxNameLen)
	}
	if err != nil {
		return execution.AliasInput{}, err
	}
	in := execution.AliasInput{FlowName: flowName, Name: name}
	if p.has("Description") {
		d := p.get("Description")
		in.Description = &d
	}
	if create || p.get("RoutingConfigurations") != "" {
		if in.Routes, err = p.routes("RoutingConfigurations"); err != nil {
			return execution.AliasInput{}, err
		}
	}
	return in, nil
}

func createFlowAlias(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := aliasInput(p, true)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.CreateFlowAlias(ctx, in)
	if err != nil {
		return nil, err
	}
	return &CreateFlowAliasResponse{FlowName: a.FlowName, Alias: aliasOut(a)}, nil
}

func updateFlowAlias(h *Handler, ctx context.Context, p params) (response, error) {
	in, err := aliasInput(p, false)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.UpdateFlowAlias(ctx, in)
	if err != nil {
		return nil, err
	}
	return &AliasResponse{Alias: aliasOut(a)}, nil
}

// aliasRef reads FlowName and Name of DescribeFlowAlias and DeleteFlowAlias.
func aliasRef(p params) (string, string, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return "", "", err
	}
	name, err := p.lookupName("Name", maxNameLen)
	return flowName, name, err
}

func describeFlowAlias(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := aliasRef(p)
	if err != nil {
		return nil, err
	}
	a, err := h.svc.DescribeFlowAlias(ctx, flowName, name)
	if err != nil {
		return nil, err
	}
	return &AliasResponse{Alias: aliasOut(a)}, nil
}

func deleteFlowAlias(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, name, err := aliasRef(p)
	if err != nil {
		return nil, err
	}
	if err := h.svc.DeleteFlowAlias(ctx, flowName, name); err != nil {
		return nil, err
	}
	return &EmptyResponse{}, nil
}

func listFlowAliases(h *Handler, ctx context.Context, p params) (response, error) {
	flowName, err := p.lookupName("FlowName", maxNameLen)
	if err != nil {
		return nil, err
	}
	limit, err := p.integer("Limit", defaultLimit, 1, maxAliasLimit)
	if err != nil {
		return nil, err
	}
	token, err := p.pageToken(maxNameLen)
	if err != nil {
		return nil, err
	}
	as, next, err := h.svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: flowName, Limit: limit, NextToken: token})
	if err != nil {
		return nil, err
	}
	out := &ListFlowAliasesResponse{Aliases: make([]Alias, 0, len(as)), NextToken: next}
	for _, a := range as {
		out.Aliases = append(out.Aliases, aliasOut(a))
	}
	return out, nil
}

func versionOut(v *execution.FlowVersion) FlowVersion {
	return FlowVersion{Version: v.Version, Description: v.Description, CreatedTime: FormatTime(v.CreatedTime)}
}

func aliasOut(a *execution.Alias) Alias {
	out := Alias{
		Name: a.Name, Description: a.Description, RoutingConfigurations: make([]Route, 0, len(a.RoutingConfigurations)),
		CreatedTime: FormatTime(a.CreatedTime), LastModifiedTime: FormatTime(a.LastModifiedTime),
	}
	for _, r := range a.RoutingConfigurations {
		out.RoutingConfigurations = append(out.RoutingConfigurations, Route{Version: r.Version, Weight: r.Weight})
	}
	return out
}
