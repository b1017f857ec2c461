// Package app assembles the CloudFlow service from its parts: it reads a
// Config, opens the store, starts the Standard-execution runner and exposes
// the API as an http.Handler plus an asynchronous event entry point.
//
// Every platform adapter (AWS Lambda, Function Compute custom runtime, the
// local server) builds one App at start-up and routes requests to
// App.Handler and asynchronous events to App.OnEvent.
package app
