// Package timeline derives, from an execution's history events (reference
// 9.5), what happened to each state: its entries with their attempts,
// retries, waits and task calls, their input, output, error and cause, the
// lanes of Parallel branches and Map iterations, and each state's outcome
// (notreached, running, succeeded, failed, caught, retried) for colouring a
// flow graph.
//
// Build is a pure function of the parsed flow and the events; the console
// and anything else that shows an execution share it.
//
// # How events are attributed
//
// Every event but StepEntered names the event that opened its step
// (StepEntered) or task (TaskScheduled) in its ScheduleEventId, so it finds
// its entry directly. A StepEntered carries ScheduleEventId 0, so it is
// placed by name: in an open lane (the top level, a Parallel branch or a Map
// iteration) whose scope holds a state of that name, preferring an idle lane
// (no step in progress) that fits (an empty lane for the scope's start state,
// best the one whose input is the step's; a lane under way for any other
// state) and, among equals, the one opened first. Iterations of one Map run
// the same states, so two concurrently running iterations with equal inputs,
// or past their first state, may still trade steps of the same state; every
// other placement is exact.
//
// # Outcomes
//
// An entry is running while it has not exited and the execution goes on;
// succeeded when it exited after one attempt; retried when it exited after
// more than one; caught when it exited with an error (a Catch rule took it);
// failed when its error left the state, or the execution ended while it was
// unfinished. A state's outcome sums up its entries (a loop or a Map runs a
// state many times): running, then failed, caught, retried and succeeded, in
// that order of precedence; notreached when it was never entered.
package timeline
