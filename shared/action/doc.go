// Package action provides the task integrations behind the engine's
// interp.TaskRunner: a Registry that maps Action names (FC:InvokeFunction,
// HTTP:Request, FNF:StartExecution, …) to runners, and a Mock runner loaded
// from a mock file that answers Task states with canned results or errors.
//
// # Native integrations
//
// HTTP (HTTP:Request), FC (FC:InvokeFunction, through a darabonba-openapi
// client the caller supplies per region and account) and FNF
// (FNF:StartExecution, through a consumer-side Starter) serve the three
// actions the reference names (7.3 to 7.5). Each returns the raw task
// result ($Output) or an *interp.Error whose Name Retry and Catch match;
// when ctx ends first they return ctx's cause instead, so that the engine
// reports FnF.Timeout. README-integrations.md lists every parameter,
// output, error name and configuration variable.
//
// # Mock file
//
// A mock file (YAML or JSON; JSON is read as YAML) has two optional
// top-level maps, in the spirit of Step Functions Local's MockConfigFile:
//
//	States:                      # by Task state name (wins over Actions)
//	  Charge:
//	    - Error: FC.ResourceThrottled
//	      Cause: busy
//	    - Return: {Body: {receiptId: r-1}}
//	Actions:                     # by Action, for every state not listed above
//	  HTTP:Request:
//	    Return: {Code: 200, Body: ok}
//	    Delay: 2
//
// Each entry is one response or a list of responses. The Nth call of an
// entry within one execution gets the Nth response; once the list is used up
// the last response repeats. A response has exactly one of Return (any JSON
// value, the task's raw result, i.e. $Output) or Error (the error name that
// Retry and Catch match), an optional Cause (the error detail, only with
// Error) and an optional Delay in seconds (0 to 604,800, fractions allowed),
// slept on the injected clock before answering, so that a Task Timeout can
// fire.
//
// # Cases
//
// A third optional map, Cases, holds named variants, each with its own
// States and Actions:
//
//	Cases:
//	  declined:                  # executions named <anything>__declined
//	    States:
//	      Charge: {Error: Payment.Declined, Cause: card refused}
//
// An execution whose name ends in "__" + a case name (CaseOf; a
// StartSyncExecution name's ":<uuid>" suffix is ignored) is answered from
// that case's entries first, then from the entries outside Cases. Any SDK
// client selects a case through the ExecutionName it already sends. An
// unknown case name reads the entries outside Cases. Case names use
// letters, digits, '-' and single '_'.
//
// # Reloading
//
// A Mock from LoadMockFile checks its file at most every ReloadInterval, on
// the next Task call, and reads it again when its size or modification time
// changed; a version with problems is logged and ignored.
//
// Validation is strict: unknown keys, wrong types, empty names, an empty
// response list, both or neither of Return/Error, anchors and aliases, and
// duplicate keys are errors. Every problem is reported with its path, line
// and column (Issues).
//
// # Call counting
//
// Counters are kept per execution name and per entry, so concurrent
// executions never share a sequence. Calls from concurrent Map iterations or
// Parallel branches of one execution share their entry's counter and are
// served in the order they reach the mock. Counters live as long as the Mock;
// Forget drops those of a finished execution.
//
// # Decisions
//
//   - Known reports the Actions keys only: a state-name entry cannot make an
//     unknown Action valid at CreateFlow, because Known sees no state name.
//   - An Action with no runner and no mock entry fails at run time with
//     FnF.ActionNotSupported.
package action
