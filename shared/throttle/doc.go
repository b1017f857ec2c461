// Package throttle provides the per-account, per-operation API rate limits of
// CloudFlow (reference 9.6): one token bucket per (account, action) pair.
//
// A [Limiter] is built from [Limits] (defaults: [DefaultLimits]) and an
// injected clock; [Limiter.Allow] has the shape of the API layer's hook
//
//	Allow: limiter.Allow // func(accountID, action string) bool
//
// and runs after authentication (reference 11.3, order of checks). A false
// result is answered 429 ResourceThrottled, "The request is throttled. Please
// try again later.".
//
// # Configuration
//
// Limits are configuration: package app reads an override string from the
// environment variable CLOUDFLOW_API_RATES (app.EnvRates) and passes it to
// [ParseLimits], e.g. "StartExecution=200/100,Default=20/5": each entry is
// Action=burst/perSecond, and "Default" sets the rate of every action not
// listed. The package never reads the environment itself.
//
// # Memory
//
// A bucket that has been idle long enough to refill completely is
// indistinguishable from a new one, so it is dropped by a sweep that runs at
// most once per [Options].SweepInterval of clock time. At most
// Options.MaxBuckets buckets are held; when a new pair arrives at that cap
// after a sweep, one arbitrary bucket is dropped (its owner gets a fresh,
// full bucket next time: the limit is briefly lenient, never stricter).
//
// Each process (each Lambda or FC instance) keeps its own buckets, so in a
// multi-instance deployment the effective limit is per instance.
package throttle
