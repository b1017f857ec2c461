// Package flow provides the flow definition model: the parser for the new FDL
// (Type: StateMachine) and the legacy FDL (type: flow), both compiled into one
// immutable internal model, and the static validation that reports every
// problem with its location.
//
// # Model
//
// A Flow holds a root Scope; a Scope is a list of States with its start index;
// Parallel branches and Map processors are nested Scopes. Every transition
// (Next, Choice branches and Default, Catch Next) is an index into the
// enclosing Scope, so the engine never looks names up. Constructors and
// expressions are compiled once with package eval.
//
// The legacy compiler (not written yet; Parse reports "legacy FDL is not
// supported yet") is meant to target the same model: a legacy step becomes a
// State whose templates are compiled with eval.Options.Legacy ($input,
// $local), inline choice steps become states of the same scope reached by
// ChoiceBranch.Next, goto becomes Next or Catch.Next, and foreach becomes a
// Map whose ItemConstructor sets the item and index keys.
//
// # Limits
//
// Parse accepts at most MaxDefinitionSize bytes and MaxDepth levels of
// nesting, rejects YAML anchors and aliases, and reports at most MaxIssues
// issues sorted by position.
package flow
