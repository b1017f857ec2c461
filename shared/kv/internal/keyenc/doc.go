// Package keyenc maps kv keys, which are any bytes, to valid UTF-8 strings
// that keep the keys' byte order and prefixes, for the cloud stores (DynamoDB
// and Tablestore) whose string keys must be UTF-8 and compare as UTF-8 bytes.
//
// It imports no cloud SDK, so packages dynamo and tablestore share it without
// either binary linking the other cloud's SDK.
//
// # Encoding
//
// Bytes below 0x80 stay as they are; each byte 0x80-0xFF becomes the rune
// U+0080-U+00FF (two bytes, 0xC2 or 0xC3 then a continuation byte). Comparing
// two encoded keys as bytes gives the order of the keys, an encoded key has an
// encoded prefix exactly when the key has that prefix, and every encoded key
// with an encoded prefix p sorts below p + End. ASCII keys, which is all the
// service writes, are stored unchanged.
package keyenc
