// Package eval provides the expression language of CloudFlow flows: paths
// ($Input, $Output, $Context, $Global, $Item and the legacy $input, $local, $),
// literals, the built-in functions, Choice conditions, and constructors (maps
// whose keys ending in ".$" hold expressions).
//
// Everything is compiled once, when a flow version is parsed, and evaluated many
// times; compiled values are immutable and safe for concurrent use.
package eval
