package interp

import (
	"sync"
	"time"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// EventType is a history event type (reference 9.5).
type EventType string

// History event types.
const (
	ExecutionStarted   EventType = "ExecutionStarted"
	ExecutionStopped   EventType = "ExecutionStopped"
	ExecutionSucceeded EventType = "ExecutionSucceeded"
	ExecutionFailed    EventType = "ExecutionFailed"
	ExecutionTimedOut  EventType = "ExecutionTimedOut"
	StepEntered        EventType = "StepEntered"
	StepStarted        EventType = "StepStarted"
	StepSucceeded      EventType = "StepSucceeded"
	StepFailed         EventType = "StepFailed"
	StepExited         EventType = "StepExited"
	BranchEntered      EventType = "BranchEntered"
	BranchExited       EventType = "BranchExited"
	IterationEntered   EventType = "IterationEntered"
	IterationExited    EventType = "IterationExited"
	TaskScheduled      EventType = "TaskScheduled"
	TaskStarted        EventType = "TaskStarted"
	TaskSubmitted      EventType = "TaskSubmitted"
	TaskSubmitFailed   EventType = "TaskSubmitFailed"
	TaskSucceeded      EventType = "TaskSucceeded"
	TaskFailed         EventType = "TaskFailed"
	TaskTimedOut       EventType = "TaskTimedOut"
)

// Event is one history event. EventDetail is a JSON object string holding
// whichever of Input, Output, Parameters, Error, Cause and Index apply.
type Event struct {
	ID         int64 // EventId: 1, 2, 3, ... per execution
	ScheduleID int64 // EventId of the StepEntered / TaskScheduled that opened the step or task; 0 for execution events
	Type       EventType
	StepName   string
	Time       time.Time
	Detail     string
}

// Recorder receives the history events of one engine's executions, in EventId
// order. The engine serialises calls per execution.
type Recorder interface {
	Record(execution string, ev Event)
}

// detail is the content of an EventDetail.
type detail struct {
	Input, Output, Parameters any
	Error, Cause              string
	Index                     int
	MapRunName                string
	has                       uint8
}

const (
	hasInput uint8 = 1 << iota
	hasOutput
	hasParameters
	hasError
	hasIndex
	hasMapRun
)

func (d detail) encode() string {
	m := make(map[string]any, 4)
	if d.has&hasInput != 0 {
		m["Input"] = d.Input
	}
	if d.has&hasOutput != 0 {
		m["Output"] = d.Output
	}
	if d.has&hasParameters != 0 {
		m["Parameters"] = d.Parameters
	}
	if d.has&hasError != 0 {
		m["Error"], m["Cause"] = d.Error, d.Cause
	}
	if d.has&hasIndex != 0 {
		m["Index"] = int64(d.Index)
	}
	if d.has&hasMapRun != 0 {
		m["MapRunName"] = d.MapRunName
	}
	b, err := value.Encode(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// history numbers and forwards events for one execution; nil when the engine
// has no Recorder.
type history struct {
	mu     sync.Mutex
	rec    Recorder
	exec   string
	clock  Clock
	nextID int64
	max    int
	over   bool
}

// emit records one event and returns its EventId. It returns ok=false when
// the event limit is exhausted.
func (h *history) emit(typ EventType, schedule int64, step string, d detail) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.over {
		return 0, false
	}
	if h.nextID >= int64(h.max) { // keep the last id for the closing execution event
		h.over = true
		return 0, false
	}
	id := h.nextID
	h.nextID++
	h.rec.Record(h.exec, Event{ID: id, ScheduleID: schedule, Type: typ, StepName: step, Time: h.clock.Now(), Detail: d.encode()})
	return id, true
}

// peek returns the EventId the next event will get.
func (h *history) peek() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.nextID
}

// final records an execution-level closing event even when the limit was hit.
func (h *history) final(typ EventType, d detail) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.nextID
	h.nextID++
	h.rec.Record(h.exec, Event{ID: id, Type: typ, Time: h.clock.Now(), Detail: d.encode()})
}
