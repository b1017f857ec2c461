package value

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
)

// stdDecode is the reference decoder: encoding/json with UseNumber, numbers
// then turned into int64 when integral and in range, else float64 (ok false
// for a number out of float64 range).
func stdDecode(b []byte) (v any, ok bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, false, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false, ErrTrailingData
	}
	v, ok = stdNumbers(v)
	return v, ok, nil
}

func stdNumbers(v any) (any, bool) {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i, true
		}
		f, err := strconv.ParseFloat(string(t), 64)
		return f, (err == nil || errors.Is(err, strconv.ErrRange)) && !math.IsInf(f, 0)
	case map[string]any:
		for k, e := range t {
			n, ok := stdNumbers(e)
			if !ok {
				return nil, false
			}
			t[k] = n
		}
	case []any:
		for i, e := range t {
			n, ok := stdNumbers(e)
			if !ok {
				return nil, false
			}
			t[i] = n
		}
	}
	return v, true
}

// stdEncode is the reference encoder: encoding/json without HTML escaping.
func stdEncode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// checkAgainstStd fails t when Decode and Encode disagree with encoding/json on doc.
func checkAgainstStd(t *testing.T, doc []byte) {
	t.Helper()
	got, gerr := Decode(doc)
	want, inRange, werr := stdDecode(doc)
	switch {
	case werr == nil && !inRange:
		if !errors.Is(gerr, ErrNumberRange) {
			t.Fatalf("Decode(%q) error = %v, want ErrNumberRange", doc, gerr)
		}
		return
	case (gerr != nil) != (werr != nil):
		t.Fatalf("Decode(%q) error = %v, encoding/json error = %v", doc, gerr, werr)
	case werr != nil:
		return
	}
	if !Equal(got, want) {
		t.Fatalf("Decode(%q) = %#v, want %#v", doc, got, want)
	}
	we, err := stdEncode(want)
	if err != nil {
		t.Fatalf("encoding/json(%#v): %v", want, err)
	}
	if ge, err := Encode(got); err != nil || !bytes.Equal(ge, we) {
		t.Fatalf("Encode(Decode(%q)) = %s, %v; want %s", doc, ge, err, we)
	}
	if n, ok := Size(got, len(we)); n != len(we) || !ok {
		t.Fatalf("Size(Decode(%q), %d) = %d, %v; want %d, true", doc, len(we), n, ok, len(we))
	}
}

func TestSize_MatchesEncode(t *testing.T) {
	values := []any{
		1e20, 1.5, 1e21, 1e-7, -0.000001, 123456.789, int64(-42), 7, nil, true, false,
		"a\"b\\c\n\u2028\x01\xff", []any{}, []any{int64(1), "x", nil},
		map[string]any{}, map[string]any{"k\t": []any{map[string]any{"z": 1.25, "a": false}}},
	}
	for _, v := range values {
		b, err := Encode(v)
		if err != nil {
			t.Fatal(err)
		}
		if n, ok := Size(v, 100); n != len(b) || !ok {
			t.Errorf("Size(%#v) = %d, %v; want len(%s) = %d", v, n, ok, b, len(b))
		}
		if len(b) > 2 {
			if _, ok := Size(v, len(b)-1); ok {
				t.Errorf("Size(%#v, %d) ok, want false above the limit", v, len(b)-1)
			}
		}
	}
	if got, want := MemberSize("key", []any{int64(1)}, 100), len(`"key":[1]`); got != want {
		t.Errorf("MemberSize(key, [1]) = %d, want %d", got, want)
	}
}

func TestDecodeEncode_MatchEncodingJSON(t *testing.T) {
	docs := []string{
		`{}`, `[]`, `{"a":1,"b":-2.5,"c":"x\"y\\z\n\u00e9\ud83d\ude00","d":[true,false,null],"e":{"z":1,"a":2}}`,
		`{"big":12345678901234567890}`, `{"f":1.0,"g":1E-7,"h":0.000001,"i":1e21,"j":-0}`,
		`{"html":"<a&b>","ctl":"\u0001","ls":"\u2028"}`, ` {"ws" : [ 1 , 2 ] } `, `"s"`, `3`,
		`{"bad":"\ud800"}`, `{"k":"\ud800\u0041"}`,
		`{"n":[0,-0,7,-7,999999999999999999,-999999999999999999,1000000000000000000,-9223372036854775808,9223372036854775807,9223372036854775808]}`,
		"{\"utf8\":\"caf\xc3\xa9\",\"raw\":\"a\xffb\",\"k\xfe\":1}",
		``, `{`, `{"a"}`, `[1,]`, `{"a":1,}`, `01`, `1.`, `-`, `tru`, `"\x"`, "\"a\x01\"", `{} {}`, `{"a":1e999}`,
	}
	for _, doc := range docs {
		t.Run(doc, func(t *testing.T) { checkAgainstStd(t, []byte(doc)) })
	}
}

func TestDecode_SyntaxErrorOffset(t *testing.T) {
	tests := []struct {
		name, in string
		offset   int
	}{
		{name: "bad character", in: `{"a":x}`, offset: 5},
		{name: "truncated", in: `{"a":`, offset: 5},
		{name: "missing colon", in: `{"a" 1}`, offset: 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode([]byte(tc.in))
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset != tc.offset {
				t.Errorf("Decode(%s) error = %v, want a *SyntaxError at byte %d", tc.in, err, tc.offset)
			}
		})
	}
}

func TestDecode_MaxDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1)
	if _, err := Decode([]byte(ok)); err != nil {
		t.Errorf("Decode(%d nested arrays) error = %v, want none", MaxDepth+1, err)
	}
	deep := "[" + ok + "]"
	var se *SyntaxError
	if _, err := Decode([]byte(deep)); !errors.As(err, &se) {
		t.Errorf("Decode(%d nested arrays) error = %v, want a *SyntaxError", MaxDepth+2, err)
	}
}

func TestEncode_Unsupported(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want error
	}{
		{name: "NaN", v: map[string]any{"x": math.NaN()}, want: ErrNumberRange},
		{name: "infinity", v: []any{math.Inf(1)}, want: ErrNumberRange},
		{name: "Go type outside the model", v: map[string]any{"x": struct{}{}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Encode(tc.v)
			if err == nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Encode(%v) = %s, %v; want an error (%v)", tc.v, b, err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,"x"]}`, `"\u00e9"`, `[null,true]`, `1e400`, `{"a":1} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { checkAgainstStd(t, b) })
}
