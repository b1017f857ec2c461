package interp

import (
	"testing"

	"github.com/cloudflow-oss/cloudflow/shared/value"
)

// The fast codec must agree with package value (encoding/json), except that
// decodeJSON rejects numbers out of float64 range, which cannot be encoded.
func TestJSON_DecodeEncode_MatchesValue(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":1,"b":-2.5,"c":"x\"y\\z\n\u00e9\ud83d\ude00","d":[true,false,null],"e":{"z":1,"a":2}}`,
		`{"big":12345678901234567890}`, `{"f":1.0,"g":1E-7,"h":0.000001,"i":1e21,"j":-0}`,
		`{"html":"<a&b>","ctl":"\u0001","ls":"\u2028"}`, ` {"ws" : [ 1 , 2 ] } `, `"s"`, `3`,
		`{"bad":"\ud800"}`, `{"k":"\ud800\u0041"}`,
		`{"n":[0,-0,7,-7,999999999999999999,-999999999999999999,1000000000000000000,-9223372036854775808,9223372036854775807,9223372036854775808]}`,
		"{\"utf8\":\"caf\xc3\xa9\",\"raw\":\"a\xffb\",\"k\xfe\":1}",
	}
	for _, doc := range docs {
		want, werr := value.Decode([]byte(doc))
		got, gerr := decodeJSON([]byte(doc))
		if (werr != nil) != (gerr != nil) {
			t.Errorf("decodeJSON(%s) error = %v, value.Decode error = %v", doc, gerr, werr)
			continue
		}
		if werr != nil {
			continue
		}
		if !value.Equal(got, want) {
			t.Errorf("decodeJSON(%s) = %#v, want %#v", doc, got, want)
		}
		we, _ := value.Encode(want)
		ge, err := encodeJSON(nil, got)
		if err != nil || string(ge) != string(we) {
			t.Errorf("encodeJSON(%s) = %s, %v; want %s", doc, ge, err, we)
		}
	}
	for _, bad := range []string{``, `{`, `{"a"}`, `[1,]`, `{"a":1,}`, `01`, `1.`, `-`, `tru`, `"\x"`, "\"a\x01\"", `{} {}`, `{"a":1e999}`} {
		if _, err := decodeJSON([]byte(bad)); err == nil {
			t.Errorf("decodeJSON(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"]}`, `"\u00e9"`, `[null,true]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, gerr := decodeJSON(b)
		want, werr := value.Decode(b)
		if werr == nil {
			if _, err := value.Encode(want); err != nil {
				return // e.g. 1e400: value.Decode keeps +Inf, decodeJSON rejects it
			}
		}
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("decodeJSON(%q) error %v, value.Decode error %v", b, gerr, werr)
		}
		if gerr == nil && !value.Equal(got, want) {
			t.Fatalf("decodeJSON(%q) = %v, want %v", b, got, want)
		}
	})
}
