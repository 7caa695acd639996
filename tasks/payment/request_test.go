package payment_test

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

const (
	testKey   = "order-7f3a2c-attempt-1"
	testToken = "tok_9aZk3Qw8LmN2pXr7"
	testCard  = "4111111111111111"
	testOwner = "arn:aws:iam::111122223333:user/merchant-service"
)

// body builds a request body from a valid one: set replaces or adds raw
// JSON members ("amount": "1.5"), drop removes fields.
func body(set map[string]string, drop ...string) []byte {
	fields := []struct{ k, v string }{
		{"amount", "1250"},
		{"currency", `"EUR"`},
		{"source", `"` + testToken + `"`},
		{"merchant_id", `"merchant_42"`},
	}
	var parts []string
	for _, f := range fields {
		if slices.Contains(drop, f.k) {
			continue
		}
		v := f.v
		if nv, ok := set[f.k]; ok {
			v = nv
		}
		parts = append(parts, fmt.Sprintf("%q:%s", f.k, v))
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.ContainsFunc(fields, func(f struct{ k, v string }) bool { return f.k == k }) {
			parts = append(parts, fmt.Sprintf("%q:%s", k, set[k]))
		}
	}
	return []byte("{" + strings.Join(parts, ",") + "}")
}

func TestParseRequestAcceptsValidRequests(t *testing.T) {
	twentyKeys := make([]string, 20)
	for i := range twentyKeys {
		twentyKeys[i] = fmt.Sprintf(`"k%02d":"v"`, i)
	}
	tests := []struct {
		name string
		key  string
		body []byte
		want payment.Payment // ID and hashes are checked separately
	}{
		{
			name: "a minimal request is accepted",
			key:  testKey, body: body(nil),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "a request with description and metadata is accepted",
			key:  testKey,
			body: body(map[string]string{"description": `"Order #1234 – two mugs"`, "metadata": `{"order_id":"A-1234","channel.web":"yes"}`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42",
				Description: "Order #1234 – two mugs", Metadata: map[string]string{"order_id": "A-1234", "channel.web": "yes"}},
		},
		{
			name: "the smallest and a zero-decimal currency are accepted",
			key:  testKey, body: body(map[string]string{"amount": "1", "currency": `"JPY"`}),
			want: payment.Payment{Amount: 1, Currency: "JPY", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "the largest amount and a three-decimal currency are accepted",
			key:  testKey, body: body(map[string]string{"amount": "99999999", "currency": `"KWD"`}),
			want: payment.Payment{Amount: 99999999, Currency: "KWD", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "pm_ and src_ tokens and a 64-character merchant id are accepted",
			key:  testKey, body: body(map[string]string{"source": `"pm_12345678"`, "merchant_id": `"` + strings.Repeat("m", 64) + `"`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: "pm_12345678", MerchantID: strings.Repeat("m", 64)},
		},
		{
			name: "a src_ token of 64 characters is accepted",
			key:  testKey, body: body(map[string]string{"source": `"src_` + strings.Repeat("Ab9", 21) + `x"`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: "src_" + strings.Repeat("Ab9", 21) + "x", MerchantID: "merchant_42"},
		},
		{
			name: "a 255-character key of printable ASCII is accepted",
			key:  strings.Repeat("~ !", 85), body: body(nil),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "whitespace, escapes and key order do not matter",
			key:  testKey,
			body: []byte(" \n\t{ \"merchant_id\" : \"merchant\\u005f42\" ,\r\n \"source\":\"tok_9aZk3Qw8LmN2pXr7\", \"currency\":\"\\u0045UR\", \"amount\" : 1250 }\n"),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "a 500-character description of multi-byte characters is accepted",
			key:  testKey, body: body(map[string]string{"description": `"` + strings.Repeat("é", 499) + `😀"`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42",
				Description: strings.Repeat("é", 499) + "😀"},
		},
		{
			name: "a description with a surrogate-pair escape is accepted",
			key:  testKey, body: body(map[string]string{"description": `"smile \ud83d\ude00"`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42", Description: "smile 😀"},
		},
		{
			name: "metadata with 20 keys is accepted",
			key:  testKey, body: body(map[string]string{"metadata": "{" + strings.Join(twentyKeys, ",") + "}"}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42",
				Metadata: func() map[string]string {
					m := map[string]string{}
					for i := range 20 {
						m[fmt.Sprintf("k%02d", i)] = "v"
					}
					return m
				}()},
		},
		{
			name: "an empty description and empty metadata are the same as none",
			key:  testKey, body: body(map[string]string{"description": `""`, "metadata": `{}`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42"},
		},
		{
			name: "short digit runs such as an order number and a phone extension are accepted",
			key:  testKey, body: body(map[string]string{"description": `"order 12345678, ext. 1234-5678"`}),
			want: payment.Payment{Amount: 1250, Currency: "EUR", Source: testToken, MerchantID: "merchant_42",
				Description: "order 12345678, ext. 1234-5678"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := payment.ParseRequest(testOwner, tt.key, tt.body)
			if err != nil {
				t.Fatalf("ParseRequest() error = %v", err)
			}
			if got.ID != payment.DeriveID(testOwner, tt.key) || got.IdempotencyKeyHash != payment.HashIdempotencyKey(testOwner, tt.key) || got.Owner != testOwner {
				t.Errorf("id %q / key hash %q are not derived from the key", got.ID, got.IdempotencyKeyHash)
			}
			if got.RequestHash != payment.RequestHash(got) || len(got.RequestHash) != len("v2:")+64 || !strings.HasPrefix(got.RequestHash, "v2:") {
				t.Errorf("request hash %q is not the hash of the validated fields", got.RequestHash)
			}
			got.ID, got.IdempotencyKeyHash, got.RequestHash, got.Owner = "", "", "", ""
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ParseRequest() =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func TestParseRequestRejectsBadInput(t *testing.T) {
	const (
		bad  = http.StatusBadRequest
		card = http.StatusUnprocessableEntity
	)
	long := func(n int) string { return `"` + strings.Repeat("a", n) + `"` }
	tests := []badCase{
		// The Idempotency-Key header.
		{"a missing idempotency key is invalid", "", body(nil), bad, []string{"Idempotency-Key"}},
		{"a 256-character idempotency key is invalid", strings.Repeat("k", 256), body(nil), bad, []string{"Idempotency-Key"}},
		{"an idempotency key with a tab is invalid", "abc\tdef", body(nil), bad, []string{"Idempotency-Key"}},
		{"an idempotency key with non-ASCII letters is invalid", "clé-123", body(nil), bad, []string{"Idempotency-Key"}},
		{"an idempotency key with DEL is invalid", "abc\x7f", body(nil), bad, []string{"Idempotency-Key"}},
		{"an idempotency key holding a card number is card data", "key-" + testCard, body(nil), card, []string{"Idempotency-Key"}},

		// The body as a whole.
		{"a missing body is invalid", testKey, nil, bad, []string{"body"}},
		{"a body over 16 KiB is invalid", testKey, body(map[string]string{"description": long(16 << 10)}), bad, []string{"body"}},
		{"a body that is not UTF-8 is invalid", testKey, body(map[string]string{"description": "\"caf\xe9\""}), bad, []string{"body"}},
		{"a JSON array is invalid", testKey, []byte(`[1250,"EUR"]`), bad, []string{"body"}},
		{"a JSON string is invalid", testKey, []byte(`"hello"`), bad, []string{"body"}},
		{"JSON null is invalid", testKey, []byte(`null`), bad, []string{"body"}},
		{"whitespace alone is invalid", testKey, []byte(" \n "), bad, []string{"body"}},
		{"a truncated object is invalid", testKey, body(nil)[:30], bad, []string{"body"}},
		{"a second object after the first is invalid", testKey, append(body(nil), "{}"...), bad, []string{"body"}},
		{"trailing garbage after the object is invalid", testKey, append(body(nil), " x"...), bad, []string{"body"}},
		{"a trailing comma is invalid", testKey, []byte(`{"amount":1250,}`), bad, []string{"body"}},
		{"single quotes are invalid", testKey, []byte(`{'amount':1250}`), bad, []string{"body"}},
		{"a comment is invalid", testKey, []byte(`{"amount":1250 /* c */}`), bad, []string{"body"}},
		{"a leading byte order mark is invalid", testKey, append([]byte("\xef\xbb\xbf"), body(nil)...), bad, []string{"body"}},
		{"an unescaped control character in a string is invalid", testKey, body(map[string]string{"description": "\"a\nb\""}), bad, []string{"body"}},
		{"an invalid escape is invalid", testKey, body(map[string]string{"description": `"a\qb"`}), bad, []string{"body"}},
		{"a lone surrogate escape is invalid", testKey, body(map[string]string{"description": `"a\ud800b"`}), bad, []string{"body"}},
		{"a number with a leading zero is invalid", testKey, body(map[string]string{"amount": "0100"}), bad, []string{"body"}},
		{"nesting deeper than 32 levels is invalid", testKey, body(map[string]string{"x": strings.Repeat("[", 40) + strings.Repeat("]", 40)}), bad, []string{"body"}},
		{"an empty object lacks every required field", testKey, []byte(`{}`), bad, []string{"amount", "currency", "source", "merchant_id"}},

		// Keys.
		{"a duplicate top-level key is invalid", testKey, []byte(`{"amount":1250,"amount":1,"currency":"EUR","source":"` + testToken + `","merchant_id":"m"}`), bad, []string{"amount"}},
		{"a duplicate metadata key is invalid", testKey, body(map[string]string{"metadata": `{"a":"1","a":"2"}`}), bad, []string{"metadata.a"}},
		{"a duplicate key deep inside an unknown field is reported", testKey, body(map[string]string{"extra": `[{"a":1,"a":2}]`}), bad, []string{"extra", "extra"}},
		{"an unknown field is named", testKey, body(map[string]string{"capture": "true"}), bad, []string{"capture"}},
		{"an unknown field with a long number in its name is not named", testKey, body(map[string]string{"x1234567": "1"}), bad, []string{"body"}},
		{"a field name in another case is unknown", testKey, []byte(`{"Amount":1250,"currency":"EUR","source":"` + testToken + `","merchant_id":"m"}`), bad, []string{"Amount", "amount"}},

		// amount.
		{"a missing amount is invalid", testKey, body(nil, "amount"), bad, []string{"amount"}},
		{"a zero amount is invalid", testKey, body(map[string]string{"amount": "0"}), bad, []string{"amount"}},
		{"a negative amount is invalid", testKey, body(map[string]string{"amount": "-5"}), bad, []string{"amount"}},
		{"an amount over 99,999,999 is invalid", testKey, body(map[string]string{"amount": "100000000"}), bad, []string{"amount"}},
		// A long number almost always holds a Luhn-valid run (card data);
		// this one, beyond int64, does not.
		{"an amount beyond int64 is invalid", testKey, body(map[string]string{"amount": "97277404341282328006"}), bad, []string{"amount"}},
		{"an amount written 1.0 is invalid", testKey, body(map[string]string{"amount": "1.0"}), bad, []string{"amount"}},
		{"an amount written 1e2 is invalid", testKey, body(map[string]string{"amount": "1e2"}), bad, []string{"amount"}},
		{"an amount written -0 is invalid", testKey, body(map[string]string{"amount": "-0"}), bad, []string{"amount"}},
		{"an amount as a string is invalid", testKey, body(map[string]string{"amount": `"1250"`}), bad, []string{"amount"}},
		{"a null amount is invalid", testKey, body(map[string]string{"amount": "null"}), bad, []string{"amount"}},
		{"a boolean amount is invalid", testKey, body(map[string]string{"amount": "true"}), bad, []string{"amount"}},

		// currency.
		{"a missing currency is invalid", testKey, body(nil, "currency"), bad, []string{"currency"}},
		{"a lower-case currency is invalid", testKey, body(map[string]string{"currency": `"eur"`}), bad, []string{"currency"}},
		{"a historic currency (DEM) is invalid", testKey, body(map[string]string{"currency": `"DEM"`}), bad, []string{"currency"}},
		{"a withdrawn currency (HRK) is invalid", testKey, body(map[string]string{"currency": `"HRK"`}), bad, []string{"currency"}},
		{"gold (XAU) is not a payment currency", testKey, body(map[string]string{"currency": `"XAU"`}), bad, []string{"currency"}},
		{"a currency number is invalid", testKey, body(map[string]string{"currency": "978"}), bad, []string{"currency"}},
		{"a currency with spaces is invalid", testKey, body(map[string]string{"currency": `" EUR"`}), bad, []string{"currency"}},

		// source.
		{"a missing source is invalid", testKey, body(nil, "source"), bad, []string{"source"}},
		{"a token with an unknown prefix is invalid", testKey, body(map[string]string{"source": `"card_12345678"`}), bad, []string{"source"}},
		{"a token too short is invalid", testKey, body(map[string]string{"source": `"tok_1234567"`}), bad, []string{"source"}},
		{"a token too long is invalid", testKey, body(map[string]string{"source": `"tok_` + strings.Repeat("a", 65) + `"`}), bad, []string{"source"}},
		{"a token with punctuation is invalid", testKey, body(map[string]string{"source": `"tok_abc-defgh"`}), bad, []string{"source"}},
		{"a source object is invalid", testKey, body(map[string]string{"source": `{"number":"x"}`}), bad, []string{"source"}},
		{"a card number as the source is card data", testKey, body(map[string]string{"source": `"` + testCard + `"`}), card, []string{"source"}},
		{"a token holding a card number is card data", testKey, body(map[string]string{"source": `"tok_` + testCard + `"`}), card, []string{"source"}},

		// merchant_id.
		{"a missing merchant id is invalid", testKey, body(nil, "merchant_id"), bad, []string{"merchant_id"}},
		{"an empty merchant id is invalid", testKey, body(map[string]string{"merchant_id": `""`}), bad, []string{"merchant_id"}},
		{"a 65-character merchant id is invalid", testKey, body(map[string]string{"merchant_id": long(65)}), bad, []string{"merchant_id"}},
		{"a merchant id with a slash is invalid", testKey, body(map[string]string{"merchant_id": `"a/b"`}), bad, []string{"merchant_id"}},

		// description.
		{"a 501-character description is invalid", testKey, body(map[string]string{"description": long(501)}), bad, []string{"description"}},
		{"a description with an escaped control character is invalid", testKey, body(map[string]string{"description": `"a\u0000b"`}), bad, []string{"description"}},
		{"a description with a C1 control character is invalid", testKey, body(map[string]string{"description": "\"a\u0085b\""}), bad, []string{"description"}},
		{"a numeric description is invalid", testKey, body(map[string]string{"description": "42"}), bad, []string{"description"}},
		{"a null description is invalid", testKey, body(map[string]string{"description": "null"}), bad, []string{"description"}},
		{"a card number in the description is card data", testKey, body(map[string]string{"description": `"pay with 4111 1111 1111 1111"`}), card, []string{"description"}},
		{"an escaped card number in the description is card data", testKey, body(map[string]string{"description": `"\u0034111-1111-1111-1111"`}), card, []string{"description"}},

		// metadata.
		{"metadata that is an array is invalid", testKey, body(map[string]string{"metadata": `["a"]`}), bad, []string{"metadata"}},
		{"metadata with 21 keys is invalid", testKey, body(map[string]string{"metadata": `{` + metaKeys(21) + `}`}), bad, []string{"metadata"}},
		{"metadata with 21 keys still has each entry checked", testKey, body(map[string]string{"metadata": `{` + metaKeys(20) + `,"n":1}`}), bad, []string{"metadata", "metadata.n"}},
		{"a metadata key of 41 characters is invalid and not shown", testKey, body(map[string]string{"metadata": `{` + long(41) + `:"v"}`}), bad, []string{"metadata"}},
		{"an empty metadata key is invalid", testKey, body(map[string]string{"metadata": `{"":"v"}`}), bad, []string{"metadata"}},
		{"a metadata key with a space is invalid", testKey, body(map[string]string{"metadata": `{"a b":"v"}`}), bad, []string{"metadata"}},
		{"a numeric metadata value is invalid", testKey, body(map[string]string{"metadata": `{"n":1}`}), bad, []string{"metadata.n"}},
		{"a nested metadata object is invalid", testKey, body(map[string]string{"metadata": `{"n":{"a":"b"}}`}), bad, []string{"metadata.n"}},
		{"a 501-character metadata value is invalid", testKey, body(map[string]string{"metadata": `{"n":` + long(501) + `}`}), bad, []string{"metadata.n"}},
		{"a metadata value with a newline is invalid", testKey, body(map[string]string{"metadata": `{"n":"a\nb"}`}), bad, []string{"metadata.n"}},
		{"a card number in a metadata value is card data", testKey, body(map[string]string{"metadata": `{"pan":"5555-5555-5555-4444"}`}), card, []string{"metadata.pan"}},
		{"a card number as a metadata key is card data without the key", testKey, body(map[string]string{"metadata": `{"` + testCard + `":"v"}`}), card, []string{"metadata"}},
		{"a card number in an unknown field is card data", testKey, body(map[string]string{"card": `"` + testCard + `"`}), card, []string{"card"}},
		{"a card number as a JSON number is card data", testKey, body(map[string]string{"amount": testCard}), card, []string{"amount"}},
		{"a card number as a field name is card data without the name", testKey, body(map[string]string{testCard: `"x"`}), card, []string{"body"}},
		{"a card number in a malformed body is card data", testKey, []byte(`{"amount": 1250, "x": 4111 1111 1111 1111`), card, []string{"body"}},
		{"a card number after the object is card data", testKey, append(body(nil), ` {"x":"\u0034111111111111111"}`...), card, []string{"x"}},

		{"an amount of 10^20 is out of range, not card data", testKey, body(map[string]string{"amount": "100000000000000000000"}), bad, []string{"amount"}},
		{"an amount of 10^20 written with an exponent is invalid", testKey, body(map[string]string{"amount": "1e20"}), bad, []string{"amount"}},
		{"a card number as a JSON number with a fraction is card data", testKey, body(map[string]string{"amount": testCard + ".0"}), card, []string{"amount"}},
		{"a card number as a JSON number with an exponent is card data", testKey, body(map[string]string{"amount": "4.111111111111111e15"}), card, []string{"amount"}},
		{"a card number in a number inside an unknown array is card data", testKey, body(map[string]string{"x": "[1, " + testCard + "]"}), card, []string{"x"}},
		{"escaped full-width digits in a metadata value are card data", testKey, body(map[string]string{"metadata": `{"ref":"\uff14\uff11\uff11\uff11 1111 1111 1111"}`}), card, []string{"metadata.ref"}},
		{"full-width digits in a malformed body are card data", testKey, []byte(`{"description": "４１１１ １１１１ １１１１ １１１１`), card, []string{"body"}},
		{"escaped full-width digits in a malformed body are card data", testKey, []byte(`{"x": "\uff14\uff11\uff11\uff11.1111.1111.1111`), card, []string{"body"}},
		{"a card number in a body that is not UTF-8 is card data", testKey, []byte("{\"d\":\"\xff4111 1111 1111 1111\"}"), card, []string{"body"}},
		// The contract checks each string and number of a well-formed
		// body on its own: digits spread over array items are not one
		// card number (the body is invalid all the same).
		{"digits spread over the numbers of an array are not card data", testKey, body(map[string]string{"x": "[4111, 1111, 1111, 1111]"}), bad, []string{"x"}},

		// Several problems at once.
		{"every problem is listed", "", []byte(`{"amount":0,"currency":"usd","source":"","merchant_id":"","description":1,"metadata":[],"extra":1}`), bad,
			[]string{"Idempotency-Key", "extra", "amount", "currency", "source", "merchant_id", "description", "metadata"}},
		{"card data takes precedence over every other problem", "", []byte(`{"amount":0,"currency":"usd","description":"4111111111111111"`), card, []string{"description"}},
		{"card data in the key and the body lists both", "k" + testCard, body(map[string]string{"description": `"` + testCard + `"`}), card, []string{"Idempotency-Key", "description"}},
	}
	// Every encoding of a card number, in every place a client can put one.
	for _, e := range cardEncodings {
		quoted, _ := json.Marshal(e.text)
		tests = append(tests,
			badCase{"a card number written with " + e.name + " in the description is card data", testKey,
				body(map[string]string{"description": string(quoted)}), card, []string{"description"}},
			badCase{"a card number written with " + e.name + " in a metadata value is card data", testKey,
				body(map[string]string{"metadata": `{"note":` + string(quoted) + `}`}), card, []string{"metadata.note"}},
			badCase{"a card number written with " + e.name + " as a metadata key is card data", testKey,
				body(map[string]string{"metadata": `{` + string(quoted) + `:"v"}`}), card, []string{"metadata"}},
			badCase{"a card number written with " + e.name + " as the source is card data", testKey,
				body(map[string]string{"source": string(quoted)}), card, []string{"source"}},
			badCase{"a card number written with " + e.name + " in the key is card data", "k-" + e.text,
				body(nil), card, []string{"Idempotency-Key"}},
			badCase{"a card number written with " + e.name + " with every character escaped is card data", testKey,
				body(map[string]string{"description": escapeAll(e.text)}), card, []string{"description"}},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := payment.ParseRequest(testOwner, tt.key, tt.body)
			if err == nil {
				t.Fatalf("ParseRequest() accepted the request: %+v", p)
			}
			var e *payment.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not a *payment.Error", err)
			}
			wantName := errorname.Invalid
			if tt.wantStatus == card {
				wantName = errorname.CardData
			}
			if e.Name != wantName || e.Problem.Status != tt.wantStatus {
				t.Errorf("error = %s (%d), want %s (%d)", e.Name, e.Problem.Status, wantName, tt.wantStatus)
			}
			var fields []string
			for _, f := range e.Problem.Errors {
				fields = append(fields, f.Field)
				if f.Detail == "" {
					t.Errorf("field %q has no detail", f.Field)
				}
			}
			if !slices.Equal(fields, tt.wantFields) {
				t.Errorf("fields = %q, want %q (problem %s)", fields, tt.wantFields, e.ProblemJSON())
			}
			assertEchoesNothing(t, e, tt.key, tt.body)
		})
	}
	if len(tests) < 45 {
		t.Fatalf("only %d bad-input cases", len(tests))
	}
}

// badCase is a request ParseRequest must refuse, with the status and the
// fields its problem document names.
type badCase struct {
	name       string
	key        string
	body       []byte
	wantStatus int
	wantFields []string
}

// escapeAll writes s as a JSON string with every character a \u escape
// (surrogate pairs beyond the BMP).
func escapeAll(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, `\u%04x`, u)
	}
	b.WriteByte('"')
	return b.String()
}

func metaKeys(n int) string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf(`"k%d":"v"`, i)
	}
	return strings.Join(keys, ",")
}

var longDigitRun = regexp.MustCompile(`[0-9]{9,}`)

// assertEchoesNothing checks that a problem document repeats nothing the
// client sent: not the key, not the card number, not the token, not any
// long number.
func assertEchoesNothing(t *testing.T, e *payment.Error, key string, body []byte) {
	t.Helper()
	doc := e.ProblemJSON()
	if len(key) >= 8 && strings.Contains(doc, key) {
		t.Errorf("the problem document repeats the idempotency key: %s", doc)
	}
	for _, secret := range []string{testCard, "4111", "5555", testToken, "9aZk3Qw8"} {
		if strings.Contains(doc, secret) {
			t.Errorf("the problem document repeats %q: %s", secret, doc)
		}
	}
	if m := longDigitRun.FindString(doc); m != "" {
		t.Errorf("the problem document holds the digit run %q: %s", m, doc)
	}
	if e.Problem.Type != payment.ProblemTypeBase+string(e.Name) || e.Problem.Title == "" {
		t.Errorf("problem type/title = %q/%q", e.Problem.Type, e.Problem.Title)
	}
}

func TestRequestHashIgnoresKeyOrderAndWhitespace(t *testing.T) {
	a := []byte(`{"amount":1250,"currency":"EUR","source":"` + testToken + `","merchant_id":"m1","metadata":{"a":"1","b":"2"}}`)
	b := []byte("{\n  \"metadata\": {\"b\": \"2\", \"a\": \"1\"},\n  \"merchant_id\": \"m1\",\n  \"source\": \"" + testToken + "\",\n  \"currency\": \"\\u0045UR\",\n  \"amount\": 1250\n}")
	pa, err := payment.ParseRequest(testOwner, testKey, a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := payment.ParseRequest(testOwner, "another-key", b)
	if err != nil {
		t.Fatal(err)
	}
	if pa.RequestHash != pb.RequestHash {
		t.Errorf("request hashes differ: %s != %s", pa.RequestHash, pb.RequestHash)
	}
}

func TestRequestHashChangesWithEveryField(t *testing.T) {
	base, err := payment.ParseRequest(testOwner, testKey, body(nil))
	if err != nil {
		t.Fatal(err)
	}
	changes := map[string]map[string]string{
		"amount":      {"amount": "1251"},
		"currency":    {"currency": `"USD"`},
		"source":      {"source": `"tok_9aZk3Qw8LmN2pXr8"`},
		"merchant_id": {"merchant_id": `"merchant_43"`},
		"description": {"description": `"x"`},
		"metadata":    {"metadata": `{"a":"b"}`},
	}
	for field, set := range changes {
		t.Run("a different "+field+" changes the request hash", func(t *testing.T) {
			p, err := payment.ParseRequest(testOwner, testKey, body(set))
			if err != nil {
				t.Fatal(err)
			}
			if p.RequestHash == base.RequestHash {
				t.Errorf("request hash unchanged")
			}
			if p.ID != base.ID {
				t.Errorf("the id changed with the body: %s != %s", p.ID, base.ID)
			}
		})
	}
}

// digest is the reference of a derivation: SHA-256 over the length-
// prefixed parts and the key.
func digest(key string, parts ...string) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(fmt.Sprintf("%d:%s", len(p), p)))
	}
	h.Write([]byte(key))
	return h.Sum(nil)
}

func TestDeriveIDScopesTheKeyToItsOwnerUnderAVersionedTag(t *testing.T) {
	want := "pay_" + strings.ToLower(base32.StdEncoding.EncodeToString(digest(testKey, "payment-id/v2", testOwner)))[:26]
	got := payment.DeriveID(testOwner, testKey)
	if got != want {
		t.Errorf("DeriveID() = %q, want %q", got, want)
	}
	if !payment.ValidID(got) {
		t.Errorf("ValidID(%q) = false", got)
	}
	if h := payment.HashIdempotencyKey(testOwner, testKey); h != "v2:"+hex.EncodeToString(digest(testKey, "idempotency-key/v2", testOwner)) {
		t.Errorf("HashIdempotencyKey() = %q", h)
	}
	// Version 1, unversioned, is what payments and keys stored before
	// carry: the migration looks them up by it.
	legacy := digest(testKey, testOwner)
	if got := payment.LegacyDeriveID(testOwner, testKey); got != "pay_"+strings.ToLower(base32.StdEncoding.EncodeToString(legacy))[:26] || got == payment.DeriveID(testOwner, testKey) {
		t.Errorf("LegacyDeriveID() = %q", got)
	}
	if got := payment.LegacyHashIdempotencyKey(testOwner, testKey); got != hex.EncodeToString(legacy) {
		t.Errorf("LegacyHashIdempotencyKey() = %q", got)
	}
	p, err := payment.ParseRequest(testOwner, testKey, body(nil))
	if err != nil {
		t.Fatal(err)
	}
	lk := payment.NewLegacyKeys("arn:aws:iam::111122223333:user/m", testKey, p)
	if lk.ID != payment.LegacyDeriveID("arn:aws:iam::111122223333:user/m", testKey) || "v2:"+lk.RequestHash != p.RequestHash {
		t.Errorf("NewLegacyKeys = %+v for %+v", lk, p)
	}
	if payment.NewLegacyKeys("", testKey, p) != nil {
		t.Error("a request without an ARN has legacy keys")
	}
	tests := []struct {
		name         string
		owner, key   string
		otherOwner   string
		otherKey     string
		wantSameID   bool
		wantSameHash bool
	}{
		{"the same key of the same owner has the same id", testOwner, testKey, testOwner, testKey, true, true},
		{"another key of the same owner has another id", testOwner, testKey, testOwner, "other", false, false},
		{"the same key of another owner has another id", testOwner, testKey, "arn:aws:iam::111122223333:user/other", testKey, false, false},
		{"owner and key cannot be shifted into each other", "arn:a", "b:key", "arn:ab", ":key", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sameID := payment.DeriveID(tt.owner, tt.key) == payment.DeriveID(tt.otherOwner, tt.otherKey)
			sameHash := payment.HashIdempotencyKey(tt.owner, tt.key) == payment.HashIdempotencyKey(tt.otherOwner, tt.otherKey)
			if sameID != tt.wantSameID || sameHash != tt.wantSameHash {
				t.Errorf("same id %v, same key hash %v; want %v, %v", sameID, sameHash, tt.wantSameID, tt.wantSameHash)
			}
		})
	}
}

func TestParseRequestScopesTheIdToTheOwner(t *testing.T) {
	a, errA := payment.ParseRequest(testOwner, testKey, body(nil))
	b, errB := payment.ParseRequest("arn:aws:iam::444455556666:user/another-merchant", testKey, body(nil))
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.ID == b.ID || a.IdempotencyKeyHash == b.IdempotencyKeyHash {
		t.Errorf("two owners with one key share id %s or key hash %s", a.ID, a.IdempotencyKeyHash)
	}
	if a.Owner != testOwner || b.Owner == testOwner {
		t.Errorf("owners = %q, %q", a.Owner, b.Owner)
	}
	if a.RequestHash != b.RequestHash {
		t.Errorf("the request hash depends on the owner")
	}
	if _, err := payment.ParseRequest("", testKey, body(nil)); payment.AsError(err).Name != errorname.Internal {
		t.Errorf("a request without an owner: error %v, want Payment.Internal (the owner comes from the request context, never the client)", err)
	}
}

func TestOwnerIDIsThePrincipalsUniqueIDWithoutTheSession(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"an IAM user is its unique id", "AIDAJQABLZS4A3QDU576Q", "AIDAJQABLZS4A3QDU576Q"},
		{"an assumed role is the role's unique id, whatever the session", "AROAJQABLZS4A3QDU576Q:i-0abc123", "AROAJQABLZS4A3QDU576Q"},
		{"another session of the same role is the same owner", "AROAJQABLZS4A3QDU576Q:botocore-session-42", "AROAJQABLZS4A3QDU576Q"},
		{"a role re-created under the same name is another owner", "AROANEWUNIQUEID000001:i-0abc123", "AROANEWUNIQUEID000001"},
		{"the account root is the account id", "111122223333", "111122223333"},
		{"a federated user keeps its whole id", "111122223333:alice", "111122223333:alice"},
		{"surrounding spaces are not part of it", " AIDAJQABLZS4A3QDU576Q ", "AIDAJQABLZS4A3QDU576Q"},
		{"no id is no owner", "", ""},
		{"an id with a control character is no owner", "AIDA\tX", ""},
		{"an id over 2048 characters is no owner", "AIDA" + strings.Repeat("X", 2048), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.OwnerID(tt.in); got != tt.want {
				t.Errorf("OwnerID(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestOwnerOf(t *testing.T) {
	tests := []struct {
		name    string
		userArn string
		want    string
	}{
		{"an IAM user is its ARN", "arn:aws:iam::111122223333:user/payments/merchant-service", "arn:aws:iam::111122223333:user/payments/merchant-service"},
		{"an assumed role is the role, whatever the session", "arn:aws:sts::111122223333:assumed-role/checkout-service/i-0abc123", "arn:aws:sts::111122223333:assumed-role/checkout-service"},
		{"another session of the same role is the same owner", "arn:aws:sts::111122223333:assumed-role/checkout-service/botocore-session-42", "arn:aws:sts::111122223333:assumed-role/checkout-service"},
		{"an assumed role in another partition keeps its partition", "arn:aws-cn:sts::111122223333:assumed-role/checkout/s", "arn:aws-cn:sts::111122223333:assumed-role/checkout"},
		{"the account root is its ARN", "arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root"},
		{"a federated user is its ARN", "arn:aws:sts::111122223333:federated-user/alice", "arn:aws:sts::111122223333:federated-user/alice"},
		{"surrounding spaces are not part of it", "  arn:aws:iam::111122223333:user/x ", "arn:aws:iam::111122223333:user/x"},
		{"no identity is no owner", "", ""},
		{"an identity with a control character is no owner", "arn:aws:iam::1:user/x\ty", ""},
		{"an identity over 2048 characters is no owner", "arn:aws:iam::1:user/" + strings.Repeat("x", 2048), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.OwnerOf(tt.userArn); got != tt.want {
				t.Errorf("OwnerOf(%q) = %q, want %q", tt.userArn, got, tt.want)
			}
		})
	}
}

func TestValidID(t *testing.T) {
	tests := []struct {
		name string
		id   string
		want bool
	}{
		{"a derived id is valid", payment.DeriveID(testOwner, "k"), true},
		{"an upper-case id is invalid", strings.ToUpper(payment.DeriveID(testOwner, "k")), false},
		{"an id without the prefix is invalid", payment.DeriveID(testOwner, "k")[4:], false},
		{"a short id is invalid", payment.DeriveID(testOwner, "k")[:29], false},
		{"an id with a digit outside base32 is invalid", "pay_" + strings.Repeat("1", 26), false},
		{"the empty string is invalid", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.ValidID(tt.id); got != tt.want {
				t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

func TestCurrencyMinorUnits(t *testing.T) {
	tests := []struct {
		code   string
		want   int
		active bool
	}{
		{"EUR", 2, true}, {"USD", 2, true}, {"JPY", 0, true}, {"KWD", 3, true}, {"CLF", 4, true},
		{"XCG", 2, true}, {"ZWG", 2, true}, {"SLE", 2, true}, {"VES", 2, true}, {"XOF", 0, true},
		{"DEM", 0, false}, {"FRF", 0, false}, {"HRK", 0, false}, {"BGN", 0, false}, {"ANG", 0, false},
		{"SLL", 0, false}, {"ZWL", 0, false}, {"CUC", 0, false}, {"XAU", 0, false}, {"XXX", 0, false},
		{"XTS", 0, false}, {"eur", 0, false}, {"", 0, false}, {"EURO", 0, false},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%q is an active code with %d minor units", tt.code, tt.want)
		if !tt.active {
			name = fmt.Sprintf("%q is not accepted", tt.code)
		}
		t.Run(name, func(t *testing.T) {
			got, ok := payment.CurrencyMinorUnits(tt.code)
			if ok != tt.active || got != tt.want {
				t.Errorf("CurrencyMinorUnits(%q) = %d, %v; want %d, %v", tt.code, got, ok, tt.want, tt.active)
			}
		})
	}
}

func BenchmarkParseRequest(b *testing.B) {
	in := []byte(`{"amount":1250,"currency":"EUR","source":"tok_9aZk3Qw8LmN2pXr7","merchant_id":"merchant_42",` +
		`"description":"Order 1234: two mugs, one teapot","metadata":{"order_id":"A-1234","channel":"web"}}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, err := payment.ParseRequest(testOwner, testKey, in); err != nil {
			b.Fatal(err)
		}
	}
}
