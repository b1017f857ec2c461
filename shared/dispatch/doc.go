// Package dispatch hands Standard executions to asynchronous runners on the
// cloud hosts: Lambda sends an AWS Lambda Invoke with InvocationType Event,
// FC sends a Function Compute 3.0 InvokeFunction with
// x-fc-invocation-type: Async. Both satisfy execution.Enqueuer; locally the
// in-process execution.Pool does the same job (platforms.md 8).
//
// # Events
//
// The event a runner receives is a small reference, never the execution
// state: {"op":"run","account":…,"flowId":…,"name":…} (RunEvent). The
// scheduled sweeper sends {"op":"sweep"}. Decode reads either and rejects
// anything else with ErrInvalidEvent.
//
// # Delivery
//
// Both clouds answer 202 when they accept an event and deliver it at least
// once. Any other status is a StatusError (errors.Is ErrNotAccepted); a
// failed call is returned wrapped with the function's name. The runner's
// lease and checkpoints (package execution) make duplicate events harmless,
// and the sweeper recovers events that were lost.
package dispatch
