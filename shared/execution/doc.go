// Package execution holds the CloudFlow use cases: creating, reading,
// updating, listing and deleting flows, and starting, describing, stopping
// and listing executions, publishing flow versions and managing aliases,
// plus the runner that drives Standard executions to
// a terminal status.
//
// # Storage
//
// Records are JSON values in a key-value store (see Store, satisfied by the
// shared/kv stores). Flows are keyed per account, "flow/<account>/<name>";
// executions per account and flow Id, "exec/<account>/<flowId>/<name>", so a
// deleted and re-created flow starts with an empty execution namespace. The
// account comes from auth.FromContext.
//
// # Versions and aliases
//
// PublishFlowVersion snapshots a flow's definition, mode, role and
// environment under "ver/<account>/<flowId>/<n>" (n zero-padded so keys sort
// numerically). The number comes from a counter in the flow record
// (Flow.LastVersion) advanced by CompareAndSwap, so concurrent publishes get
// distinct numbers and a deleted number is never reused. Aliases live under
// "alias/<account>/<flowId>/<name>". Both are keyed by the flow Id (a
// re-created flow starts with none) and DeleteFlow removes them.
//
// A Qualifier (reference 2.3, decision 3) on StartExecution or StartSync is
// resolved once: a version number selects that version, any other value an
// alias, which draws from Options.Rand to pick one of its versions in
// proportion to the weights; none means the current definition. The
// execution snapshots the chosen definition and records Qualifier and the
// resolved FlowVersion, which ListExecutions filters on. DeleteFlowVersion
// and alias writes exclude each other without transactions (each writes,
// then checks the other; see DeleteFlowVersion), so no alias is left routing
// to a deleted version.
//
// # Schedules
//
// A schedule (reference 10.5, decision 59) lives under
// "sched/all/<account>/<flowId>/<name>", so DeleteFlow removes it with the
// flow and a re-created flow has none, and all schedules are one key range
// (one DynamoDB partition). FireSchedules reads every account's schedules and starts each due tick as a Standard execution named
// TickName(schedule, tick) with the Payload as Input: the execution's
// PutIfAbsent is the tick's claim, so of any number of schedulers (several
// instances on one table, a restarted process, overlapping passes) exactly
// one starts it and the run is enqueued once. Ticks come from the
// six-field cron parser of robfig/cron/v3 in UTC, or from "@every d"
// counted from Schedule.ActiveSince. ServeSchedules (the local server)
// calls it every second; the cloud sweep calls it once a minute for the
// last minute. Missed ticks are not fired late: a pass that follows no
// earlier one (a restart) fires only each schedule's most recent tick, and
// only when it is younger than MissedTickWindow.
//
// # Standard executions
//
// StartExecution writes the execution with PutIfAbsent (name uniqueness is
// the store's conditional write, never a read-then-write) in status
// Starting, with the flow definition and environment snapshotted: stored
// once per distinct content under "snap/<account>/<flowId>/<hash>" and
// named by the record (snapshot.go), so UpdateFlow never changes what a
// started execution runs or shows. It then hands a Ref to the Enqueuer. A runner (by default the in-process Pool) calls
// Service.Run. Every status change is announced in-process so
// DescribeExecution's long-poll wakes at once; it also re-reads the store
// periodically so it works across processes.
//
// # Retention
//
// A finished execution is kept for Options.Retention (default
// DefaultRetention, 30 days; reference 9.4, decision 43). The write that
// makes it terminal also sets Execution.ExpiresAt (epoch seconds), and on a
// store with TTL support (the DynamoDB store's CompareAndSwapExpiring) the
// item's expiresAt attribute, so the table deletes it. Every store is also
// filtered on read: DescribeExecution, ListExecutions, GetExecutionHistory,
// StopExecution and the task reports treat an expired record as absent.
// StartExecution with the name of an expired execution deletes its history
// chunks and replaces the record with a CompareAndSwap on the version read,
// so exactly one of concurrent starters creates the new execution; on a TTL
// store, a PutIfAbsent that succeeds also deletes chunks left by a record
// the table expired. Recover deletes expired records and their chunks, each
// Delete conditioned on the version read (the record together with its
// listing index entry). Name uniqueness therefore holds while the record
// exists and has not expired.
//
// # Listing
//
// ListExecutions costs O(page), not O(executions stored). Every execution
// has one index entry "xs/<account>/<flowId>/<status>/<time key>/<name>",
// where the time key is 16 hex digits that sort start times newest first,
// so a status range lists in ListExecutions' order (newest first, then by
// name). Its value holds what the walk filters on without the record:
// Qualifier, FlowVersion and, once finished, ExpiresAt. The entry is
// written in the same kv Apply as the record (one bbolt transaction, one
// MemStore lock, one DynamoDB TransactWriteItems): created with it, moved
// when the status changes (delete the old, put the new), deleted with it on
// expiry. A status filter walks one range; no filter merges the six ranges,
// read together in the order statuses follow, so an execution that changes
// status during the walk is met once. NextToken (a position: the named
// execution's time key and name) and StartedTimeEnd seek into the ranges,
// the walk stops at StartedTimeBegin, and expired and Qualifier-mismatched
// entries are skipped on the entry alone: a page reads its entries plus
// the ones those filters skip, and the records of the listed executions,
// together (Store.GetMany: one DynamoDB BatchGetItem). NamePrefix is
// checked on the entry too (the name is in its key), and a NamePrefix
// listing also reads, a round at a time in turn with the walk, the records
// whose names have the prefix (one key range, in name order): whichever
// ends first answers. A rare prefix ends the record read after its few
// matches, a common one fills the page from the index after a few skipped
// entries; a page costs at most about twice the cheaper, O(min(M,
// page·N/M)) for M matches among N executions, at worst O(√(page·N)).
// Exact O(page) for every prefix would need an entry per prefix of every
// name.
//
// Every entry a walk lists is checked against its record (read anyway for
// the page): a missing record, another execution of the name (another time
// key) or, with a status filter, another status is a stale entry, skipped;
// one that can never become true again (the execution moved to a later
// status, a later execution took the name, or no record came within two
// minutes) is deleted. Stores without Apply (Tablestore; dynalite answers
// it with errors.ErrUnsupported) get ordered single-key writes instead: the
// new entry before the record, the old one deleted after it, so a crash in
// between leaves only stale entries and the listing stays exact. Flows
// stored before the index existed have Flow.ExecIndex 0: ListExecutions
// reads their executions by name prefix until Recover's first pass
// (start-up locally, the sweep in the clouds) has written their entries
// and set ExecIndex (indexFlows, backfill.go).
//
// ListFlows, ListFlowVersions, ListFlowAliases and GetExecutionHistory
// read their own key ranges from the token on with a limit (ListFlows with a
// ResourceGroupId filter skips the flows of other groups as it goes).
//
// # The sweep
//
// Recover, every instance's periodic sweep, costs O(executions due), not
// O(table): it never reads a finished execution before its retention
// ends, nor one parked for later. Every execution the sweep may have to
// act on has one due index entry
// "xu/<shard>/<due time key>/<account>/<flowId>/<name>" (due.go), the
// time key ordering due times oldest first, the shard (16, a hash of the
// record key) spreading the writes over 16 DynamoDB partitions. An
// unfinished execution is due at its start time (Starting: it waits in
// the store for a runner; Running: its lease may expire at any moment and
// only the record tells, so the sweep reads every running execution, a
// number bounded by the runners' workers, and leaves those whose lease is
// live), a parked one at its wake-up time (none while it waits for
// callbacks without a timeout: a report or a stop wakes it), a finished
// one when its retention ends (it carries the record's TTL). The entry
// moves only when that time does: start, park, resume, finish, expiry;
// a step's checkpoint and its lease renewal leave it alone. It is written
// exactly like a listing entry (indexChange): in the record's kv Apply, or
// put before and deleted after the record on stores without Apply.
//
// Recover reads each shard up to now plus one sweep interval (Options.Sweep,
// else DefaultSweepInterval), the records of those entries with GetMany,
// and acts on each as before: enqueue, hand to the timer a wake-up due
// before the next sweep, delete the expired. An entry that is not its
// record's (an ordered write in flight or cut short, a backfill racing a
// write) is deleted once it is two minutes overdue and can never become
// true again; an unfinished execution's entry at its start time is kept,
// since it is true again when the execution resumes. Flows below
// ExecIndex 2 get due entries for all their executions, and the
// executions of deleted flows too, from Recover's first pass (one read of
// every record), before it reads the index.
//
// # Durability: leases and checkpoints
//
// Run drives an interp.Machine one Step (one state attempt) at a time.
// Delivery of runner events is at least once (platforms.md 8), so a runner
// first takes the execution's lease: a CompareAndSwap that moves Starting to
// Running and writes Lease{Owner: RunnerID, Until: now+LeaseDuration}. A
// runner finding another owner's unexpired lease returns at once. After
// every step ONE CompareAndSwap on the record's version writes the
// checkpoint (interp.Checkpoint), the step's history events and the renewed
// lease; a heartbeat renews the lease during long steps. A writer that finds
// the record Stopped, finished, deleted or leased by someone else (its own
// lease expired and was taken over) stops without writing: the stale writer
// loses. The step in flight when a runner dies is therefore run again by the
// next one (at least once per step); steps before it are not. On Close the
// in-process runs are abandoned and their leases released; Recover (start-up
// and sweep) enqueues every unfinished execution whose lease is free or
// expired, and Run resumes it from its checkpoint with interp.Engine.Resume.
// With Options.ExclusiveStore (the locked bbolt file) every lease not held
// by this service was left by a dead process, so Recover and Run take it
// over at once: a restart never waits for LeaseDuration. Options.Sweep runs
// Recover periodically in-process (locally every DefaultSweepInterval); in
// the clouds the scheduled sweep event does. The default Pool queues at
// most Options.MaxQueued refs in memory; beyond that a started execution
// waits in the store, Starting, for the sweep (the record is the queue).
//
// Writes per execution today: the create (PutIfAbsent), the lease (Starting
// to Running), one per persisted step, the finish; on bbolt concurrent
// writers share commits (kv group commit), so syncs per execution fall with
// load. Every optimistic write loop is a kv.Retry (jittered backoff, one
// cap, kv.MaxAttempts); giving up is ResourceError(ErrConflict).
// A Wait, a Retry interval and a callback task park the execution (run.go
// parkUntil), at top level or inside Parallel branches, Map iterations and
// legacy scopes at any depth, once every unfinished part of it is suspended
// (interp.Machine.Parked): the checkpoint, with every suspended part's due
// time, and Execution.WakeAt (the earliest) are committed with the lease
// cleared, and the service's one timer (timers.go) enqueues it when due;
// the run then goes on with the parts due and parks again until the next.
// Recover hands the parked executions due before the next sweep to that
// timer and enqueues the due ones.
// A parked Wait resumed after a crash waits only what is left; one that had
// not parked yet when the process died restarts from the state's beginning.
// A Parallel or Map whose branches or iterations are suspended is checkpointed
// with its progress (interp.FanCheckpoint): the finished children are not
// run again. Their outputs are not copied into the checkpoint: the
// engine reads them back from the committed history (their BranchExited or
// IterationExited events, interp.Execution.LoadOutputs) when the fan ends.
// A report (report.go) finds its task anywhere in the checkpoint's tree
// (Checkpoint.FindWait); Recover leaves an execution alone while every
// unfinished part of it is suspended (Checkpoint.Waiting) and not due. While a top-level
// Parallel or Map runs, progress.go writes its progress every
// Options.ProgressInterval (interp.Machine.Progress: finished children
// counted, running ones at the start of their current step, a checkpoint
// marked Running), so a crash re-runs only the unfinished children; and a
// report to a child waiting in that running step is handed to the live
// Machine (interp.Machine.Deliver) and acknowledged once a write covers it.
// Such a report reaching another process than the runner's answers
// TaskInvalidState until the step parks.
//
// # History
//
// Each run records its own events (interp.Execution.Recorder); they become
// visible when the step that produced them is persisted, with the step's
// CompareAndSwap, so the history and the checkpoint never disagree. History
// lives in chunk keys "hist/<account>/<flowId>/<name>/<last EventId, 19
// digits>". The record keeps the latest committed events that are not yet
// archived, encoded as one JSON array stored after the record's JSON (so a
// step appends its events without re-encoding older ones). On a store with
// Apply it keeps at most 1 KiB of them: the step that would pass that
// moves them and its own events to one chunk, created in the same atomic
// write as the record, so a step writes a bounded number of bytes whatever
// the history's length, and a short history (a parked execution's) costs
// no key of its own. On other stores, when that array reaches
// HistorySpillBytes (default 16 KiB) the next step first writes it to a
// chunk with PutIfAbsent: only committed events are archived, so every
// runner would write the same chunk and losing that race is success. Either way the
// record stays small (important for DynamoDB's 400 KB items) while 5,000
// events of up to 64 KiB each (reference 9.6) live in many chunks;
// GetExecutionHistory starts listing at the first chunk whose last EventId
// reaches NextToken.
// StopExecution appends ExecutionStopped (EventDetail {"Error","Cause"})
// itself; a failed run's ExecutionFailed carries {"Error","Cause"} (decision
// 31). Chunks of a deleted flow's executions are left behind, unreachable.
//
// StartExecution's CallbackFnFTaskToken must be a task token (package
// token) of the caller's account; it is stored for the callback that
// reports the parent task.
//
// # Express executions
//
// StartSync runs an Express flow inside the request, bounded by the flow's
// Timeout, 5 minutes and the caller's deadline less a safety margin. Express
// runs are not stored.
package execution
