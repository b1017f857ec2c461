// Package maprun tracks one distributed-mode Map state while it runs: its
// item counts and status (the MapRun of reference 2.3 and 10.5) and the
// concurrency gate each item passes before it starts, whose limit
// UpdateMapRun may change while the Map runs.
package maprun
