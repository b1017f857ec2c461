// Package console serves the local web console under /console/: every flow
// and execution of the caller's account as pages, with the flow drawn as a
// graph (package graph), an execution's states coloured by outcome and laid
// out on a timeline (package timeline), updating live while it runs.
//
// It is an http.Handler built from the execution service, which it reads
// from, the API handler, through which it makes every change
// (api.Handler.Invoke: the same parameter checks, service calls and errors
// as a signed API request), and the access keys. Pages are html/template
// files and a small script and style sheet embedded in the binary; nothing is
// fetched from elsewhere and nothing is built.
//
// # Routes
//
//	GET  /console/                                   flows
//	GET  /console/flows/{flow}                       a flow: graph, definition, versions, aliases, start form
//	POST /console/flows/{flow}/start                 StartExecution, or StartSyncExecution with the result inline
//	GET  /console/flows/{flow}/executions            executions: status, name prefix, time range, pages
//	GET  /console/flows/{flow}/executions/{name}     an execution: graph, timeline, steps, callback
//	GET  /console/flows/{flow}/executions/{name}/live  the same, as JSON for the page's live updates
//	POST /console/flows/{flow}/executions/{name}/stop    StopExecution
//	POST /console/flows/{flow}/executions/{name}/report  ReportTaskSucceeded or ReportTaskFailed
//	GET  /console/login, POST /console/login, POST /console/logout
//	GET  /console/static/…                           the style sheet and script
//
// # Security
//
// With access keys configured, every page but the login page needs a session:
// the user signs in with an access key ID and its secret, checked against the
// configured keys, and the session then acts as that key's account, exactly
// as a request signed with the key would; other accounts' flows are not
// found. With no keys the console, like the API, acts as the default account
// and every page says that the server accepts unsigned requests.
//
// A session is a cookie (HttpOnly, SameSite=Strict, Path=/console/, Secure
// over TLS) holding the account, the key ID, an expiry and a random nonce,
// signed with HMAC-SHA256 under a key derived from the configured secrets
// (random per process without keys), so that every instance sharing the
// keys accepts it and changing the keys ends every session. A session of a
// key that is no longer configured, or now names another account, is
// refused. Every form carries a token derived from the session's nonce; a
// POST without the token of its own session is refused with 403, whatever
// its origin. Responses carry a Content-Security-Policy that allows only the
// console's own script.
package console
