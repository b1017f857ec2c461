package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// FlowVersion is a published, immutable snapshot of a flow (reference 2.3).
// Versions are stored under the flow's Id, so a flow deleted and created
// again starts with no versions.
type FlowVersion struct {
	FlowName      string          `json:"flowName"`
	FlowID        string          `json:"flowId"`
	Version       string          `json:"version"` // "1", "2", …
	Description   string          `json:"description,omitempty"`
	Definition    string          `json:"definition"`
	ExecutionMode flow.Mode       `json:"executionMode"`
	RoleArn       string          `json:"roleArn,omitempty"`
	Environment   json.RawMessage `json:"environment,omitempty"`
	CreatedTime   time.Time       `json:"createdTime"`
	// Deleting marks a version DeleteFlowVersion is about to remove: alias
	// writes treat it as gone, starts still use it (see DeleteFlowVersion).
	Deleting bool `json:"deleting,omitempty"`
}

// PublishInput holds PublishFlowVersion's parameters.
type PublishInput struct {
	FlowName    string
	Description string
}

// ListVersionsInput holds ListFlowVersions' parameters.
type ListVersionsInput struct {
	FlowName  string
	Limit     int   // 1..100
	NextToken int64 // first version number to return; 0 means from the start
}

// versionDigits is the zero-padded width of a version number in its key, so
// keys sort in numeric order.
const versionDigits = 19

func versionPrefix(account, flowID string) string { return "ver/" + account + "/" + flowID + "/" }

func versionKey(account, flowID string, n int64) string {
	return versionPrefix(account, flowID) + fmt.Sprintf("%0*d", versionDigits, n)
}

// ParseVersion parses a version number: a decimal integer from 1 to
// math.MaxInt64 without sign or leading zeros. ok is false otherwise.
func ParseVersion(s string) (n int64, ok bool) {
	if s == "" || s[0] == '0' || s[0] == '+' || s[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// PublishFlowVersion freezes the flow's current definition, mode, role and
// environment as the next version. Numbers are allocated by a
// CompareAndSwap on the flow record's version counter, so concurrent
// publishes get distinct numbers and a deleted version's number is never
// reused. It returns ResourceError(ErrFlowNotFound) or
// ResourceError(ErrConflict).
func (s *Service) PublishFlowVersion(ctx context.Context, in PublishInput) (*FlowVersion, error) {
	account := accountOf(ctx)
	var f *Flow
	err := kv.Retry(ctx, func() (bool, error) {
		var version int64
		var err error
		if f, version, err = s.getFlow(ctx, account, in.FlowName); err != nil {
			return false, err
		}
		f.LastVersion++
		val, err := json.Marshal(f)
		if err != nil {
			return false, fmt.Errorf("encode flow %q: %w", in.FlowName, err)
		}
		_, err = s.store.CompareAndSwap(ctx, flowKey(account, in.FlowName), version, val)
		if errors.Is(err, kv.ErrConditionFailed) {
			return true, nil
		}
		if errors.Is(err, kv.ErrNotFound) {
			return false, &ResourceError{Err: ErrFlowNotFound, Flow: in.FlowName}
		}
		if err != nil {
			return false, fmt.Errorf("allocate version of flow %q: %w", in.FlowName, err)
		}
		return false, nil
	})
	if err != nil {
		return nil, conflict(err, in.FlowName, "")
	}
	v := &FlowVersion{
		FlowName: f.Name, FlowID: f.ID, Version: strconv.FormatInt(f.LastVersion, 10),
		Description: in.Description, Definition: f.Definition, ExecutionMode: f.ExecutionMode,
		RoleArn: f.RoleArn, Environment: f.Environment, CreatedTime: s.now(),
	}
	vval, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode version %s of flow %q: %w", v.Version, f.Name, err)
	}
	// The number is ours alone, so the key cannot exist; a failure here
	// leaves a gap in the numbering, never a duplicate.
	if _, err := s.store.PutIfAbsent(ctx, versionKey(account, f.ID, f.LastVersion), vval); err != nil {
		return nil, fmt.Errorf("store version %s of flow %q: %w", v.Version, f.Name, err)
	}
	return v, nil
}

// getVersion reads version q of flow f; an unknown or malformed number is
// an ArgumentError for param wrapping ErrVersionNotFound.
func (s *Service) getVersion(ctx context.Context, account string, f *Flow, param, q string) (*FlowVersion, int64, error) {
	notFound := &ArgumentError{Param: param, Reason: fmt.Sprintf("%s %s names no version of flow %s.", param, q, f.Name), Cause: ErrVersionNotFound}
	n, ok := ParseVersion(q)
	if !ok {
		return nil, 0, notFound
	}
	it, err := s.store.Get(ctx, versionKey(account, f.ID, n))
	if errors.Is(err, kv.ErrNotFound) {
		return nil, 0, notFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("load version %s of flow %q: %w", q, f.Name, err)
	}
	var v FlowVersion
	if err := json.Unmarshal(it.Value, &v); err != nil {
		return nil, 0, fmt.Errorf("decode version %s of flow %q: %w", q, f.Name, err)
	}
	return &v, it.Version, nil
}

// DescribeFlowVersion returns the caller's flow as published in version:
// the flow's fields with the version's Definition, RoleArn and Environment.
// It returns ResourceError(ErrFlowNotFound), or an ArgumentError wrapping
// ErrVersionNotFound for a version that does not exist.
func (s *Service) DescribeFlowVersion(ctx context.Context, name, version string) (*Flow, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, name)
	if err != nil {
		return nil, err
	}
	v, _, err := s.getVersion(ctx, account, f, "FlowVersion", version)
	if err != nil {
		return nil, err
	}
	f.Definition, f.RoleArn, f.Environment = v.Definition, v.RoleArn, v.Environment
	return f, nil
}

// ListFlowVersions returns up to in.Limit versions of the caller's flow in
// ascending number order, starting at version in.NextToken, and the number
// of the next one ("" on the last page). It returns
// ResourceError(ErrFlowNotFound).
func (s *Service) ListFlowVersions(ctx context.Context, in ListVersionsInput) ([]*FlowVersion, string, error) {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, in.FlowName)
	if err != nil {
		return nil, "", err
	}
	prefix := versionPrefix(account, f.ID)
	after := ""
	if in.NextToken > 1 {
		after = versionKey(account, f.ID, in.NextToken-1)
	}
	items, err := s.store.List(ctx, prefix, after, in.Limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list versions of flow %q: %w", f.Name, err)
	}
	out := make([]*FlowVersion, 0, len(items))
	for _, it := range items {
		var v FlowVersion
		if err := json.Unmarshal(it.Value, &v); err != nil {
			return nil, "", fmt.Errorf("decode version %q: %w", it.Key, err)
		}
		out = append(out, &v)
	}
	if len(out) > in.Limit {
		return out[:in.Limit], out[in.Limit].Version, nil
	}
	return out, "", nil
}

// DeleteFlowVersion deletes a version of the caller's flow. A version an
// alias routes to is not deleted: ResourceError(ErrConflict)
// (409 ConcurrentUpdateError, reference 10.5).
//
// Deletion and alias writes exclude each other without a transaction: the
// delete first marks the version Deleting, then looks for aliases routing
// to it (unmarking and failing if it finds one) and only then removes it;
// an alias write first stores the alias, then checks that its versions
// exist and are not Deleting (removing the alias and failing otherwise). So
// no alias is ever left routing to a deleted version.
//
// It returns ResourceError(ErrFlowNotFound), an ArgumentError wrapping
// ErrVersionNotFound, or ResourceError(ErrConflict).
func (s *Service) DeleteFlowVersion(ctx context.Context, flowName, version string) error {
	account := accountOf(ctx)
	f, _, err := s.getFlow(ctx, account, flowName)
	if err != nil {
		return err
	}
	v, rev, err := s.getVersion(ctx, account, f, "FlowVersion", version)
	if err != nil {
		return err
	}
	n, _ := ParseVersion(v.Version)
	key := versionKey(account, f.ID, n)
	v.Deleting = true
	val, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode version %s of flow %q: %w", version, f.Name, err)
	}
	it, err := s.store.CompareAndSwap(ctx, key, rev, val)
	switch {
	case errors.Is(err, kv.ErrNotFound):
		_, _, err = s.getVersion(ctx, account, f, "FlowVersion", version)
		return err
	case errors.Is(err, kv.ErrConditionFailed):
		return &ResourceError{Err: ErrConflict, Flow: f.Name}
	case err != nil:
		return fmt.Errorf("mark version %s of flow %q: %w", version, f.Name, err)
	}
	used := false
	err = s.scanAliases(ctx, account, f.ID, func(a *Alias) error {
		for _, r := range a.RoutingConfigurations {
			if r.Version == v.Version {
				used = true
			}
		}
		return nil
	})
	if err == nil && used {
		err = &ResourceError{Err: ErrConflict, Flow: f.Name}
	}
	if err == nil {
		err = s.store.Delete(ctx, key, it.Version)
		if err == nil || errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		err = fmt.Errorf("delete version %s of flow %q: %w", version, f.Name, err)
	}
	// The version stays: unmark it, or alias writes would keep treating it
	// as gone.
	v.Deleting = false
	if back, merr := json.Marshal(v); merr == nil {
		_, _ = s.store.CompareAndSwap(ctx, key, it.Version, back)
	}
	return err
}

// deleteUnder removes every key under prefix (cleanup after DeleteFlow).
func (s *Service) deleteUnder(ctx context.Context, prefix string) error {
	for {
		items, err := s.store.List(ctx, prefix, "", listPage)
		if err != nil {
			return fmt.Errorf("list %s: %w", prefix, err)
		}
		for _, it := range items {
			if err := s.store.Delete(ctx, it.Key, 0); err != nil && !errors.Is(err, kv.ErrNotFound) {
				return fmt.Errorf("delete %s: %w", it.Key, err)
			}
		}
		if len(items) < listPage {
			return nil
		}
	}
}
