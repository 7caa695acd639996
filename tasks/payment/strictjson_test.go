package payment

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseJSONAgreesWithEncodingJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"an object with every kind of value parses", `{"a":"s","b":-1.5e+3,"c":true,"d":false,"e":null,"f":[1,[2],{}],"g":{"h":"\u00e9\n"}}`, true},
		{"surrounding whitespace is allowed", " \t\r\n{} \n", true},
		{"a bare number parses", `0`, true},
		{"a leading zero is rejected", `01`, false},
		{"a lone minus is rejected", `-`, false},
		{"a number ending in a point is rejected", `1.`, false},
		{"an exponent without digits is rejected", `1e+`, false},
		{"a leading plus is rejected", `+1`, false},
		{"NaN is rejected", `NaN`, false},
		{"a truncated literal is rejected", `tru`, false},
		{"an unquoted key is rejected", `{a:1}`, false},
		{"a missing value is rejected", `{"a":}`, false},
		{"a missing colon is rejected", `{"a" 1}`, false},
		{"a trailing comma in an array is rejected", `[1,]`, false},
		{"an unclosed array is rejected", `[1`, false},
		{"an unclosed string is rejected", `"abc`, false},
		{"a short unicode escape is rejected", `"\u12"`, false},
		{"two values are rejected", `1 2`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseJSON([]byte(tt.in), nil)
			if (err == nil) != tt.ok {
				t.Errorf("parseJSON(%q) error = %v, want ok %v", tt.in, err, tt.ok)
			}
			if json.Valid([]byte(tt.in)) != tt.ok {
				t.Errorf("encoding/json disagrees on %q: the test case is wrong", tt.in)
			}
		})
	}
}

func TestParseJSONFindsDuplicatesAtEveryDepth(t *testing.T) {
	in := `{"a":1,"b":{"c":1,"c":2},"d":[{"e":1,"e":2}],"a":3}`
	_, dups, err := parseJSON([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []jsonDuplicate{{2, "b", "c"}, {3, "d", "e"}, {1, "a", "a"}}
	if len(dups) != len(want) {
		t.Fatalf("duplicates = %+v, want %+v", dups, want)
	}
	for i := range want {
		if dups[i] != want[i] {
			t.Errorf("duplicate %d = %+v, want %+v", i, dups[i], want[i])
		}
	}
}

func TestParseJSONFindsDuplicatesInLargeObjects(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		b.WriteString(`"k` + strings.Repeat("x", i) + `":1,`)
	}
	b.WriteString(`"kxxxxx":2}`)
	_, dups, err := parseJSON([]byte(b.String()), nil)
	if err != nil || len(dups) != 1 || dups[0].key != "kxxxxx" {
		t.Fatalf("duplicates = %+v, err = %v; want kxxxxx", dups, err)
	}
}

func TestBodyContainsCardNumberSeesThroughEscapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"escaped digits are digits", `"\u0034\u0031\u0031\u0031111111111111"`, true},
		{"an escaped space separates digits", `"4111\u00201111\u00201111\u00201111"`, true},
		{"an escaped dash in upper-case hex separates digits", `"4111\u002D1111\u002d1111-1111"`, true},
		{"escaped full-width digits are digits", `"\uff14\uff11\uff11\uff11111111111111"`, true},
		{"escaped Arabic-Indic digits are digits", `"\u0664\u0661\u0661\u0661111111111111"`, true},
		{"an escaped newline is a separator", `"41111111\n11111111"`, true},
		{"an escaped quote is a separator", `"41111111\"11111111"`, true},
		{"an escaped mathematical digit (a surrogate pair) is a digit", `"\ud835\udfd2111111111111111"`, true},
		{"three escaped separators end the run", `"4111\n\n\n1111\n\n\n1111\n\n\n1111"`, false},
		{"a malformed escape is kept as written", `"4111\u00g11111\u00g11111\u00g11111"`, false},
		{"escape letters end the run", `"4111\u00e91111\u00e91111\u00e91111"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := bodyContainsCardNumber([]byte(tt.in)); got != tt.want {
				t.Errorf("bodyContainsCardNumber(%s) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// The digit value of every Unicode decimal digit is its distance from the
// start of its range, mod 10: that holds only if every range of the Nd
// table is made of whole sets of ten.
func TestDigitValueKnowsEveryDecimalDigit(t *testing.T) {
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U (stride %d) is not made of whole sets of ten", lo, hi, stride)
		}
	}
	for _, r := range unicode.Nd.R16 {
		check(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		check(r.Lo, r.Hi, r.Stride)
	}
	for _, tc := range []struct {
		r    rune
		want byte
	}{{'7', 7}, {'\u0667', 7}, {'\u096d', 7}, {'\uff17', 7}, {'\U0001d7d5', 7}, {'\U0001e957', 7}} {
		if got, ok := digitValue(tc.r); !ok || got != tc.want {
			t.Errorf("digitValue(%U) = %d, %v; want %d", tc.r, got, ok, tc.want)
		}
	}
	for _, r := range []rune{'a', 'Ⅻ', '½', ' ', '\u0660' - 1} {
		if _, ok := digitValue(r); ok {
			t.Errorf("digitValue(%U) says it is a digit", r)
		}
	}
}

// FuzzStrictJSON checks the strict parser against encoding/json: it never
// accepts what encoding/json rejects, it accepts what encoding/json
// accepts unless that holds a lone surrogate or nests too deeply, and it
// decodes top-level strings the same way.
func FuzzStrictJSON(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `[1,2.5e-3,true,null]`, `"\ud83d\ude00"`, `{"a":{"b":[{}]}}`, `"\ud800"`, `-0`, `{"a":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if !utf8.Valid(in) {
			return // the caller rejects invalid UTF-8 before parsing
		}
		v, _, err := parseJSON(in, nil)
		valid := json.Valid(in)
		if err == nil && !valid {
			t.Fatalf("parseJSON accepted %q, which encoding/json rejects", in)
		}
		if err != nil && valid {
			switch err.Error() {
			case "a string holds a lone UTF-16 surrogate":
				if !bytes.Contains(in, []byte(`\u`)) {
					t.Fatalf("parseJSON found a lone surrogate in %q, which has no \\u escape", in)
				}
			case "the JSON value is nested too deeply":
				if bytes.Count(in, []byte("["))+bytes.Count(in, []byte("{")) <= maxDepth {
					t.Fatalf("parseJSON found %q nested too deeply", in)
				}
			default:
				t.Fatalf("parseJSON rejected %q, which encoding/json accepts: %v", in, err)
			}
		}
		if err == nil && v.kind == jsonString {
			var s string
			if err := json.Unmarshal(in, &s); err != nil || s != v.text {
				t.Fatalf("parseJSON decoded %q as %q, encoding/json as %q", in, v.text, s)
			}
		}
	})
}
