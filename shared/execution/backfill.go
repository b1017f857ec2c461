package execution

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// indexFlows writes the index entries of the executions stored before the
// indexes existed and then marks their flows (Flow.ExecIndex): the listing
// entries of a flow below listIndexVersion, so its listings move from
// scanList to indexList; the due entries (due.go) of a flow below
// execIndexVersion, so the sweep finds its unfinished and expired
// executions, and those of every execution whose flow is gone (stopped by
// DeleteFlow, left to expire). It reads the flows on Recover's first run
// in each service and, when one needs it, every execution record once. It
// is idempotent, and executions written meanwhile write their own
// entries.
func (s *Service) indexFlows(ctx context.Context) error {
	if s.indexed.Load() {
		return nil
	}
	flows := map[string]storedFlow{} // by execution prefix
	var todo []storedFlow
	err := s.eachItem(ctx, "flow/", "flows", func(it kv.Item) error {
		f := new(Flow)
		if err := json.Unmarshal(it.Value, f); err != nil {
			return fmt.Errorf("decode flow %q: %w", it.Key, err)
		}
		account, _, ok := strings.Cut(strings.TrimPrefix(it.Key, "flow/"), "/")
		if !ok {
			return nil
		}
		flows[execPrefix(account, f.ID)] = storedFlow{account: account, Flow: f}
		if f.ExecIndex < execIndexVersion {
			todo = append(todo, storedFlow{account: account, Flow: f})
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(todo) > 0 {
		if err := s.backfill(ctx, flows); err != nil {
			return err
		}
		for _, f := range todo {
			if err := s.markIndexed(ctx, f); err != nil {
				return err
			}
		}
	}
	s.indexed.Store(true)
	return nil
}

// backfill writes, in one pass over every execution record, the entries
// indexFlows promises, several per write where the store has Apply.
func (s *Service) backfill(ctx context.Context, flows map[string]storedFlow) error {
	var batch []kv.Op
	flush := func() error {
		defer func() { batch = batch[:0] }()
		if len(batch) == 0 {
			return nil
		}
		if done, err := s.tryApply(ctx, batch); done {
			return err
		}
		for _, op := range batch {
			if err := s.upsert(ctx, op.Key, op.Value); err != nil {
				return err
			}
		}
		return nil
	}
	add := func(op kv.Op) error {
		if len(batch) == kv.MaxOps {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, op)
		return nil
	}
	now := s.opts.Clock.Now()
	err := s.scan(ctx, execRoot, func(e *Execution) error {
		f, live := flows[execPrefix(e.Account, e.FlowID)]
		if live && f.ExecIndex >= execIndexVersion {
			return nil
		}
		if live && f.ExecIndex < listIndexVersion && !e.expired(now) {
			op, err := indexPut(e)
			if err != nil {
				return err
			}
			if err := add(op); err != nil {
				return err
			}
		}
		if ops := dueChange(nil, nil, e); len(ops) > 0 {
			return add(ops[0]) // an expired one is due at once: the sweep deletes it
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return fmt.Errorf("index stored executions: %w", err)
	}
	return nil
}

// storedFlow is a flow record and the account it is stored under.
type storedFlow struct {
	*Flow
	account string
}

// markIndexed sets flow f's ExecIndex to execIndexVersion.
func (s *Service) markIndexed(ctx context.Context, f storedFlow) error {
	err := kv.Retry(ctx, func() (bool, error) {
		cur, version, err := s.getFlow(ctx, f.account, f.Name)
		if errors.Is(err, ErrFlowNotFound) {
			return false, nil // deleted meanwhile: nothing to mark
		}
		if err != nil || cur.ID != f.ID || cur.ExecIndex >= execIndexVersion {
			return false, err
		}
		cur.ExecIndex = execIndexVersion
		val, err := json.Marshal(cur)
		if err != nil {
			return false, fmt.Errorf("encode flow %q: %w", f.Name, err)
		}
		_, err = s.store.CompareAndSwap(ctx, flowKey(f.account, f.Name), version, val)
		return errors.Is(err, kv.ErrConditionFailed) || errors.Is(err, kv.ErrNotFound), err
	})
	if err != nil {
		return fmt.Errorf("mark flow %q indexed: %w", f.Name, err)
	}
	return nil
}
