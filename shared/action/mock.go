package action

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/interp"
)

// MaxMockDelay is the largest Delay a mock response may ask for, the largest
// Task Timeout (reference 3.4).
const MaxMockDelay = 604800 * time.Second

// Clock is what the Mock needs from a clock: pausing for a response's Delay.
// interp.Clock satisfies it.
type Clock interface {
	// Sleep pauses for d or until ctx is done, then returns ctx.Err().
	Sleep(ctx context.Context, d time.Duration) error
}

// Response is one canned answer of a mock entry.
type Response struct {
	Return any           // the raw task result, in the value model; used when Error is ""
	Error  string        // error name; non-empty means the call fails
	Cause  string        // error detail
	Delay  time.Duration // pause on the clock before answering
}

// Mock is a TaskRunner that answers from a mock file. It is safe for
// concurrent use.
type Mock struct {
	data  atomic.Pointer[mockData]
	clock Clock
	file  *mockFile // set by LoadMockFile: the file is read again when it changes

	mu    sync.Mutex
	calls map[callKey]int // calls made so far per execution and entry
}

// mockData is what one version of a mock file holds.
type mockData struct {
	base  entries
	cases map[string]entries // by case name
}

// entries are the States and Actions maps of the file or of one case.
type entries struct {
	states  map[string][]Response
	actions map[string][]Response
}

func newEntries() entries {
	return entries{states: map[string][]Response{}, actions: map[string][]Response{}}
}

type callKey struct {
	execution string
	entry     string // case + "/s:" + state name or case + "/a:" + action
}

// CaseSeparator separates an execution name from the mock case it selects:
// an execution named "order-7__declined" (or, from StartSyncExecution,
// "order-7__declined:<uuid>") is answered from the mock file's case
// "declined". Unmodified SDK clients select a case by naming executions so.
const CaseSeparator = "__"

// CaseOf returns the mock case an execution name selects: the part after
// the last CaseSeparator, ignoring a ":<uuid>" suffix; "" when none.
func CaseOf(execution string) string {
	name, _, _ := strings.Cut(execution, ":")
	i := strings.LastIndex(name, CaseSeparator)
	if i < 0 {
		return ""
	}
	return name[i+len(CaseSeparator):]
}

// LoadMockFile reads and parses the mock file at path (see ParseMock). The
// error wraps the read error or the Issues found. The Mock reads the file
// again when its size or modification time changes (checked at most once
// per ReloadInterval, on the next Task call): a valid new version replaces
// the old one for the calls that follow; an invalid one is logged (slog, at
// WARN) and the previous version stays.
func LoadMockFile(path string, clock Clock) (*Mock, error) {
	mf := &mockFile{path: path}
	b, err := mf.read()
	if err != nil {
		return nil, fmt.Errorf("read mock file: %w", err)
	}
	m, err := ParseMock(b, clock)
	if err != nil {
		return nil, fmt.Errorf("mock file %s: %w", path, err)
	}
	m.file = mf
	return m, nil
}

// ReloadInterval is how often a Mock loaded from a file checks the file for
// changes.
const ReloadInterval = 200 * time.Millisecond

// mockFile is the file behind a Mock and the version last read.
type mockFile struct {
	path string

	mu      sync.Mutex
	checked time.Time
	size    int64
	mod     time.Time
}

// read reads the file and remembers its size and modification time.
func (f *mockFile) read() ([]byte, error) {
	fi, err := os.Stat(f.path)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return nil, err
	}
	f.size, f.mod, f.checked = fi.Size(), fi.ModTime(), time.Now()
	return b, nil
}

// current returns the mock data, reading the file again first when it has
// changed.
func (m *Mock) current() *mockData {
	if f := m.file; f != nil {
		f.mu.Lock()
		if time.Since(f.checked) >= ReloadInterval {
			f.checked = time.Now()
			if fi, err := os.Stat(f.path); err == nil && (fi.Size() != f.size || !fi.ModTime().Equal(f.mod)) {
				m.reload(f)
			}
		}
		f.mu.Unlock()
	}
	return m.data.Load()
}

// reload reads f again; f.mu is held.
func (m *Mock) reload(f *mockFile) {
	b, err := f.read()
	if err == nil {
		var next *Mock
		if next, err = ParseMock(b, m.clock); err == nil {
			m.data.Store(next.data.Load())
			slog.Info("cloudflow: mock file reloaded", "path", f.path)
			return
		}
	}
	slog.Warn("cloudflow: mock file not reloaded, the previous version stays", "path", f.path, "error", err)
}

// Cases returns the names of the file's cases, sorted.
func (m *Mock) Cases() []string {
	d := m.current()
	out := make([]string, 0, len(d.cases))
	for c := range d.cases {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// Match returns the responses that serve a Task state in an execution of
// the given case ("" for none): the case's States entry named state, else its
// Actions entry named action, else the same two lookups outside the cases.
func (m *Mock) Match(execCase, state, action string) ([]Response, bool) {
	rs, _, ok := m.current().match(execCase, state, action)
	return rs, ok
}

func (d *mockData) match(execCase, state, action string) ([]Response, string, bool) {
	if cs, ok := d.cases[execCase]; ok && execCase != "" {
		if rs, ok := cs.states[state]; ok {
			return rs, execCase + "/s:" + state, true
		}
		if rs, ok := cs.actions[action]; ok {
			return rs, execCase + "/a:" + action, true
		}
	}
	if rs, ok := d.base.states[state]; ok {
		return rs, "/s:" + state, true
	}
	rs, ok := d.base.actions[action]
	return rs, "/a:" + action, ok
}

// serves reports whether the mock has an entry for state or action in any
// case (or outside them).
func (m *Mock) serves(state, action string) bool {
	d := m.current()
	if _, _, ok := d.match("", state, action); ok {
		return true
	}
	for c := range d.cases {
		if _, _, ok := d.match(c, state, action); ok {
			return true
		}
	}
	return false
}

// Known reports whether the mock file has an Actions entry for action,
// outside the cases or in any case.
func (m *Mock) Known(action string) bool {
	d := m.current()
	if _, ok := d.base.actions[action]; ok {
		return true
	}
	for _, cs := range d.cases {
		if _, ok := cs.actions[action]; ok {
			return true
		}
	}
	return false
}

// ErrNoMock is the cause of the FnF.ActionNotSupported error Invoke returns
// when neither the state nor the action has an entry.
var ErrNoMock = errors.New("no mock entry")

// Invoke answers one Task call: the next response of the entry matching
// call.State or call.Action (see Match; the case is CaseOf(call.Execution)),
// counted per call.Execution. After the response's Delay (ctx.Err() if ctx
// ends first) it returns a deep copy of Return, or an
// *interp.Error{Name: Error, Detail: Cause}. Without a matching entry it
// returns an *interp.Error named FnF.ActionNotSupported wrapping ErrNoMock.
func (m *Mock) Invoke(ctx context.Context, call interp.TaskCall) (any, error) {
	rs, entry, ok := m.current().match(CaseOf(call.Execution), call.State, call.Action)
	if !ok {
		return nil, &interp.Error{Name: interp.ErrorActionNotSupported, Detail: fmt.Sprintf("no mock for state %s or action %s", call.State, call.Action), Err: ErrNoMock}
	}
	key := callKey{execution: call.Execution, entry: entry}
	m.mu.Lock()
	n := m.calls[key]
	m.calls[key] = n + 1
	m.mu.Unlock()
	r := rs[min(n, len(rs)-1)]
	if r.Delay > 0 {
		if err := m.clock.Sleep(ctx, r.Delay); err != nil {
			return nil, err
		}
	}
	if r.Error != "" {
		return nil, &interp.Error{Name: r.Error, Detail: r.Cause}
	}
	return clone(r.Return), nil
}

// Calls returns how many calls the entry serving state/action has answered
// for execution.
func (m *Mock) Calls(execution, state, action string) int {
	_, entry, _ := m.current().match(CaseOf(execution), state, action)
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[callKey{execution: execution, entry: entry}]
}

// Forget drops the call counters of execution; a later call of the same
// execution name starts again from the first response.
func (m *Mock) Forget(execution string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.calls {
		if k.execution == execution {
			delete(m.calls, k)
		}
	}
}

// clone deep-copies a value-model value so callers may not alias the mock's.
func clone(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = clone(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = clone(e)
		}
		return out
	}
	return v
}
