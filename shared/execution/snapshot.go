package execution

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// A flow snapshot is the part of an execution that comes from its flow:
// the definition and environment it started with. The executions of a
// flow version all share one, so it is stored once, under
// snapKey(account, flowID, id) where id is a hash of its content, and a
// record names it (Execution.Snapshot) instead of carrying a copy: a
// parked execution then costs its own state, not its flow's text.
// DescribeExecution and the runner read the definition through a
// per-process cache (resolveSnapshot), so it is still exactly what the
// execution started with after UpdateFlow. Records written before
// snapshots existed carry the definition inline and read as they are.
// DeleteFlow deletes the flow's snapshots with its versions.

// snapshot is the stored value of a flow snapshot.
type snapshot struct {
	Definition  string          `json:"definition"`
	Environment json.RawMessage `json:"environment,omitempty"`
}

// snapCacheSize bounds the snapshot cache.
const snapCacheSize = 1024

func snapPrefix(account, flowID string) string { return "snap/" + account + "/" + flowID + "/" }

func snapKey(account, flowID, id string) string { return snapPrefix(account, flowID) + id }

// snapshotID is the id of the snapshot of def and env: 128 bits of their
// SHA-256, base64url (22 characters).
func snapshotID(def string, env json.RawMessage) string {
	h := sha256.New()
	// The definition's length first, so no two pairs hash the same text.
	_, _ = h.Write([]byte(strconv.Itoa(len(def)) + ":" + def))
	_, _ = h.Write(env)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16])
}

// snapshots caches the snapshots this process stored or read, by key: a
// cached snapshot is known to be in the store.
type snapshots struct {
	mu sync.Mutex
	m  map[string]*snapshot
}

func (c *snapshots) get(key string) *snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *snapshots) put(key string, sn *snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= snapCacheSize {
		c.m = make(map[string]*snapshot)
	}
	c.m[key] = sn
}

// saveSnapshot stores the snapshot of e's definition and environment
// unless this process knows it is stored, and names it in e.Snapshot. Two
// writers of one snapshot write the same bytes, so losing the PutIfAbsent
// race is success.
func (s *Service) saveSnapshot(ctx context.Context, e *Execution) error {
	id := snapshotID(e.FlowDefinition, e.Environment)
	key := snapKey(e.Account, e.FlowID, id)
	if s.snaps.get(key) == nil {
		sn := &snapshot{Definition: e.FlowDefinition, Environment: e.Environment}
		val, err := json.Marshal(sn)
		if err != nil {
			return fmt.Errorf("encode flow snapshot of %q: %w", e.Name, err)
		}
		if _, err := s.store.PutIfAbsent(ctx, key, val); err != nil && !errors.Is(err, kv.ErrConditionFailed) {
			return fmt.Errorf("store flow snapshot of %q: %w", e.Name, err)
		}
		s.snaps.put(key, sn)
	}
	e.Snapshot = id
	return nil
}

// resolveSnapshot fills e's FlowDefinition and Environment from the
// snapshot its record names. A snapshot that is gone (its flow was
// deleted) leaves them empty: such an execution fails to run with
// ErrorInvalidDefinition.
func (s *Service) resolveSnapshot(ctx context.Context, e *Execution) error {
	if e.Snapshot == "" || e.FlowDefinition != "" {
		return nil
	}
	key := snapKey(e.Account, e.FlowID, e.Snapshot)
	sn := s.snaps.get(key)
	if sn == nil {
		it, err := s.store.Get(ctx, key)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load flow snapshot of %q: %w", e.Name, err)
		}
		sn = new(snapshot)
		if err := json.Unmarshal(it.Value, sn); err != nil {
			return fmt.Errorf("decode flow snapshot %q: %w", key, err)
		}
		s.snaps.put(key, sn)
	}
	e.FlowDefinition, e.Environment = sn.Definition, sn.Environment
	return nil
}
