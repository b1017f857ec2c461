// Package interptest provides test doubles for package interp: Clock, a fake
// interp.Clock whose Sleep takes no real time and whose timers (the Task and
// flow Timeouts) follow its fake time, so tests of waits, retries and
// timeouts run at once and repeat exactly.
package interptest
