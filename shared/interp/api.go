package interp

import (
	"context"
	"encoding/json"

	"github.com/cloudflow-oss/cloudflow/shared/maprun"
)

// Status is an execution's terminal status as the engine reports it.
type Status string

// Terminal statuses (reference 9.2).
const (
	Succeeded Status = "Succeeded"
	Failed    Status = "Failed"
	TimedOut  Status = "TimedOut"
	Stopped   Status = "Stopped"
)

// Execution is what one run starts from.
type Execution struct {
	Name    string          // $Context.Execution.Name
	Input   json.RawMessage // a JSON object; empty means {}
	RoleArn string          // $Context.Execution.RoleArn
	// Recorder, when set, receives this run's history events instead of the
	// engine's Options.Recorder (a durable runner records each execution on
	// its own).
	Recorder Recorder
	// NewTaskToken, when set, builds the task token of a callback-mode Task
	// attempt whose TaskScheduled event gets eventID (a durable runner puts
	// the account, flow and a random part in it). Nil means a token made of
	// the execution name, eventID and a UUID.
	NewTaskToken func(eventID int64) (string, error)
	// OnMapRun, when set, is called with each distributed Map attempt's map
	// run as it starts (before any item runs); the engine finishes the run
	// when the Map ends. The caller may read and Update it meanwhile.
	OnMapRun func(*maprun.Run)
	// LoadOutputs, when set (with a Recorder), is how a resumed execution
	// gets back the outputs of the Parallel branches and Map iterations
	// that finished before its checkpoint: for each index, the Output of
	// the last BranchExited or IterationExited event recorded with
	// ScheduleEventId scheduleID and an EventId of at least since.
	// Checkpoints then leave those outputs out (see FanCheckpoint).
	LoadOutputs func(ctx context.Context, scheduleID, since int64) (map[int]json.RawMessage, error)
	// OnProgress, when set, is called (from a goroutine of the Step) each
	// time a branch or iteration of a top-level Parallel or Map finishes;
	// Machine.Progress then returns a checkpoint that counts it. A durable
	// runner batches these into writes.
	OnProgress func()
}

// Result is how a run ended.
type Result struct {
	Status Status
	Output json.RawMessage // the execution output, set when Status is Succeeded
	Error  string          // error name (Fail Code, FnF.Timeout, ...), set when not Succeeded
	Cause  string          // error detail
}
