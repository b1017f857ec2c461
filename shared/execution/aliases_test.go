package execution_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
)

// aliasNames returns the names of aliases.
func aliasNames(as []*execution.Alias) string {
	var names []string
	for _, a := range as {
		names = append(names, a.Name)
	}
	return strings.Join(names, ",")
}

func TestService_Aliases_Lifecycle(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	mustCreate(t, svc, ctx, "f")
	for range 3 {
		if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f", Description: "v"}); err != nil {
			t.Fatal(err)
		}
	}
	route := func(v string) []execution.Route { return []execution.Route{{Version: v, Weight: 1}} }
	for _, a := range []execution.AliasInput{{FlowName: "f", Name: "prod", Routes: route("1")}, {FlowName: "f", Name: "beta", Routes: route("3")}} {
		if _, err := svc.CreateFlowAlias(ctx, a); err != nil {
			t.Fatalf("CreateFlowAlias(%s): %v", a.Name, err)
		}
	}

	desc := "live traffic"
	up, err := svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "prod", Description: &desc, Routes: route("2")})
	if err != nil || up.Description != desc || len(up.RoutingConfigurations) != 1 || up.RoutingConfigurations[0].Version != "2" {
		t.Fatalf("UpdateFlowAlias(prod) = %+v, %v; want routes to 2 and the description", up, err)
	}
	// Nil Description and Routes keep what is stored.
	if up, err = svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "prod"}); err != nil || up.Description != desc || up.RoutingConfigurations[0].Version != "2" {
		t.Fatalf("UpdateFlowAlias(prod, nothing) = %+v, %v; want it unchanged", up, err)
	}
	if got, err := svc.DescribeFlowAlias(ctx, "f", "prod"); err != nil || got.RoutingConfigurations[0].Version != "2" {
		t.Errorf("DescribeFlowAlias(prod) = %+v, %v; want routes to 2", got, err)
	}
	t.Run("update errors", func(t *testing.T) {
		if _, err := svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "gone", Routes: route("1")}); !errors.Is(err, execution.ErrAliasNotFound) {
			t.Errorf("UpdateFlowAlias(unknown alias) error = %v, want ErrAliasNotFound", err)
		}
		if _, err := svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "prod", Routes: route("9")}); !errors.Is(err, execution.ErrVersionNotFound) {
			t.Errorf("UpdateFlowAlias(route to 9) error = %v, want ErrVersionNotFound", err)
		}
		if _, err := svc.UpdateFlowAlias(ctx, execution.AliasInput{FlowName: "nope", Name: "prod"}); !errors.Is(err, execution.ErrFlowNotFound) {
			t.Errorf("UpdateFlowAlias(unknown flow) error = %v, want ErrFlowNotFound", err)
		}
	})

	t.Run("list aliases in pages", func(t *testing.T) {
		page, next, err := svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 1})
		if err != nil || aliasNames(page) != "beta" || next != "prod" {
			t.Fatalf("ListFlowAliases(limit 1) = %s, %q, %v; want beta then prod", aliasNames(page), next, err)
		}
		page, next, err = svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 1, NextToken: next})
		if err != nil || aliasNames(page) != "prod" || next != "" {
			t.Fatalf("ListFlowAliases(from prod) = %s, %q, %v; want prod and no next", aliasNames(page), next, err)
		}
	})

	t.Run("list versions in pages", func(t *testing.T) {
		page, next, err := svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 2})
		if err != nil || len(page) != 2 || page[0].Version != "1" || page[1].Version != "2" || next == "" {
			t.Fatalf("ListFlowVersions(limit 2) = %+v, %q, %v; want 1, 2 and a next token", page, next, err)
		}
		n, ok := execution.ParseVersion(next)
		if !ok {
			t.Fatalf("next token %q is not a version number", next)
		}
		page, next, err = svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 2, NextToken: n})
		if err != nil || len(page) != 1 || page[0].Version != "3" || next != "" {
			t.Fatalf("ListFlowVersions(from %d) = %+v, %q, %v; want 3 alone", n, page, next, err)
		}
	})

	t.Run("qualifiers", func(t *testing.T) {
		for _, tc := range []struct{ name, qualifier, wantVersion string }{
			{"e-prod", "prod", "2"}, {"e-v3", "3", "3"}, {"e-latest", "", ""},
		} {
			e, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: tc.name, Qualifier: tc.qualifier})
			if err != nil || e.FlowVersion != tc.wantVersion {
				t.Errorf("StartExecution(Qualifier %q) = %+v, %v; want FlowVersion %q", tc.qualifier, e, err, tc.wantVersion)
			}
		}
		_, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", Qualifier: "nope"})
		if !errors.Is(err, execution.ErrInvalidArgument) || !strings.Contains(err.Error(), "Qualifier nope names no version or alias of flow f.") {
			t.Errorf("StartExecution(Qualifier nope) error = %v, want the unknown-Qualifier argument error", err)
		}
		waitFor(t, svc, ctx, "f", "e-latest", execution.Succeeded)
		for _, tc := range []struct{ qualifier, want string }{{"prod", "e-prod"}, {"2", "e-prod"}, {"3", "e-v3"}} {
			list, _, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10, Qualifier: tc.qualifier})
			var names []string
			for _, e := range list {
				names = append(names, e.Name)
			}
			if err != nil || strings.Join(names, ",") != tc.want {
				t.Errorf("ListExecutions(Qualifier %q) = %v, %v; want %s", tc.qualifier, names, err, tc.want)
			}
		}
		if _, _, err := svc.ListExecutions(ctx, execution.ListInput{FlowName: "f", Limit: 10, Qualifier: "nope"}); !errors.Is(err, execution.ErrInvalidArgument) {
			t.Errorf("ListExecutions(Qualifier nope) error = %v, want ErrInvalidArgument", err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		if err := svc.DeleteFlowAlias(ctx, "f", "beta"); err != nil {
			t.Fatalf("DeleteFlowAlias(beta) = %v", err)
		}
		if _, err := svc.DescribeFlowAlias(ctx, "f", "beta"); !errors.Is(err, execution.ErrAliasNotFound) {
			t.Errorf("DescribeFlowAlias(deleted) error = %v, want ErrAliasNotFound", err)
		}
		if err := svc.DeleteFlowAlias(ctx, "f", "beta"); !errors.Is(err, execution.ErrAliasNotFound) {
			t.Errorf("DeleteFlowAlias(deleted) error = %v, want ErrAliasNotFound", err)
		}
		// Version 3 lost its only alias, so it may go; version 2 is still routed.
		if err := svc.DeleteFlowVersion(ctx, "f", "3"); err != nil {
			t.Fatalf("DeleteFlowVersion(3) = %v", err)
		}
		if err := svc.DeleteFlowVersion(ctx, "f", "3"); !errors.Is(err, execution.ErrVersionNotFound) {
			t.Errorf("DeleteFlowVersion(3 again) error = %v, want ErrVersionNotFound", err)
		}
		if err := svc.DeleteFlowVersion(ctx, "f", "2"); !errors.Is(err, execution.ErrConflict) {
			t.Errorf("DeleteFlowVersion(2, routed by prod) error = %v, want ErrConflict", err)
		}
		if _, err := svc.DescribeFlowVersion(ctx, "f", "3"); !errors.Is(err, execution.ErrVersionNotFound) {
			t.Errorf("DescribeFlowVersion(deleted) error = %v, want ErrVersionNotFound", err)
		}
	})
}

func TestService_ErrorTypes_Messages(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "x", Definition: gateDef("x"), ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		err      error
		target   any
		sentinel error
		wantText string
	}{
		{name: "flow not found", err: second(svc.DescribeFlow(ctx, "nope")), target: new(*execution.ResourceError), sentinel: execution.ErrFlowNotFound, wantText: `flow "nope"`},
		{name: "execution not found", err: second(svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "x", ExecutionName: "e"})), target: new(*execution.ResourceError), sentinel: execution.ErrExecutionNotFound, wantText: `execution "e" of flow "x"`},
		{name: "schedule not found", err: second(svc.DescribeSchedule(ctx, "x", "nightly")), target: new(*execution.ResourceError), sentinel: execution.ErrScheduleNotFound, wantText: `schedule "nightly" of flow "x"`},
		{name: "Express flow started as Standard", err: second(svc.StartExecution(ctx, execution.StartInput{FlowName: "x"})), target: new(*execution.ModeError), sentinel: execution.ErrModeNotSupported, wantText: `flow "x": Express execution is not supported`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.As(tc.err, tc.target) || !errors.Is(tc.err, tc.sentinel) || !strings.Contains(tc.err.Error(), tc.wantText) {
				t.Errorf("error = %v; want a %T wrapping %v that reads %q", tc.err, tc.target, tc.sentinel, tc.wantText)
			}
		})
	}
}

func TestStatus_Valid(t *testing.T) {
	for _, s := range []execution.Status{execution.Starting, execution.Running, execution.Succeeded, execution.Failed, execution.TimedOut, execution.Stopped} {
		if !s.Valid() {
			t.Errorf("Status(%q).Valid() = false, want true", s)
		}
	}
	if execution.Status("Paused").Valid() {
		t.Error(`Status("Paused").Valid() = true, want false`)
	}
}

// Operations on the versions and aliases of a flow that does not exist, or
// no longer does, answer ErrFlowNotFound; a flow re-created under the name
// starts with no versions and no aliases (they are keyed by the flow Id),
// so the old qualifiers are unknown (reference 2.3: InvalidArgument).
func TestService_VersionsAndAliases_DeletedFlow(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}); err != nil {
		t.Fatal(err)
	}
	a, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "live", Description: ptr("prod"), Routes: []execution.Route{{Version: "1", Weight: 1}}})
	if err != nil || a.Description != "prod" {
		t.Fatalf("CreateFlowAlias = %+v, %v; want the description kept", a, err)
	}
	if err := svc.DeleteFlow(ctx, "f"); err != nil {
		t.Fatal(err)
	}
	routes := []execution.Route{{Version: "1", Weight: 1}}
	tests := []struct {
		name string
		err  error
	}{
		{"DescribeFlowVersion", second(svc.DescribeFlowVersion(ctx, "f", "1"))},
		{"ListFlowVersions", third(svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 10}))},
		{"DeleteFlowVersion", svc.DeleteFlowVersion(ctx, "f", "1")},
		{"CreateFlowAlias", second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "x", Routes: routes}))},
		{"DescribeFlowAlias", second(svc.DescribeFlowAlias(ctx, "f", "live"))},
		{"DeleteFlowAlias", svc.DeleteFlowAlias(ctx, "f", "live")},
		{"ListFlowAliases", third(svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 10}))},
		{"StartExecution", second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", Qualifier: "live"}))},
		{"StopExecution", second(svc.StopExecution(ctx, execution.StopInput{FlowName: "f", ExecutionName: "e"}))},
		{"GetExecutionHistory", third(svc.GetExecutionHistory(ctx, execution.HistoryInput{FlowName: "f", ExecutionName: "e", Limit: 10}))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, execution.ErrFlowNotFound) {
				t.Errorf("%s on a deleted flow = %v, want ErrFlowNotFound", tc.name, tc.err)
			}
		})
	}

	mustCreate(t, svc, ctx, "f")
	if vs, _, err := svc.ListFlowVersions(ctx, execution.ListVersionsInput{FlowName: "f", Limit: 10}); err != nil || len(vs) != 0 {
		t.Errorf("ListFlowVersions(re-created) = %d versions, %v; want none", len(vs), err)
	}
	if as, _, err := svc.ListFlowAliases(ctx, execution.ListAliasesInput{FlowName: "f", Limit: 10}); err != nil || len(as) != 0 {
		t.Errorf("ListFlowAliases(re-created) = %s, %v; want none", aliasNames(as), err)
	}
	for _, q := range []string{"1", "live"} {
		if _, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", Qualifier: q}); !errors.Is(err, execution.ErrInvalidArgument) {
			t.Errorf("StartExecution(Qualifier %s) on the re-created flow = %v, want ErrInvalidArgument", q, err)
		}
	}
}

// An alias whose routes all weigh 0 routes nowhere: starting through it is
// an InvalidArgument on Qualifier, wrapping ErrVersionNotFound.
func TestService_StartExecution_AliasOfZeroWeights(t *testing.T) {
	ctx := context.Background()
	svc := newVersionService(t, nil)
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "dark", Routes: []execution.Route{{Version: "1", Weight: 0}}}); err != nil {
		t.Fatal(err)
	}
	_, err := svc.StartExecution(ctx, execution.StartInput{FlowName: "f", ExecutionName: "e", Qualifier: "dark"})
	var ae *execution.ArgumentError
	if !errors.As(err, &ae) || ae.Param != "Qualifier" || !errors.Is(err, execution.ErrVersionNotFound) {
		t.Fatalf("StartExecution(alias of zero weights) = %v, want an ArgumentError on Qualifier wrapping ErrVersionNotFound", err)
	}
	if _, err := svc.DescribeExecution(ctx, execution.DescribeInput{FlowName: "f", ExecutionName: "e"}); !errors.Is(err, execution.ErrExecutionNotFound) {
		t.Errorf("the refused start stored an execution: %v", err)
	}
}
