// Package execution holds the CloudFlow use cases: creating, reading,
// updating, listing and deleting flows, and starting, describing, stopping
// and listing executions, plus the runner that drives Standard executions to
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
// # Standard executions
//
// StartExecution writes the execution with PutIfAbsent (name uniqueness is
// the store's conditional write, never a read-then-write) in status
// Starting, with the flow definition snapshotted into the record, and hands
// a Ref to the Enqueuer. A runner (by default the in-process Pool) calls
// Service.Run, which moves Starting to Running with CompareAndSwap, runs the
// snapshotted definition with the interpreter and writes the terminal status
// with CompareAndSwap; a record already Stopped wins over a late finish.
// Every status change is announced in-process so DescribeExecution's
// long-poll wakes at once; it also re-reads the store periodically so it
// works across processes.
//
// Recover (run at start-up and on a sweep event) re-enqueues executions left
// Starting or Running by a previous process. They are re-run from the start:
// step checkpoints are not recorded yet.
//
// # Express executions
//
// StartSync runs an Express flow inside the request, bounded by the flow's
// Timeout, 5 minutes and the caller's deadline less a safety margin. Express
// runs are not stored.
package execution
