// Package flow provides the flow definition model: the parser for the new FDL
// (Type: StateMachine) and the legacy FDL (type: flow), both compiled into one
// immutable internal model, and the static validation that reports every
// problem with its location.
package flow
