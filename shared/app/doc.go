// Package app assembles the CloudFlow service from its parts: it reads a
// Config, opens the store, starts the Standard-execution runner and exposes
// the API as an http.Handler plus an asynchronous event entry point.
//
// Every platform adapter (AWS Lambda, Function Compute custom runtime, the
// local server) builds one App at start-up and routes requests to
// App.Handler and asynchronous events to App.OnEvent.
//
// # Configuration
//
// The environment is read once, by ConfigFromEnv, through the table Vars:
// each row names one variable (an Env constant), its meaning, default and
// bounds, and loads it into a Config field. The binaries' -h text and the
// README's Configuration table are generated from the same table, so adding
// a variable is one row there. No other package reads the environment,
// except platform.Detect for the variables the hosts themselves set.
//
// # Stores and runners
//
// Config.Store selects bbolt (a local directory, the default), memory,
// DynamoDB (TABLE_NAME; region and credentials from the AWS default config
// chain, or DYNAMODB_ENDPOINT for a local server whose table New creates)
// or Tablestore (OTS_ENDPOINT, OTS_INSTANCE, TABLE_NAME, the
// ALIBABA_CLOUD_ACCESS_KEY_* credentials; New creates a missing table).
//
// Config.Runner selects who advances Standard executions. RunnerLocal is a
// goroutine pool of this process, and New recovers the executions a
// previous process left behind. RunnerLambda and RunnerFC send each
// started execution as an asynchronous invocation of RUNNER_FUNCTION
// (package dispatch); they need a shared store, and New does not scan for
// pending executions (the scheduled sweep does).
//
// App.OnEvent handles the events those invocations and schedules bring:
//
//   - {"op":"run","account":…,"flowId":…,"name":…} runs the execution with
//     execution.Service.Run until it ends or until the invocation's
//     deadline less Config.RunMargin. In the second case Run has released
//     its lease at the last checkpoint, and OnEvent enqueues the execution
//     again, so a new invocation continues where this one stopped. A
//     duplicate or stale event is harmless: the lease, the checkpoint and a
//     final status make Run a no-op.
//   - {"op":"sweep"} enqueues every execution whose lease expired or whose
//     run event was lost (execution.Service.Recover), and fires the schedule
//     ticks of the last minute (execution.Service.FireSchedules).
//
// With RunnerLocal, New also starts the local scheduler
// (execution.Service.ServeSchedules), which Close stops.
//
// # Security
//
// Config.AccessKeys (CLOUDFLOW_ACCESS_KEYS) feed an auth.Verifier that the
// API runs on every request; with no keys the service accepts unsigned
// requests as one default account and New logs OpenWarning at WARN.
// Config.Throttled() decides whether a throttle.Limiter enforces
// Config.Limits (CLOUDFLOW_API_RATES over the documented defaults) per
// account and operation: CLOUDFLOW_THROTTLE=on|off, by default on when the
// platform layer sets Config.Cloud (Lambda, Function Compute) and off on the
// local endpoint.
package app
