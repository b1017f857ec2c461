// Package interp provides the flow interpreter: it runs a compiled flow.Flow on
// an input, one state transition at a time, with an injected clock, random
// source and task runner.
package interp
