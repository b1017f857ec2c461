// Package value provides the JSON value model the engine works on: the one
// JSON codec of the service (Decode, Encode, Append, and Size, the encoded
// length without encoding), the conversion of YAML nodes into values
// (FromYAML), the JSON type names used in messages (TypeName, Describe), and
// the equality rules of the flow language.
//
// # Representation
//
// A value is one of: nil (JSON null), bool, int64 (a JSON number that is an
// integer and fits in 64 bits), float64 (any other JSON number), string,
// []any (array) and map[string]any (object). Keeping integers as int64 means
// large identifiers survive a round trip exactly.
//
// # Codec
//
// Decode and Append are written for the engine's hot path: one string
// allocation per document (unescaped strings are substrings of it), integers
// without strconv, object keys sorted on a stack array. They accept and write
// exactly what encoding/json does for these values (without HTML escaping);
// the tests and FuzzDecode hold them to that.
package value
