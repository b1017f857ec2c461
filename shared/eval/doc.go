// Package eval provides the expression language of CloudFlow flows: paths
// ($Input, $Output, $Context, $Global, $Item and the legacy $input, $local, $
// and the $context mapping sources of decision 61),
// literals, the built-in functions, Choice conditions, and constructors (maps
// whose keys ending in ".$" hold expressions).
//
// Everything is compiled once, when a flow version is parsed, and evaluated many
// times; compiled values are immutable and safe for concurrent use.
//
// # Compiling
//
// Source text is parsed by github.com/expr-lang/expr's parser (lexing, string
// and number literals, precedence, error positions). The syntax tree is then
// checked against this language and turned into a small tree of nodes with
// the semantics of reference 5.1–5.4; expr's checker and virtual machine are
// not used, because missing-path rules, presence tests with null and typed
// comparisons differ from expr's, and because a plain path is then resolved
// directly with no allocation. gjson is not used either: values are already
// decoded (shared/value), not JSON bytes.
//
// Compile errors (*SyntaxError, inside constructors *TemplateError): bad
// syntax, unknown function or variable, a variable not in Options.Vars, a
// wrong argument count, arithmetic or other operators outside the language,
// comparisons and boolean operators outside a condition (Options.Condition),
// an unknown $Context field, calls nested deeper than MaxCallDepth, syntax
// nested deeper than MaxDepth, sources longer than MaxSourceLen, and a
// constant regexMatchString pattern that is not valid RE2. Messages are
// written for the flow's author: parser tokens become plain words
// (`missing ")" to close "length("`), a misspelt function or variable gets
// a "did you mean" (Closest), SyntaxError.Pos is the byte offset of the
// offending character, and CompileTemplate reports every bad entry of a
// constructor (TemplateErrors).
//
// # Evaluating
//
// Run-time errors wrap ErrExpression; a path that selects nothing also wraps
// ErrMissingPath. Inside a comparison a missing path operand makes the
// comparison false, except against the literal null, which tests presence
// ($Input.x == null is true when x is absent or null). Only a path written
// directly as an operand counts as missing; a missing path inside a function
// argument is an error even in a condition. Results are in the shared/value
// model; they may share arrays and objects with the Env they were computed
// from (treat values as immutable), while literals are copied on every
// evaluation.
//
// # Decisions where the reference is silent
//
//   - Comparison and boolean operators are only allowed in conditions; in a
//     value field they are a compile error (Options.Condition).
//   - "!" binds tighter than comparisons, so !$Input.a == true means
//     (!$Input.a) == true; write !($Input.a == true) to negate a comparison.
//   - Array indexes and bracketed keys must be literals ([0], ["key"]);
//     negative indexes are a compile error.
//   - A constant function call (pure function, literal arguments) is folded at
//     compile time; if folding fails the call stays and fails at run time,
//     so wrong argument types are always run-time errors.
//   - format's placeholder is exactly "{}"; there is no escape.
//   - get and intAdd accept integral floats (2.0) as integers.
//   - Legacy [*] projects the rest of the path over an array and skips the
//     elements where it selects nothing.
//
// # Limits
//
// Sources are at most MaxSourceLen bytes and parse to at most 2,000 nodes.
// Evaluation walks each node once; every built-in is linear in its input
// (arrayUnique hashes scalars and compares only composite values pairwise),
// and regexMatchString uses RE2, so evaluation cost is bounded by the size of
// the expression and of the data, with no loops in the language. Panics are
// recovered into errors.
package eval
