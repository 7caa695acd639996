package aslrun

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// slowEncode is encodeJSON's general path.
func slowEncode(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var fastJSONCases = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e3`, `-12.25E-2`, `123456789012345678901234567890`,
	`"plain"`, `"é ü 😀"`, `"tab\tnew\nline"`, `"quote \" and \\ slash \/"`, `"\u2028\u2029"`, `"\u0001\b\f"`,
	`"\ud83d\ude00"`, `"\ud800"`, `"\u00e9\u20AC x\u0000"`, `"bad \x"`, `"\u12"`, `"\u12g4"`, `"\u+123"`, "\"é\\n\xff\"", `"<html>&"`, `"\u007f"`,
	` {"a" : [1, 2 ,{"b":null}], "c":"d" } `,
	`{"requestId":"req-1","idempotencyKey":"k-1","body":"eyJhbW91bnQiOjEyNTB9"}`,
	`{"a":1,"a":2}`, `{"b":1,"a":{"b":[true,false,null]}}`,
	// Texts both decoders must refuse.
	``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `01`, `1.`, `.5`, `1e`, `-`, `1e400`, `-1e400`, `tru`, `truex`, `nul`,
	`"unterminated`, "\"ctrl\x01\"", "\"bad utf8 \xff\"", `{} {}`, `[1 2]`, `{1:2}`, `[` + string(bytes.Repeat([]byte("["), 300)),
}

// The fast decoder gives what asl.DecodeJSON gives, or leaves the text to
// it; the fast encoder gives what encoding/json gives.
func TestFastJSONMatchesTheGeneralPath(t *testing.T) {
	for _, in := range fastJSONCases {
		checkFastJSON(t, []byte(in))
	}
	deep := bytes.Repeat([]byte("["), 257)
	deep = append(deep, bytes.Repeat([]byte("]"), 257)...)
	checkFastJSON(t, deep)
	if _, ok := fastDecode([]byte(`{"a":1}`)); !ok {
		t.Error("the fast decoder leaves a plain object to the general one")
	}
}

func checkFastJSON(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr := asl.DecodeJSON(in)
	got, ok := fastDecode(in)
	if ok && (wantErr != nil || !sameValue(got, want)) {
		t.Errorf("fastDecode(%q) = %#v, want %#v (%v)", in, got, want, wantErr)
	}
	if wantErr != nil {
		return
	}
	wantOut, err := slowEncode(want)
	if err != nil {
		t.Fatalf("%q: %v", in, err)
	}
	if gotOut, ok := fastEncode(nil, want); ok && !bytes.Equal(gotOut, wantOut) {
		t.Errorf("fastEncode(%q) = %s, want %s", in, gotOut, wantOut)
	}
	if gotOut, err := encodeJSON(want); err != nil || !bytes.Equal(gotOut, wantOut) {
		t.Errorf("encodeJSON(%q) = %s %v, want %s", in, gotOut, err, wantOut)
	}
}

// Values the fast encoder leaves to encoding/json keep its rendering,
// errors included.
func TestFastEncodeLeavesOtherValuesToEncodingJSON(t *testing.T) {
	nilArr := []any(nil)
	for _, v := range []any{
		nilArr, obj("a", nilArr), []any{nilArr}, json.Number(""), []any{json.Number("")}, obj("n", json.Number("NaN")),
		3.5, []any{int64(7)}, obj("m", map[string]any{"z": 1, "a": "<"}), "bad utf8 \xff and \x00 and \u2028",
	} {
		want, wantErr := slowEncode(v)
		got, err := encodeJSON(v)
		if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
			t.Errorf("encodeJSON(%#v) = %s, %v; want %s, %v", v, got, err, want, wantErr)
		}
	}
}

func FuzzFastJSON(f *testing.F) {
	for _, in := range fastJSONCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		checkFastJSON(t, in)
		s := string(in)
		want, _ := slowEncode(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

// sameValue reports whether a and b are the same decoded value: the same
// types, strings and number texts, objects with the same keys in the same
// order and the same members, whichever form (asl.Object) they have.
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case *asl.Object:
		y, ok := b.(*asl.Object)
		if !ok || x.Len() != y.Len() {
			return false
		}
		for i := range x.Len() {
			kx, vx := x.Member(i)
			ky, vy := y.Member(i)
			if kx != ky || !sameValue(vx, vy) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) || (x == nil) != (y == nil) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// validNumber's integer shortcut agrees with the full grammar.
func TestValidNumberShortcut(t *testing.T) {
	full := func(s string) bool {
		if len(s) == 0 || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
			return false
		}
		d := fastDecoder{data: s}
		_, ok := d.number()
		return ok && d.pos == len(s)
	}
	for _, s := range []string{"0", "-0", "01", "-01", "-", "", "+1", "1e5", "12", "-12", "1.5", "123456789012345",
		"1234567890123456", "-123456789012345", "9 ", " 9", "1-", "00", "7x"} {
		if got, want := validNumber(s), full(s); got != want {
			t.Errorf("validNumber(%q) = %v, want %v", s, got, want)
		}
		if isPlainInteger(s) && !full(s) {
			t.Errorf("isPlainInteger(%q) accepts what the grammar refuses", s)
		}
	}
}
