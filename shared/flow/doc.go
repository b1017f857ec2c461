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
// The legacy compiler (legacy.go) targets the same model: a legacy step
// becomes a State whose mappings are compiled with eval.Options.Legacy
// ($input, $local) into State.Legacy; goto becomes a ChoiceBranch.Next,
// Default or Catch.Next in the step's own list; inline choice steps,
// parallel branches and foreach bodies become nested Scopes, and foreach
// becomes a Map whose iteration input gets the item and index keys. Sub-flow
// tasks (a flow resourceArn, or action: fnf:StartExecution) compile their
// serviceParams into FNF:StartExecution Parameters (decision 62).
//
// # Issues
//
// Every Issue has the state path, the line and column (inside an expression,
// those of the offending character) and a message; misspelt fields, state
// names and values get a "did you mean", and an AWS States Language file a
// hint on how CloudFlow differs.
//
// # Limits
//
// Parse accepts at most MaxDefinitionSize bytes and MaxDepth levels of
// nesting, rejects YAML anchors and aliases, and reports at most MaxIssues
// issues sorted by position.
package flow
