package interp

// A Succeed state behaves like a Pass that ends the current scope: the whole
// execution at top level, only the branch inside a Parallel and only the
// iteration inside a Map (reference 3.7). attempt in state.go sets its next
// state to flow.NoState.
