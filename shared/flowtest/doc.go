// Package flowtest runs flows in process, for developers: once with an input
// (Run, behind cloudflow run) and as test files with cases, task mocks and
// expectations (ParseFile and File.Run, behind cloudflow test).
//
// Both run the real engine (package interp) with the task registry of
// package action, on a clock the caller picks (interp.ScaledClock: 0 skips
// waits, retry intervals and mock delays at once), recording the history as
// a Standard execution would.
//
// # Callback tasks
//
// In process nobody can call ReportTaskSucceeded, so a Task in
// WaitForCustomCallback or WaitForSystemCallback mode takes its task
// runner's answer (normally a mock response) as its report: a Return is
// reported as success with that output, an Error as failure with that
// name and cause, after the response's Delay.
//
// # Test files
//
// A test file (YAML or JSON) names a flow file and lists cases:
//
//	Flow: order.yaml           # relative to the test file
//	Mode: Standard             # or Express; default Standard
//	Mock: mocks.yaml           # optional mock file shared by the cases
//	Cases:
//	  - Name: paid after a throttle
//	    Input: {orderId: o-1, total: 30}
//	    TimeScale: 0           # optional; default 0 (pauses are skipped)
//	    Mocks:                 # the mock-file format: States / Actions
//	      States:
//	        Charge:
//	          - Error: FC.ResourceThrottled
//	          - Return: {receipt: r-1}
//	    Expect:
//	      Status: Succeeded    # default Succeeded
//	      Output: {...}        # the whole output, or
//	      OutputIncludes: {receipt: r-1}   # a subset of it
//	      Error: Payment.Declined          # with Status: Failed
//	      States: [Check, Charge, Done]    # entered in this order (others may come between)
//	      NotStates: [Refund]              # never entered
//
// A case's Mocks win over the shared Mock file's entries (state names first,
// then actions, then the shared file's). Every problem in a test file is
// reported with its path, line and column, like a flow's.
package flowtest
