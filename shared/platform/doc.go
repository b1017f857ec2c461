// Package platform runs one CloudFlow function binary on the host it finds itself on: AWS Lambda,
// an Alibaba Cloud Function Compute 3.0 custom runtime, or a local machine.
//
// Every host ends in the same two things, a [Service]: the CloudFlow API as an [net/http.Handler]
// on path "/" and an event function for asynchronous work ({"op":"sweep"}, run requests, timer
// payloads). Only the adapter in front differs:
//
//   - [LambdaHandler] turns HTTP API v2 / Function URL events and REST API (payload 1.0) proxy
//     events into requests for the API handler and hands every other event to the event function.
//   - [FCHandler] routes custom-runtime requests on the x-fc-control-path header: /invoke is an
//     event, /initialize is answered 200, anything else is the caller's own HTTP request.
//   - Locally the handler is served on loopback, or [Replay] runs one sample file from events/
//     (a platform envelope, a raw FC HTTP request, or a session of several requests) and prints
//     the response.
//
// [Main] is the whole of a function binary: each functions/<op>/main.go fills an [Env] from package
// os and calls it with a [Program] naming the operation it serves, and functions/local adds the
// -addr and -data flags. It parses -event, reads the configuration once, builds the App, then
// replays the file or calls [Serve] for the host [Detect] reports.
//
// # Configuration
//
// The package never reads the environment itself: [Main] hands its getenv function (os.Getenv in
// main) to app.ConfigFromEnv, which reads every variable of the table app.Vars once, and to
// [Detect], which only looks at the variables the hosts set; everything else is an explicit
// [Options] value taken from the resulting app.Config. Library code
// never exits the process; [Main] returns an exit code for main to pass to os.Exit.
//
// # Deadlines
//
// Lambda puts the invocation deadline on the context; [LambdaHandler] passes that context to the
// request, so the service can bound StartSyncExecution by it. Function Compute sends no deadline,
// so [FCHandler] derives one from the configured function timeout, less a safety margin.
package platform
