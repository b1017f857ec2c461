// Package app assembles the CloudFlow service from its parts: it reads a
// Config, opens the store, starts the Standard-execution runner and exposes
// the API as an http.Handler plus an asynchronous event entry point.
//
// Every platform adapter (AWS Lambda, Function Compute custom runtime, the
// local server) builds one App at start-up and routes requests to
// App.Handler and asynchronous events to App.OnEvent.
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
