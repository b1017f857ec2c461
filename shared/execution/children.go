package execution

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
	"github.com/cloudflow-oss/cloudflow/shared/token"
)

// Waited-for children (reference 7.1, 9.4; project decision 32): a child
// execution started with a parent task's token as its CallbackFnFTaskToken
// is recorded under its parent, so that stopping the parent stops it with
// the same Error and Cause. The record is written before the child and
// removed when the child reports its parent or is stopped by the cascade.

// childLink is the stored value of a waited-for child.
type childLink struct {
	FlowName string `json:"flowName"`
	Ref      Ref    `json:"ref"`
}

// childPrefix is the key prefix of the children parent waits for.
func childPrefix(parent Ref) string {
	return "child/" + parent.Account + "/" + parent.FlowID + "/" + parent.Name + "/"
}

// childKey is the key linking child to the parent its token names.
func childKey(t token.Token, child Ref) string {
	return childPrefix(Ref{Account: t.Account, FlowID: t.FlowID, Name: t.Execution}) + child.FlowID + "/" + child.Name
}

// linkChild records child (of flow flowName) under the parent of its
// callback token tok; a child without a token has no parent.
func (s *Service) linkChild(ctx context.Context, tok, flowName string, child Ref) error {
	if tok == "" {
		return nil
	}
	t, err := token.Decode(tok)
	if err != nil {
		return nil // checkCallbackToken refused it already
	}
	val, err := json.Marshal(childLink{FlowName: flowName, Ref: child})
	if err != nil {
		return err
	}
	if _, err := s.store.PutIfAbsent(ctx, childKey(t, child), val); err != nil && !errors.Is(err, kv.ErrConditionFailed) {
		return err
	}
	return nil
}

// unlinkChild removes child e's link to its parent, best effort.
func (s *Service) unlinkChild(ctx context.Context, e *Execution) {
	if e.CallbackFnFTaskToken == "" {
		return
	}
	if t, err := token.Decode(e.CallbackFnFTaskToken); err == nil {
		_ = s.store.Delete(ctx, childKey(t, e.ref()), 0)
	}
}

// stopChildren stops every unfinished child parent waits for with errName
// and cause, and removes their links. Children that already ended are
// skipped; other failures are left for the children's own ends (their
// reports then find the parent finished).
func (s *Service) stopChildren(ctx context.Context, parent Ref, errName, cause string) {
	prefix, after := childPrefix(parent), ""
	for {
		items, err := s.store.List(ctx, prefix, after, listPage)
		if err != nil || len(items) == 0 {
			return
		}
		for _, it := range items {
			after = it.Key
			var l childLink
			if json.Unmarshal(it.Value, &l) == nil {
				_, _ = s.stop(ctx, l.Ref, l.FlowName, nil, errName, cause)
			}
			_ = s.store.Delete(ctx, it.Key, 0)
		}
		if len(items) < listPage {
			return
		}
	}
}
