// Package api is the CloudFlow wire protocol (product fnf, version
// 2019-03-15): an http.Handler that decodes RPC-style requests on path /,
// validates parameters, calls the use cases of shared/execution and encodes
// flat JSON responses or error bodies.
//
// # Requests
//
// The Action and Version come from the query or body parameters (HMAC-SHA1
// RPC clients) or from the x-acs-action and x-acs-version headers (ACS3
// clients). Parameters are the union of the query and the body, the body
// winning on a clash; the body may be form-encoded or a JSON object (whose
// non-string values are taken as their JSON text). Either HTTP method is
// accepted for every operation. Each parameter may be given once (a query or
// form body naming one twice is InvalidArgument), so the values an RPC
// signature covers, which are the merged parameters passed to
// Options.Authenticate, are exactly the values the operation acts on; an
// ACS3 signature covers the raw query and the body's hash.
//
// # Order of checks
//
// The first failing check answers: request size (EntityTooLarge) → path →
// Action and Version → body media type and well-formed, single-valued
// parameters (UnsupportedMediaType, InvalidArgument) → Options.Authenticate →
// Options.Allow (ResourceThrottled) → parameter presence and validity →
// resource lookup → state checks. When the body cannot be decoded, the
// Action and Version are read from the query and headers alone.
//
// # Errors
//
// Every error is a JSON body {"RequestId","HostId","Code","Message"} (plus
// "Description" for InvalidArgument) with the HTTP status of the reference's
// code table. ErrorFor is the one switch from Go errors to codes, including
// the errors of auth.Verifier.Verify (MissingRequiredParams,
// MissingRequiredHeader, InvalidArgument, InvalidAccessKeyID,
// SignatureNotMatch, RequestTimeTooSkewed, SignatureNonceUsed and, for a
// full nonce cache, ResourceThrottled); a panic in an operation becomes 500
// InternalServerError.
//
// # Decisions where the reference is silent
//
// Versions and aliases (reference 10.5): ListFlowVersions and
// ListFlowAliases take Limit 1 to 100 (default 60); versions are listed in
// ascending number order with NextToken the number of the next version,
// aliases by name with NextToken the name of the next alias. A FlowVersion,
// Qualifier or routed version that does not exist, and a missing alias on
// UpdateFlowAlias, DescribeFlowAlias or DeleteFlowAlias, is InvalidArgument
// (the reference names no code; it calls an unknown Qualifier version or
// alias InvalidArgument); creating an alias that exists is InvalidArgument
// too. RoutingConfigurations is a JSON array (as a string) of 1 to 10
// {"Version": "<n>", "Weight": <int>} objects: Version a version number
// string, distinct; Weight a JSON integer from 0 to 100; the weights must
// total more than 0 (they need not total 100). A version an alias routes to,
// even with weight 0, cannot be deleted (409 ConcurrentUpdateError).
// Alias responses carry LastModifiedTime besides the documented fields.
// ListExecutions with a numeric Qualifier lists executions that ran that
// version (started with the number or routed there by an alias); with an
// alias name, those started through that alias. ListExecutions with a
// MapRunName returns an empty list (distributed Map items run inside the
// parent execution and have no execution records). StartExecution's CallbackFnFTaskToken
// must decode as a task token (else InvalidArgument naming it) and belong to
// the caller's account (else 403 AccessDenied, the generic message), and is
// then stored with the execution; the callback operations apply the same
// account rule. GetExecutionHistory's NextToken is the decimal EventId of
// the next event; one that is not a positive integer, or lies past the last
// committed event, is InvalidArgument. A JSON body is recognised by its Content-Type, or by a
// leading "{" when the Content-Type is empty or text/plain. Error sentences
// for definition issues list at most ten issues.
package api
