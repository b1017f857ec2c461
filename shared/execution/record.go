package execution

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/flow"
	"github.com/cloudflow-oss/cloudflow/shared/interp"
	"github.com/cloudflow-oss/cloudflow/shared/kv"
)

// Status is an execution's status (reference 9.2).
type Status string

// Execution statuses.
const (
	Starting  Status = "Starting"
	Running   Status = "Running"
	Stopped   Status = "Stopped"
	Succeeded Status = "Succeeded"
	Failed    Status = "Failed"
	TimedOut  Status = "TimedOut"
)

// Terminal reports whether s is a final status.
func (s Status) Terminal() bool {
	switch s {
	case Stopped, Succeeded, Failed, TimedOut:
		return true
	}
	return false
}

// Valid reports whether s is one of the six statuses.
func (s Status) Valid() bool { return s == Starting || s == Running || s.Terminal() }

// Flow is a stored flow.
type Flow struct {
	Name                    string          `json:"name"`
	ID                      string          `json:"id"`
	Definition              string          `json:"definition"`
	Description             string          `json:"description,omitempty"`
	Type                    string          `json:"type"`
	RoleArn                 string          `json:"roleArn,omitempty"`
	ExecutionMode           flow.Mode       `json:"executionMode"`
	ExternalStorageLocation string          `json:"externalStorageLocation,omitempty"`
	Environment             json.RawMessage `json:"environment,omitempty"`
	ResourceGroupID         string          `json:"resourceGroupId,omitempty"`
	CreatedTime             time.Time       `json:"createdTime"`
	LastModifiedTime        time.Time       `json:"lastModifiedTime"`
	// LastVersion is the highest version number PublishFlowVersion has
	// allocated (0: none); numbers are never reused.
	LastVersion int64 `json:"lastVersion,omitempty"`
	// ExecIndex is the version of the indexes its executions have
	// entries in: 1 the listing index, 2 (execIndexVersion) also the due
	// index; 0 for a flow stored before the indexes existed, until
	// Recover's backfill writes them.
	ExecIndex int `json:"execIndex,omitempty"`
}

// Execution is a stored Standard execution, or the result of an Express run.
type Execution struct {
	Name     string `json:"name,omitempty"`
	FlowName string `json:"flowName"`
	FlowID   string `json:"flowId,omitempty"`
	Account  string `json:"account,omitempty"`
	// FlowDefinition and Environment are what the execution started with.
	// A record that names a Snapshot stores them there, not inline (see
	// snapshot.go); they are filled when the record is read for a caller
	// that needs them.
	FlowDefinition string          `json:"flowDefinition,omitempty"`
	FlowMode       flow.Mode       `json:"flowMode"`
	RoleArn        string          `json:"roleArn,omitempty"`
	Environment    json.RawMessage `json:"environment,omitempty"`
	// Snapshot is the id of the stored flow snapshot holding
	// FlowDefinition and Environment ("" in records that carry them).
	Snapshot    string    `json:"snapshot,omitempty"`
	Input       string    `json:"input,omitempty"` // JSON object text as sent
	Output      string    `json:"output,omitempty"`
	Status      Status    `json:"status"`
	StartedTime time.Time `json:"startedTime"`
	StoppedTime time.Time `json:"stoppedTime,omitzero"`
	// Error and Cause record why a run failed, timed out or was stopped.
	Error string `json:"error,omitempty"`
	Cause string `json:"cause,omitempty"`
	// CallbackFnFTaskToken and Qualifier are stored as given.
	CallbackFnFTaskToken string `json:"callbackFnFTaskToken,omitempty"`
	Qualifier            string `json:"qualifier,omitempty"`
	// FlowVersion is the version the Qualifier resolved to ("" when the
	// execution runs the flow's current definition).
	FlowVersion string `json:"flowVersion,omitempty"`

	// Durable run state (see run.go and history.go).

	// Checkpoint is the position after the last persisted step; nil before
	// the first step and after the end.
	Checkpoint *interp.Checkpoint `json:"checkpoint,omitempty"`
	// Lease names the runner that may advance the execution, and until when.
	Lease Lease `json:"lease,omitzero"`
	// WakeAt is when a parked execution (no lease, waiting in a Wait, a
	// Retry interval or a callback task with a Timeout) is due: the
	// service's timer and the sweep enqueue it then. Zero otherwise.
	WakeAt time.Time `json:"wakeAt,omitzero"`
	// Events are the committed history events not yet moved to history
	// chunk keys, in EventId order: a JSON array of Event kept encoded, so
	// a step appends its own events without re-encoding the older ones.
	// It is stored after the record's JSON (see encodeExecution).
	Events json.RawMessage `json:"-"`
	// NextEventID is the EventId the next committed event gets (1 for a new
	// execution).
	NextEventID int64 `json:"nextEventId,omitempty"`
	// ExpiresAt is when a finished execution expires, in seconds since the
	// Unix epoch: Options.Retention after it ended, set when it reaches a
	// terminal status (0 until then). From then on it reads as absent and
	// Recover deletes it; a store with TTL support deletes it on its own.
	ExpiresAt int64 `json:"expiresAt,omitempty"`
	// TraceParent is the W3C trace context (traceparent) of the request
	// that started the execution, when it was traced: its run slices are
	// traced as that request's children.
	TraceParent string `json:"traceParent,omitempty"`

	version int64 // store version of the record this value was read from
	// chunks are the history chunks to create in the write of this value
	// (see commitEvents); never stored, empty in a value read back.
	chunks []kv.Op
}

// expired reports whether e is a finished execution whose retention ended
// at or before now.
func (e *Execution) expired(now time.Time) bool {
	return e.ExpiresAt > 0 && now.Unix() >= e.ExpiresAt
}

// An execution record is stored as its JSON object, followed, when it holds
// history events, by a newline and the events' JSON array. Neither part
// contains a raw newline (encoding/json escapes them), and keeping the
// events outside the object spares re-encoding and re-compacting them on
// every step. The object leaves out what the record's key or its flow
// snapshot holds: Account, FlowID and Name (the key is
// "exec/<account>/<flowId>/<name>", see Ref.key), and FlowDefinition and
// Environment when it names a Snapshot. Records written before carry them
// and read the same.
func encodeExecution(e *Execution) ([]byte, error) {
	c := *e
	c.Account, c.FlowID, c.Name = "", "", ""
	if c.Snapshot != "" {
		c.FlowDefinition, c.Environment = "", nil
	}
	val, err := json.Marshal(&c)
	if err != nil {
		return nil, fmt.Errorf("encode execution %q: %w", e.Name, err)
	}
	if len(e.Events) == 0 {
		return val, nil
	}
	out := make([]byte, 0, len(val)+1+len(e.Events))
	out = append(append(append(out, val...), '\n'), e.Events...)
	return out, nil
}

// decodeExecution reads the execution record it (see encodeExecution).
func decodeExecution(it kv.Item) (*Execution, error) {
	var e Execution
	obj, events := it.Value, []byte(nil)
	if i := bytes.IndexByte(obj, '\n'); i >= 0 {
		obj, events = obj[:i], obj[i+1:]
	}
	if err := json.Unmarshal(obj, &e); err != nil {
		return nil, fmt.Errorf("decode execution %q: %w", it.Key, err)
	}
	if e.Name == "" {
		// Neither an account nor a flow Id holds a slash.
		parts := strings.SplitN(strings.TrimPrefix(it.Key, execRoot), "/", 3)
		if len(parts) != 3 || !strings.HasPrefix(it.Key, execRoot) {
			return nil, fmt.Errorf("decode execution %q: not an execution key", it.Key)
		}
		e.Account, e.FlowID, e.Name = parts[0], parts[1], parts[2]
	}
	if len(events) > 0 {
		e.Events = json.RawMessage(events)
	}
	e.version = it.Version
	return &e, nil
}

// Ref identifies a stored execution for a runner.
type Ref struct {
	Account string `json:"account"`
	FlowID  string `json:"flowId"`
	Name    string `json:"name"`
}

func (r Ref) key() string { return execPrefix(r.Account, r.FlowID) + r.Name }

func (e *Execution) ref() Ref { return Ref{Account: e.Account, FlowID: e.FlowID, Name: e.Name} }

// refCacheSize bounds the account and flow Id strings refs keeps.
const refCacheSize = 4096

// refs makes the Refs the service keeps for long (those of parked
// executions) small: their account and flow Id share one string per
// value, and their name is a copy of its own, so a kept Ref holds no part
// of the request or the decoded record it came from.
type refs struct {
	mu sync.Mutex
	m  map[string]string
}

// keep returns r as a Ref to keep.
func (c *refs) keep(r Ref) Ref {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= refCacheSize {
		c.m = make(map[string]string)
	}
	return Ref{Account: c.intern(r.Account), FlowID: c.intern(r.FlowID), Name: strings.Clone(r.Name)}
}

// intern returns the kept string equal to v; the caller holds c.mu.
func (c *refs) intern(v string) string {
	if k, ok := c.m[v]; ok {
		return k
	}
	k := strings.Clone(v)
	c.m[k] = k
	return k
}

func flowPrefix(account string) string { return "flow/" + account + "/" }

func flowKey(account, name string) string { return flowPrefix(account) + name }

func execPrefix(account, flowID string) string { return "exec/" + account + "/" + flowID + "/" }

const execRoot = "exec/"

// Lease is a runner's claim on an execution: only Owner advances it until
// Until. A lease is taken and renewed with CompareAndSwap on the record, so
// two runners never both hold an unexpired lease.
type Lease struct {
	Owner string    `json:"owner,omitempty"`
	Until time.Time `json:"until,omitzero"`
}

// heldBy reports whether the lease is held by owner, or by anyone when owner
// is "", and has not expired at now.
func (l Lease) heldBy(owner string, now time.Time) bool {
	return l.Owner != "" && (owner == "" || l.Owner == owner) && now.Before(l.Until)
}

func histPrefix(r Ref) string { return "hist/" + r.Account + "/" + r.FlowID + "/" + r.Name + "/" }
