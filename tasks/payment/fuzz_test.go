package payment_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// FuzzParseRequest checks, for any key and body, that ParseRequest
//   - never panics;
//   - returns a *payment.Error with status 400 (Invalid) or 422 (CardData);
//   - answers CardData whenever the key or the body holds a card number
//     (checked with a naive scan), and never accepts one in any decoded
//     string either;
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
	}
	for _, s := range seeds {
		f.Add(s.key, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, key string, body []byte) {
		p, err := payment.ParseRequest(key, body)
		cardInInput := naiveContainsCardNumber(key) || naiveContainsCardNumber(string(body))
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
		var decoded any
		if err := json.Unmarshal(body, &decoded); err != nil {
			t.Fatal(err)
		}
		if s := findCardInDecoded(decoded); s != "" {
			t.Fatalf("accepted a body whose decoded text %q holds a card number", s)
		}
		again, err := payment.ParseRequest(key, canonicalBody(t, p))
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

// findCardInDecoded returns the first key or string of a decoded JSON
// value that holds a card number.
func findCardInDecoded(v any) string {
	switch v := v.(type) {
	case string:
		if naiveContainsCardNumber(v) {
			return v
		}
	case []any:
		for _, x := range v {
			if s := findCardInDecoded(x); s != "" {
				return s
			}
		}
	case map[string]any:
		for k, x := range v {
			if naiveContainsCardNumber(k) {
				return k
			}
			if s := findCardInDecoded(x); s != "" {
				return s
			}
		}
	}
	return ""
}
