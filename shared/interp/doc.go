// Package interp provides the flow interpreter: it runs a compiled flow.Flow on
// an input, one state transition at a time, with an injected clock, random
// source, UUID source and task runner.
//
// # Running
//
// Engine.Run runs an execution to its end. For durable runners, Engine.Start
// returns a Machine whose Step runs one state attempt; Machine.Checkpoint
// captures the position between Steps as JSON and Engine.Resume continues
// from it. Parallel and Map states (and legacy parallel, foreach and choice
// inline steps) run their sub-scopes (branches on goroutines, Map iterations
// on at most MaxConcurrency goroutines) inside the one Step of the enclosing
// state. A callback Task, a Wait state (or legacy wait step) or a Retry
// interval suspends only its own branch or iteration, at any depth; the
// Step returns once every unfinished child is suspended (fanout.go,
// fanstep.go), Machine.Waiting and Pending report the tokens, Complete and
// Fail route a report to its branch, and the checkpoint then holds the
// fan's progress (FanCheckpoint): the finished children, and where each
// unfinished one stands (with its due time), recursively.
//
// # Suspension
//
// A frame is suspended when it holds a callback task without a result or a
// Wait not yet due (frame.wait: a Wait is a waiting with no token and a
// deadline), waits out a Retry interval (frame.retryAt), or holds a fan
// whose unfinished children are all suspended (frame.fan); blocked and
// walkSuspended are the one reading of that tree, and a passed deadline is
// runnable. No Wait or retry sleeps inside a state: once every unfinished
// part is suspended, Machine.Parked reports the earliest due time (and
// whether a callback waits), and the caller either parks the execution
// until then (a stored execution holds no goroutine and no worker) or
// calls Step, which sleeps until that time when no callback waits and then
// runs on the parts now due (timer.go); the others stay suspended. A child
// suspended on a timer while its siblings still run in the Step is resumed
// in that Step when due (dueWatch), so a branch never waits for a slow
// sibling. A distributed Map's suspended item is pending again in its map
// run. The Observer sees a Parallel or Map resumed in a later Step as the
// same attempt (StateAttempt.Resumed).
//
// # Data
//
// The execution input is decoded once and the output encoded once (with
// value.Decode and value.Append, the fast codec of package value); states pass
// Go values to each other and never re-encode them. The 64 KiB state-data
// check walks a value to compute its exact compact-JSON size with an early
// exit (value.Size),
// and runs only on data a state produced (constructor results, Task results,
// Parallel and Map outputs); data passed through unchanged was checked when it
// was produced. Constructor results are measured while they are built
// (eval.Template.EvalSized). Map and Parallel keep a running total of their
// results' sizes and fail with FnF.InvalidData as soon as the object they
// build (their raw $Output, even when an OutputConstructor would shrink it)
// passes the limit, cancelling the remaining iterations; a legacy parallel or
// foreach does the same for its $local against the legacy 32 KiB. The only
// non-object state input allowed is a Map item, which a Pass may also pass
// through as its output unchanged.
//
// # States
//
// Each state type has its file (choice.go, wait.go, task.go, parallel.go,
// map.go, fail.go, …); the steps every state shares (constructors, data
// checks, transitions) live in state.go. Two types need no file of their own:
// a Pass state's work is nothing, its raw result is its input, so without an
// OutputConstructor the output is the input (reference 3.3); a Succeed state
// behaves like a Pass that ends the current scope: the whole execution at top
// level, only the branch inside a Parallel and only the iteration inside a
// Map (reference 3.7), since attempt in state.go sets its next state to
// flow.NoState.
//
// # Time
//
// Waits, retry intervals, and Task and flow Timeouts all run on the injected
// Clock (Clock.WithTimeoutCause bounds a context by the clock's time);
// package interptest provides a fake whose Sleep takes no real time and
// fires the timers it passes, so a mocked task Delay longer than its Timeout
// fails with FnF.Timeout at once in tests.
//
// # Per-execution runner state
//
// A TaskRunner that keeps state per execution (action.Registry and its Mock's
// call counters) may implement Forgetter; the engine calls Forget when the
// execution finishes.
//
// # Speed
//
// Engine.Run recycles its Machine (run state, frame and output scratch
// buffer) through a sync.Pool; the input decoder takes strings as substrings
// of one copy of the input; the clock is read only when a Timeout, Wait,
// retry or recorder needs it. A Pass->Choice->Pass execution (decode, three
// states, constructor, encode) allocates 8 times; see BenchmarkRun_* and
// .ci/bench-peer for figures.
//
// # Errors
//
// Retry and Catch match the Name of an *Error. A Fail state, FnF.LimitExceeded
// (history event limit) and stop/timeout are not catchable. A task runner
// error that is not an *Error becomes FnF.TaskFailed.
package interp
