package payment_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// FuzzParseRequest checks, for any key and body, that ParseRequest
//   - never panics;
//   - returns a *payment.Error with status 400 (Invalid) or 422 (CardData);
//   - answers CardData whenever the key or the body holds a card number
//     by the contract's rule (checked with the reference scan: what reads
//     as nothing stripped by property, NFKC, then a naive scan): in a
//     well-formed body, in any decoded string (keys included) or number
//     literal; in a malformed one, anywhere in its text with JSON escapes
//     decoded. So no accepted body holds a Luhn-valid card number under
//     that normalization;
//   - accepts nothing encoding/json considers invalid;
//   - puts no run of 9 or more digits in a problem document: the longest
//     number a problem may state itself is 8 digits (99999999), so a
//     longer one could only come from the client;
//   - returns payments that validate again, unchanged, when their fields
//     are sent back as a body.
//
// Seeds are below and in testdata/fuzz/FuzzParseRequest.
func FuzzParseRequest(f *testing.F) {
	seeds := []struct{ key, body string }{
		{"k1", `{"amount":1250,"currency":"EUR","source":"tok_9aZk3Qw8LmN2pXr7","merchant_id":"m_1"}`},
		{"k2", `{"amount":1,"currency":"JPY","source":"pm_12345678","merchant_id":"m","description":"d","metadata":{"a":"b","c.d":"e"}}`},
		{"k3", `{"amount":99999999,"currency":"KWD","source":"src_abcdefgh","merchant_id":"m","description":"\u00e9\ud83d\ude00"}`},
		{"", `{}`},
		{"k", `{"amount":1.0,"amount":1e2,"currency":"eur","source":"4111111111111111","merchant_id":""}`},
		{"4111-1111-1111-1111", `{"amount":-0}`},
		{"k", `{"description":"\u0034111 1111 1111 1111"}`},
		{"k", `{"metadata":{"x":{"y":[1,2,{"z":null,"z":true}]}}}`},
		{"k", `[{"a":"b"}] {"c":"d"}`},
		{"k", "{\"amount\":12\xff}"},
		{"k", `{"a":"\ud800"}`},
		{"k", `{"amount":97277404341282328006,"currency":"XAU"}`},
		{"k", `{"amount":100000000000000000000,"currency":"EUR","source":"tok_12345678","merchant_id":"m"}`},
		{"k", `{"description":"４１１１.１１１１/１１１１_1111"}`},
		{"k", `{"description":"\uff14111\u00a01111\u00a01111\u00a01111"}`},
		{"k", "{\"description\":\"4111\u200b1111\u200b1111\u200b1111\"}"},
		{"k", `{"x":[4111, 1111, 1111, 1111]}`},
	}
	for _, s := range seeds {
		f.Add(s.key, []byte(s.body))
	}
	// The invisible set (issue 22): one code point of every range of
	// Default_Ignorable_Code_Point and each other kind the detector drops,
	// three of them between the digits of a key, a description, a
	// metadata key and a metadata value.
	for _, r := range invisibleSeeds() {
		hidden := strings.Join(strings.Split(testCard, ""), strings.Repeat(string(r), 3))
		valid := `"amount":1,"currency":"EUR","source":"tok_abcdefgh","merchant_id":"m"`
		f.Add(hidden, []byte("{"+valid+"}"))
		f.Add("k", []byte("{"+valid+`,"description":`+jsonString(hidden)+"}"))
		f.Add("k", []byte("{"+valid+`,"metadata":{`+jsonString(hidden)+`:"v","w":`+jsonString(hidden)+"}}"))
	}
	f.Fuzz(func(t *testing.T, key string, body []byte) {
		p, err := payment.ParseRequest(testOwner, key, body)
		cardInInput := naiveContainsCardNumber(key) || cardInBody(body) != ""
		if err != nil {
			var e *payment.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *payment.Error", err)
			}
			switch {
			case e.Name == errorname.Invalid && e.Problem.Status == http.StatusBadRequest && !cardInInput:
			case e.Name == errorname.CardData && e.Problem.Status == http.StatusUnprocessableEntity:
			default:
				t.Fatalf("error %s with status %d (card data in input: %v)", e.Name, e.Problem.Status, cardInInput)
			}
			if m := longDigitRun.FindString(e.ProblemJSON()); m != "" {
				t.Fatalf("the problem document holds the digit run %q: %s", m, e.ProblemJSON())
			}
			return
		}
		if cardInInput {
			t.Fatalf("accepted a request holding a card number: key %q body %q", key, body)
		}
		if !json.Valid(body) {
			t.Fatalf("accepted a body encoding/json rejects: %q", body)
		}
		if s := cardInBody(body); s != "" {
			t.Fatalf("accepted a body whose decoded text %q holds a card number", s)
		}
		again, err := payment.ParseRequest(testOwner, key, canonicalBody(t, p))
		if err != nil {
			t.Fatalf("an accepted payment does not validate again: %v", err)
		}
		if !reflect.DeepEqual(again, p) {
			t.Fatalf("validating again changed the payment:\n%+v\n%+v", p, again)
		}
	})
}

// canonicalBody writes a payment's request fields back as a body.
func canonicalBody(t *testing.T, p payment.Payment) []byte {
	t.Helper()
	m := map[string]any{"amount": p.Amount, "currency": p.Currency, "source": p.Source, "merchant_id": p.MerchantID}
	if p.Description != "" {
		m["description"] = p.Description
	}
	if p.Metadata != nil {
		m["metadata"] = p.Metadata
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cardInBody returns the text of body in which the naive scan finds a
// card number, or "": each decoded string (keys included) and number
// literal of a well-formed body, or the whole text of a malformed one with
// its JSON escapes decoded.
func cardInBody(body []byte) string {
	if !utf8.Valid(body) || !json.Valid(body) {
		if text := unescapeAll(body); naiveContainsCardNumber(text) {
			return text
		}
		return ""
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		var text string
		switch v := tok.(type) {
		case string:
			text = v
		case json.Number:
			text = string(v)
		default:
			continue
		}
		if naiveContainsCardNumber(text) {
			return text
		}
	}
}

// unescapeAll decodes every JSON escape of b as if b were the inside of
// one string; malformed escapes stay as written and lone surrogates become
// U+FFFD.
func unescapeAll(b []byte) string {
	var out []rune
	simple := map[byte]rune{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
	hex4 := func(i int) (rune, bool) {
		if i+4 > len(b) {
			return 0, false
		}
		v, err := strconv.ParseUint(string(b[i:i+4]), 16, 32)
		return rune(v), err == nil && !bytes.ContainsAny(b[i:i+4], "+-_xX")
	}
	for i := 0; i < len(b); {
		if b[i] == '\\' && i+1 < len(b) {
			if r, ok := simple[b[i+1]]; ok {
				out = append(out, r)
				i += 2
				continue
			}
			if b[i+1] == 'u' {
				if r, ok := hex4(i + 2); ok {
					i += 6
					if utf16.IsSurrogate(r) && i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if r2, ok := hex4(i + 2); ok && utf16.DecodeRune(r, r2) != utf8.RuneError {
							r = utf16.DecodeRune(r, r2)
							i += 6
						}
					}
					if utf16.IsSurrogate(r) {
						r = utf8.RuneError
					}
					out = append(out, r)
					continue
				}
			}
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			out = append(out, utf8.RuneError) // an invalid byte
		} else {
			out = append(out, r)
		}
		i += size
	}
	return string(out)
}

// invisibleSeeds returns one code point of each range of
// Default_Ignorable_Code_Point and each other kind of character that
// reads as nothing: a blank symbol, marks, a control character.
func invisibleSeeds() []rune {
	out := []rune{0x2800, 0x0301, 0x20E3, 0x0000, 0x0080}
	for _, rg := range defaultIgnorable15 {
		out = append(out, rg[0])
	}
	return out
}
