package interp

// A Pass state's work is nothing: its raw result is its input, so without an
// OutputConstructor the output is the input (reference 3.3). The common steps
// (constructors, transitions) live in state.go.
