package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/cloudflow-oss/cloudflow/shared/auth"
	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// FlowType is the only definition type (CreateFlow.Type).
const FlowType = "FDL"

// CreateFlowInput holds CreateFlow's parameters, already checked for
// presence and shape by the API layer.
type CreateFlowInput struct {
	Name                    string
	Definition              string
	Description             string
	Type                    string // "" means FDL
	RoleArn                 string
	ExecutionMode           flow.Mode // "" means Standard
	ExternalStorageLocation string
	Environment             json.RawMessage // a JSON object, or nil
	ResourceGroupID         string
}

// UpdateFlowInput holds UpdateFlow's parameters; nil fields stay unchanged.
type UpdateFlowInput struct {
	Name        string
	Definition  *string
	Description *string
	Type        *string
	RoleArn     *string
	Environment json.RawMessage // nil: unchanged
	// ExecutionMode cannot be changed: nil or the flow's mode is accepted,
	// anything else is an ArgumentError.
	ExecutionMode *flow.Mode
}

// ListFlowsInput holds ListFlows' parameters.
type ListFlowsInput struct {
	Limit           int    // 1..1000
	NextToken       string // name of the first flow to return
	ResourceGroupID string // filter; "" means all
}

// checkDefinition parses def for the flow and turns located issues into an
// ArgumentError.
func (s *Service) checkDefinition(id, name string, mode flow.Mode, def string) error {
	_, err := s.parse(id, name, mode, def)
	if err == nil {
		return nil
	}
	var issues flow.Issues
	if errors.As(err, &issues) {
		return &ArgumentError{Param: "Definition", Reason: "Definition is invalid: " + issues.Error() + ".", Issues: issues}
	}
	return &ArgumentError{Param: "Definition", Reason: "Definition is invalid: " + err.Error() + "."}
}

// CreateFlow validates the definition and stores a new flow in the
// caller's account. It returns an ArgumentError for a bad Type, mode or
// definition, and ResourceError(ErrFlowExists) when the name is taken.
func (s *Service) CreateFlow(ctx context.Context, in CreateFlowInput) (*Flow, error) {
	account := accountOf(ctx)
	if in.Type == "" {
		in.Type = FlowType
	}
	if in.Type != FlowType {
		return nil, invalid("Type", "Type must be FDL.")
	}
	if in.ExecutionMode == "" {
		in.ExecutionMode = flow.Standard
	}
	if in.ExecutionMode != flow.Standard && in.ExecutionMode != flow.Express {
		return nil, invalid("ExecutionMode", "ExecutionMode must be Standard or Express.")
	}
	id := s.opts.NewID()
	if err := s.checkDefinition(id, in.Name, in.ExecutionMode, in.Definition); err != nil {
		return nil, err
	}
	now := s.now()
	f := &Flow{
		Name: in.Name, ID: id, Definition: in.Definition, Description: in.Description,
		Type: in.Type, RoleArn: in.RoleArn, ExecutionMode: in.ExecutionMode,
		ExternalStorageLocation: in.ExternalStorageLocation, Environment: in.Environment,
		ResourceGroupID: in.ResourceGroupID, CreatedTime: now, LastModifiedTime: now,
		ExecIndex: execIndexVersion,
	}
	val, err := json.Marshal(f)
	if err != nil {
		return nil, fmt.Errorf("encode flow %q: %w", in.Name, err)
	}
	_, err = s.store.PutIfAbsent(ctx, flowKey(account, in.Name), val)
	if errors.Is(err, kv.ErrConditionFailed) {
		return nil, &ResourceError{Err: ErrFlowExists, Flow: in.Name}
	}
	if err != nil {
		return nil, fmt.Errorf("store flow %q: %w", in.Name, err)
	}
	return f, nil
}

// DescribeFlow returns the caller's flow, or ResourceError(ErrFlowNotFound).
func (s *Service) DescribeFlow(ctx context.Context, name string) (*Flow, error) {
	f, _, err := s.getFlow(ctx, accountOf(ctx), name)
	return f, err
}

// UpdateFlow changes the given fields of a flow. A new definition is
// validated against the flow's (unchangeable) execution mode. It returns
// ResourceError(ErrFlowNotFound), an ArgumentError, or
// ResourceError(ErrConflict) when concurrent updates keep winning.
func (s *Service) UpdateFlow(ctx context.Context, in UpdateFlowInput) (*Flow, error) {
	account := accountOf(ctx)
	if in.Type != nil && *in.Type != "" && *in.Type != FlowType {
		return nil, invalid("Type", "Type must be FDL.")
	}
	if m := in.ExecutionMode; m != nil && *m != flow.Standard && *m != flow.Express {
		return nil, invalid("ExecutionMode", "ExecutionMode must be Standard or Express.")
	}
	var out *Flow
	err := kv.Retry(ctx, func() (bool, error) {
		f, version, err := s.getFlow(ctx, account, in.Name)
		if err != nil {
			return false, err
		}
		if m := in.ExecutionMode; m != nil && *m != f.ExecutionMode {
			return false, invalid("ExecutionMode", "ExecutionMode cannot be changed: flow %s is %s.", f.Name, f.ExecutionMode)
		}
		if in.Definition != nil && *in.Definition != f.Definition {
			if err := s.checkDefinition(f.ID, f.Name, f.ExecutionMode, *in.Definition); err != nil {
				return false, err
			}
			f.Definition = *in.Definition
		}
		if in.Description != nil {
			f.Description = *in.Description
		}
		if in.RoleArn != nil {
			f.RoleArn = *in.RoleArn
		}
		if in.Environment != nil {
			f.Environment = in.Environment
		}
		f.LastModifiedTime = s.now()
		val, err := json.Marshal(f)
		if err != nil {
			return false, fmt.Errorf("encode flow %q: %w", in.Name, err)
		}
		_, err = s.store.CompareAndSwap(ctx, flowKey(account, in.Name), version, val)
		if errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound) {
			return true, nil
		}
		if err != nil {
			return false, fmt.Errorf("update flow %q: %w", in.Name, err)
		}
		out = f
		return false, nil
	})
	if err != nil {
		return nil, conflict(err, in.Name, "")
	}
	return out, nil
}

// DeleteFlow deletes the caller's flow. Its unfinished executions are
// stopped (in-process runs are cancelled); its execution records are no
// longer reachable because executions are keyed by the flow Id; its versions
// and aliases are deleted. It returns
// ResourceError(ErrFlowNotFound) or ResourceError(ErrConflict).
func (s *Service) DeleteFlow(ctx context.Context, name string) error {
	account := accountOf(ctx)
	var f *Flow
	err := kv.Retry(ctx, func() (bool, error) {
		var version int64
		var err error
		if f, version, err = s.getFlow(ctx, account, name); err != nil {
			return false, err
		}
		err = s.store.Delete(ctx, flowKey(account, name), version)
		if errors.Is(err, kv.ErrConditionFailed) {
			return true, nil
		}
		if errors.Is(err, kv.ErrNotFound) {
			return false, &ResourceError{Err: ErrFlowNotFound, Flow: name}
		}
		if err != nil {
			return false, fmt.Errorf("delete flow %q: %w", name, err)
		}
		return false, nil
	})
	if err != nil {
		return conflict(err, name, "")
	}
	if err := s.stopAll(ctx, account, f); err != nil {
		return err
	}
	// Versions, aliases, schedules and flow snapshots are keyed by the flow
	// Id and so already unreachable; remove them to free the space (and stop the
	// schedules' ticks).
	if err := s.deleteUnder(ctx, schedulePrefix(account, f.ID)); err != nil {
		return err
	}
	if err := s.deleteUnder(ctx, aliasPrefix(account, f.ID)); err != nil {
		return err
	}
	if err := s.deleteUnder(ctx, snapPrefix(account, f.ID)); err != nil {
		return err
	}
	return s.deleteUnder(ctx, versionPrefix(account, f.ID))
}

// stopAll stops every unfinished execution of a deleted flow.
func (s *Service) stopAll(ctx context.Context, account string, f *Flow) error {
	return s.scan(ctx, execPrefix(account, f.ID), func(e *Execution) error {
		if e.Status.Terminal() {
			return nil
		}
		_, err := s.stop(ctx, e.ref(), f.Name, e, ErrorFlowDeleted, "the flow was deleted")
		if errors.Is(err, ErrExecutionCompleted) || errors.Is(err, ErrExecutionNotFound) {
			return nil
		}
		return err
	})
}

// ListFlows returns up to in.Limit of the caller's flows ordered by name,
// starting at in.NextToken, and the name of the next flow ("" on the last
// page).
func (s *Service) ListFlows(ctx context.Context, in ListFlowsInput) ([]*Flow, string, error) {
	prefix := flowPrefix(accountOf(ctx))
	var out []*Flow
	after := ""
	if in.NextToken != "" {
		// The token is the first name to return: include it, then list
		// strictly after it.
		after = prefix + in.NextToken
		if f, _, err := s.getFlow(ctx, accountOf(ctx), in.NextToken); err == nil {
			if in.ResourceGroupID == "" || f.ResourceGroupID == in.ResourceGroupID {
				out = append(out, f)
			}
		} else if !errors.Is(err, ErrFlowNotFound) {
			return nil, "", err
		}
	}
	for len(out) <= in.Limit {
		// Without a filter every item is listed: read only the page.
		chunk := listPage
		if in.ResourceGroupID == "" {
			chunk = in.Limit + 1 - len(out)
		}
		items, err := s.store.List(ctx, prefix, after, chunk)
		if err != nil {
			return nil, "", fmt.Errorf("list flows: %w", err)
		}
		for _, it := range items {
			var f Flow
			if err := json.Unmarshal(it.Value, &f); err != nil {
				return nil, "", fmt.Errorf("decode flow %q: %w", it.Key, err)
			}
			if in.ResourceGroupID == "" || f.ResourceGroupID == in.ResourceGroupID {
				out = append(out, &f)
			}
		}
		if len(items) < chunk {
			break
		}
		after = items[len(items)-1].Key
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) > in.Limit {
		return out[:in.Limit], out[in.Limit].Name, nil
	}
	return out, "", nil
}

// scan calls fn for every execution under prefix.
func (s *Service) scan(ctx context.Context, prefix string, fn func(e *Execution) error) error {
	return s.eachItem(ctx, prefix, "executions", func(it kv.Item) error {
		e, err := decodeExecution(it)
		if err != nil {
			return err
		}
		return fn(e)
	})
}

// decodeEach calls fn for every execution record of items.
func decodeEach(items []kv.Item, fn func(e *Execution) error) error {
	for _, it := range items {
		e, err := decodeExecution(it)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func accountOf(ctx context.Context) string {
	id, _ := auth.FromContext(ctx)
	return id.AccountID
}
