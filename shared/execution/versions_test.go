package execution_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/execution"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1", 1, true},
		{"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 0, false},
		{"0", 0, false},
		{"01", 0, false},
		{"+1", 0, false},
		{"-1", 0, false},
		{"", 0, false},
		{"1a", 0, false},
		{"live", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, ok := execution.ParseVersion(tc.in)
			if ok != tc.ok || ok && got != tc.want {
				t.Errorf("ParseVersion(%q) = %d, %v, want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func newVersionService(t *testing.T, rnd func(int64) int64) *execution.Service {
	t.Helper()
	svc := execution.New(kv.NewMemStore(), execution.Options{Engine: openEngine(), Workers: 1, Rand: rnd})
	t.Cleanup(func() { _ = svc.Close() })
	return svc
}

func TestService_StartSync_AliasWeights(t *testing.T) {
	var (
		mu    sync.Mutex
		draws int64
	)
	// Every value of [0, n) once per n draws: the routing is exact.
	rnd := func(n int64) int64 {
		mu.Lock()
		defer mu.Unlock()
		draws++
		return (draws - 1) % n
	}
	svc := newVersionService(t, rnd)
	ctx := auth.NewContext(context.Background(), auth.Identity{AccountID: "acct"})
	if _, err := svc.CreateFlow(ctx, execution.CreateFlowInput{Name: "exp", Definition: gateDef("exp", "d1"), ExecutionMode: flow.Express}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := svc.UpdateFlow(ctx, execution.UpdateFlowInput{Name: "exp", Definition: ptr(gateDef("exp", fmt.Sprint("d", i+1)))}); err != nil {
			t.Fatal(err)
		}
		if v, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "exp"}); err != nil || v.Version != fmt.Sprint(i+1) || v.Definition != gateDef("exp", fmt.Sprint("d", i+1)) {
			t.Fatalf("PublishFlowVersion = %+v, %v, want version %d of d%d", v, err, i+1, i+1)
		}
	}
	routes := []execution.Route{{Version: "1", Weight: 1}, {Version: "2", Weight: 0}, {Version: "3", Weight: 3}}
	if _, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "exp", Name: "mix", Routes: routes}); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for range 100 {
		e, err := svc.StartSync(ctx, execution.StartInput{FlowName: "exp", Qualifier: "mix"})
		if err != nil {
			t.Fatal(err)
		}
		if e.Qualifier != "mix" || gateDef("exp", "d"+e.FlowVersion) != e.FlowDefinition {
			t.Fatalf("StartSync = Qualifier %q, FlowVersion %q, FlowDefinition %q: want mix and the version's definition", e.Qualifier, e.FlowVersion, e.FlowDefinition)
		}
		got[e.FlowVersion]++
	}
	if got["1"] != 25 || got["2"] != 0 || got["3"] != 75 {
		t.Errorf("100 starts through weights 1/0/3 ran versions %v, want 1:25 3:75", got)
	}
}

func TestService_Versions_Sentinels(t *testing.T) {
	svc := newVersionService(t, nil)
	ctx := context.Background()
	mustCreate(t, svc, ctx, "f")
	if _, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "a", Routes: []execution.Route{{Version: "1", Weight: 1}}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want []error
	}{
		{"start unknown version", second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", Qualifier: "2"})), []error{execution.ErrInvalidArgument, execution.ErrVersionNotFound}},
		{"start unknown alias", second(svc.StartExecution(ctx, execution.StartInput{FlowName: "f", Qualifier: "b"})), []error{execution.ErrInvalidArgument, execution.ErrAliasNotFound}},
		{"describe unknown alias", second(svc.DescribeFlowAlias(ctx, "f", "b")), []error{execution.ErrInvalidArgument, execution.ErrAliasNotFound}},
		{"alias exists", second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "a", Routes: []execution.Route{{Version: "1", Weight: 1}}})), []error{execution.ErrInvalidArgument, execution.ErrAliasExists}},
		{"route unknown version", second(svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: "c", Routes: []execution.Route{{Version: "3", Weight: 1}}})), []error{execution.ErrVersionNotFound}},
		{"delete routed version", svc.DeleteFlowVersion(ctx, "f", "1"), []error{execution.ErrConflict}},
		{"publish missing flow", second(svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "g"})), []error{execution.ErrFlowNotFound}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !errors.Is(tc.err, w) {
					t.Errorf("err = %v, want errors.Is %v", tc.err, w)
				}
			}
		})
	}
}

// TestService_DeleteFlowVersion_RacesAliasWrite runs DeleteFlowVersion of a
// version against CreateFlowAlias routing to it: at most one may win, and
// an alias that exists afterwards routes to an existing version.
func TestService_DeleteFlowVersion_RacesAliasWrite(t *testing.T) {
	svc := newVersionService(t, nil)
	ctx := context.Background()
	mustCreate(t, svc, ctx, "f")
	for i := range 20 {
		v, err := svc.PublishFlowVersion(ctx, execution.PublishInput{FlowName: "f"})
		if err != nil {
			t.Fatal(err)
		}
		alias := fmt.Sprint("a", i)
		var delErr, aliasErr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); delErr = svc.DeleteFlowVersion(ctx, "f", v.Version) }()
		go func() {
			defer wg.Done()
			_, aliasErr = svc.CreateFlowAlias(ctx, execution.AliasInput{FlowName: "f", Name: alias, Routes: []execution.Route{{Version: v.Version, Weight: 1}}})
		}()
		wg.Wait()
		if delErr == nil && aliasErr == nil {
			t.Fatalf("round %d: both DeleteFlowVersion and CreateFlowAlias succeeded", i)
		}
		_, descErr := svc.DescribeFlowVersion(ctx, "f", v.Version)
		if _, aErr := svc.DescribeFlowAlias(ctx, "f", alias); aErr == nil && descErr != nil {
			t.Fatalf("round %d: alias %s routes to deleted version %s", i, alias, v.Version)
		}
		if delErr == nil && descErr == nil {
			t.Fatalf("round %d: DeleteFlowVersion succeeded but the version is still there", i)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func second[T any](_ T, err error) error { return err }
