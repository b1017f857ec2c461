package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Route sends Weight parts of an alias's executions to Version.
type Route struct {
	Version string `json:"Version"`
	Weight  int64  `json:"Weight"`
}

// Alias is a name that routes executions to flow versions by weight
// (reference 2.3). Aliases are stored under the flow's Id.
type Alias struct {
	Name                  string    `json:"name"`
	FlowName              string    `json:"flowName"`
	FlowID                string    `json:"flowId"`
	Description           string    `json:"description,omitempty"`
	RoutingConfigurations []Route   `json:"routingConfigurations"`
	CreatedTime           time.Time `json:"createdTime"`
	LastModifiedTime      time.Time `json:"lastModifiedTime"`
}

// AliasInput holds CreateFlowAlias' and UpdateFlowAlias' parameters. The
// routes are already checked for shape (see api); the service checks that
// the versions exist. For an update, nil Description and Routes stay
// unchanged.
type AliasInput struct {
	FlowName    string
	Name        string
	Description *string
	Routes      []Route
}

// ListAliasesInput holds ListFlowAliases' parameters.
type ListAliasesInput struct {
	FlowName  string
	Limit     int    // 1..100
	NextToken string // name of the first alias to return
}

func aliasPrefix(account, flowID string) string { return "alias/" + account + "/" + flowID + "/" }

func aliasKey(account, flowID, name string) string { return aliasPrefix(account, flowID) + name }

func aliasNotFound(name, flowName string) error {
	return &ArgumentError{Param: "Name", Reason: fmt.Sprintf("Name %s names no alias of flow %s.", name, flowName), Cause: ErrAliasNotFound}
}

// checkRoutes checks that every routed version of f exists and is not being
// deleted.
func (s *Service) checkRoutes(ctx context.Context, account string, f *Flow, routes []Route) error {
	for i, r := range routes {
		v, _, err := s.getVersion(ctx, account, f, "RoutingConfigurations", r.Version)
		if err == nil && v.Deleting {
			err = &ArgumentError{Cause: ErrVersionNotFound}
		}
		var ae *ArgumentError
		if errors.As(err, &ae) {
			return &ArgumentError{
				Param:  "RoutingConfigurations",
				Reason: fmt.Sprintf("RoutingConfigurations[%d].Version %s names no version of flow %s.", i, r.Version, f.Name),
				Cause:  ErrVersionNotFound,
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// writeAlias stores a (with PutIfAbsent when rev is 0, else CompareAndSwap),
// then re-checks its versions (see DeleteFlowVersion), undoing the write if
// one has gone.
func (s *Service) writeAlias(ctx context.Context, account string, f *Flow, a *Alias, rev int64, prev []byte) error {
	if err := s.checkRoutes(ctx, account, f, a.RoutingConfigurations); err != nil {
		return err
	}
	val, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alias %q: %w", a.Name, err)
	}
	key := aliasKey(account, f.ID, a.Name)
	var it kv.Item
	if rev == 0 {
		it, err = s.store.PutIfAbsent(ctx, key, val)
		if errors.Is(err, kv.ErrConditionFailed) {
			return &ArgumentError{Param: "Name", Reason: fmt.Sprintf("Name %s: alias already exists for flow %s.", a.Name, f.Name), Cause: ErrAliasExists}
		}
	} else {
		it, err = s.store.CompareAndSwap(ctx, key, rev, val)
		if errors.Is(err, kv.ErrNotFound) {
			return aliasNotFound(a.Name, f.Name)
		}
		if errors.Is(err, kv.ErrConditionFailed) {
			return &ResourceError{Err: ErrConflict, Flow: f.Name}
		}
	}
	if err != nil {
		return fmt.Errorf("store alias %q: %w", a.Name, err)
	}
	if err := s.checkRoutes(ctx, account, f, a.RoutingConfigurations); err != nil {
		if rev == 0 {
			_ = s.store.Delete(ctx, key, it.Version)
		} else {
			_, _ = s.store.CompareAndSwap(ctx, key, it.Version, prev)
		}
		return err
	}
	return nil
}

// CreateFlowAlias creates an alias of the caller's flow. It returns
// ResourceError(ErrFlowNotFound), or an ArgumentError wrapping
// ErrVersionNotFound (a route names no version) or ErrAliasExists.
func (s *Service) CreateFlowAlias(ctx context.Context, in AliasInput) (*Alias, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	now := s.now()
	a := &Alias{Name: in.Name, FlowName: f.Name, FlowID: f.ID, RoutingConfigurations: in.Routes, CreatedTime: now, LastModifiedTime: now}
	if in.Description != nil {
		a.Description = *in.Description
	}
	if err := s.writeAlias(ctx, account, f, a, 0, nil); err != nil {
		return nil, err
	}
	return a, nil
}

// UpdateFlowAlias changes an alias's description and routes. It returns
// ResourceError(ErrFlowNotFound), an ArgumentError wrapping ErrAliasNotFound
// or ErrVersionNotFound, or ResourceError(ErrConflict).
func (s *Service) UpdateFlowAlias(ctx context.Context, in AliasInput) (*Alias, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, err
	}
	var out *Alias
	err = kv.Retry(ctx, func() (bool, error) {
		a, rev, raw, err := s.getAlias(ctx, account, f, in.Name)
		if err != nil {
			return false, err
		}
		if in.Description != nil {
			a.Description = *in.Description
		}
		if in.Routes != nil {
			a.RoutingConfigurations = in.Routes
		}
		a.LastModifiedTime = s.now()
		err = s.writeAlias(ctx, account, f, a, rev, raw)
		if errors.Is(err, ErrConflict) {
			return true, nil
		}
		out = a
		return false, err
	})
	if err != nil {
		return nil, conflict(err, f.Name, "")
	}
	return out, nil
}

func (s *Service) getAlias(ctx context.Context, account string, f *Flow, name string) (*Alias, int64, []byte, error) {
	it, err := s.store.Get(ctx, aliasKey(account, f.ID, name))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, nil, aliasNotFound(name, f.Name)
	}
	if err != nil {
		return nil, 0, nil, fmt.Errorf("load alias %q: %w", name, err)
	}
	var a Alias
	if err := json.Unmarshal(it.Value, &a); err != nil {
		return nil, 0, nil, fmt.Errorf("decode alias %q: %w", name, err)
	}
	return &a, it.Version, it.Value, nil
}

// DescribeFlowAlias returns an alias of the caller's flow. It returns
// ResourceError(ErrFlowNotFound) or an ArgumentError wrapping
// ErrAliasNotFound.
func (s *Service) DescribeFlowAlias(ctx context.Context, flowName, name string) (*Alias, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, flowName)
	if err != nil {
		return nil, err
	}
	a, _, _, err := s.getAlias(ctx, account, f, name)
	return a, err
}

// DeleteFlowAlias deletes an alias of the caller's flow. It returns
// ResourceError(ErrFlowNotFound) or an ArgumentError wrapping
// ErrAliasNotFound.
func (s *Service) DeleteFlowAlias(ctx context.Context, flowName, name string) error {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, flowName)
	if err != nil {
		return err
	}
	err = s.store.Delete(ctx, aliasKey(account, f.ID, name), 0)
	if errors.Is(err, kv.ErrNotFound) {
		return aliasNotFound(name, f.Name)
	}
	if err != nil {
		return fmt.Errorf("delete alias %q: %w", name, err)
	}
	return nil
}

// ListFlowAliases returns up to in.Limit aliases of the caller's flow
// ordered by name, starting at in.NextToken, and the name of the next one
// ("" on the last page). It returns ResourceError(ErrFlowNotFound).
func (s *Service) ListFlowAliases(ctx context.Context, in ListAliasesInput) ([]*Alias, string, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, "", err
	}
	prefix := aliasPrefix(account, f.ID)
	after := ""
	var out []*Alias
	if in.NextToken != "" {
		// The token is the first name to return: include it, then list
		// strictly after it.
		after = prefix + in.NextToken
		if a, _, _, err := s.getAlias(ctx, account, f, in.NextToken); err == nil {
			out = append(out, a)
		} else if !errors.Is(err, ErrAliasNotFound) {
			return nil, "", err
		}
	}
	items, err := s.store.List(ctx, prefix, after, in.Limit+1-len(out))
	if err != nil {
		return nil, "", fmt.Errorf("list aliases of flow %q: %w", f.Name, err)
	}
	for _, it := range items {
		var a Alias
		if err := json.Unmarshal(it.Value, &a); err != nil {
			return nil, "", fmt.Errorf("decode alias %q: %w", it.Key, err)
		}
		out = append(out, &a)
	}
	if len(out) > in.Limit {
		return out[:in.Limit], out[in.Limit].Name, nil
	}
	return out, "", nil
}

// scanAliases calls fn for every alias of the flow.
func (s *Service) scanAliases(ctx context.Context, account, flowID string, fn func(a *Alias) error) error {
	return s.eachItem(ctx, aliasPrefix(account, flowID), "aliases", func(it kv.Item) error {
		var a Alias
		if err := json.Unmarshal(it.Value, &a); err != nil {
			return fmt.Errorf("decode alias %q: %w", it.Key, err)
		}
		return fn(&a)
	})
}

// pick chooses one route at random in proportion to the weights, drawing
// from Options.Rand. Routes with weight 0 are never picked; ok is false
// when the weights total 0.
func (s *Service) pick(routes []Route) (Route, bool) {
	var total int64
	for _, r := range routes {
		total += r.Weight
	}
	if total <= 0 {
		return Route{}, false
	}
	x := s.opts.Rand(total)
	for _, r := range routes {
		if x < r.Weight {
			return r, true
		}
		x -= r.Weight
	}
	return Route{}, false
}

// target is what an execution runs: a flow's current definition or a
// version's snapshot.
type target struct {
	def     string
	role    string
	env     json.RawMessage
	version string // "" for the current definition
}

// checkQualifier returns the ArgumentError resolve returns for an unknown
// Qualifier, without picking a version: q must be "", a version of f or an
// alias of f.
func (s *Service) checkQualifier(ctx context.Context, account string, f *Flow, q string) error {
	if q == "" {
		return nil
	}
	var err error
	if _, isNumber := ParseVersion(q); isNumber {
		_, _, err = s.getVersion(ctx, account, f, "Qualifier", q)
	} else if _, _, _, err = s.getAlias(ctx, account, f, q); errors.Is(err, ErrAliasNotFound) {
		err = &ArgumentError{Cause: ErrAliasNotFound}
	}
	var ae *ArgumentError
	if errors.As(err, &ae) {
		return unknownQualifier(q, f.Name, ae.Cause)
	}
	return err
}

// resolve applies a Qualifier (reference 2.3, decision 3): "" is the flow's
// current definition; a version number selects that version; any other
// value names an alias, which picks one of its versions by weight. An
// unknown version or alias is an ArgumentError wrapping ErrVersionNotFound
// or ErrAliasNotFound.
func (s *Service) resolve(ctx context.Context, account string, f *Flow, q string) (target, error) {
	if q == "" {
		return target{def: f.Definition, role: f.RoleArn, env: f.Environment}, nil
	}
	version := q
	if _, isNumber := ParseVersion(q); !isNumber {
		a, _, _, err := s.getAlias(ctx, account, f, q)
		if errors.Is(err, ErrAliasNotFound) {
			return target{}, unknownQualifier(q, f.Name, ErrAliasNotFound)
		}
		if err != nil {
			return target{}, err
		}
		r, ok := s.pick(a.RoutingConfigurations)
		if !ok {
			return target{}, &ArgumentError{Param: "Qualifier", Reason: fmt.Sprintf("Qualifier %s: alias of flow %s routes to no version.", q, f.Name), Cause: ErrVersionNotFound}
		}
		version = r.Version
	}
	v, _, err := s.getVersion(ctx, account, f, "Qualifier", version)
	var ae *ArgumentError
	if errors.As(err, &ae) {
		return target{}, unknownQualifier(q, f.Name, ErrVersionNotFound)
	}
	if err != nil {
		return target{}, err
	}
	return target{def: v.Definition, role: v.RoleArn, env: v.Environment, version: v.Version}, nil
}

// unknownQualifier is the InvalidArgument of a Qualifier that names neither a
// version nor an alias of the flow.
func unknownQualifier(q, flowName string, cause error) *ArgumentError {
	return &ArgumentError{Param: "Qualifier", Reason: fmt.Sprintf("Qualifier %s names no version or alias of flow %s.", q, flowName), Cause: cause}
}
