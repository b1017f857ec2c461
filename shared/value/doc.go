// Package value provides the JSON value model the engine works on: decoding JSON
// into plain Go values, encoding them back, and the equality and ordering rules of
// the flow language.
//
// # Representation
//
// A value is one of: nil (JSON null), bool, int64 (a JSON number that is an
// integer and fits in 64 bits), float64 (any other JSON number), string,
// []any (array) and map[string]any (object). Keeping integers as int64 means
// large identifiers survive a round trip exactly.
package value
