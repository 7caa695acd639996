package payment_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/resilientpay/paymentapi/tasks/errorname"
	"github.com/resilientpay/paymentapi/tasks/payment"
)

// defaultIgnorable15 is Default_Ignorable_Code_Point as Unicode 15.0.0's
// DerivedCoreProperties.txt lists it (the Unicode version Go's tables
// carry), copied range by range so that the reference scan does not derive
// it the way the detector does.
var defaultIgnorable15 = [][2]rune{
	{0x00AD, 0x00AD},   // SOFT HYPHEN
	{0x034F, 0x034F},   // COMBINING GRAPHEME JOINER
	{0x061C, 0x061C},   // ARABIC LETTER MARK
	{0x115F, 0x1160},   // HANGUL CHOSEONG FILLER..HANGUL JUNGSEONG FILLER
	{0x17B4, 0x17B5},   // KHMER VOWEL INHERENT AQ..AA
	{0x180B, 0x180D},   // MONGOLIAN FREE VARIATION SELECTOR ONE..THREE
	{0x180E, 0x180E},   // MONGOLIAN VOWEL SEPARATOR
	{0x180F, 0x180F},   // MONGOLIAN FREE VARIATION SELECTOR FOUR
	{0x200B, 0x200F},   // ZERO WIDTH SPACE..RIGHT-TO-LEFT MARK
	{0x202A, 0x202E},   // LEFT-TO-RIGHT EMBEDDING..RIGHT-TO-LEFT OVERRIDE
	{0x2060, 0x2064},   // WORD JOINER..INVISIBLE PLUS
	{0x2065, 0x2065},   // <reserved-2065>
	{0x2066, 0x206F},   // LEFT-TO-RIGHT ISOLATE..NOMINAL DIGIT SHAPES
	{0x3164, 0x3164},   // HANGUL FILLER
	{0xFE00, 0xFE0F},   // VARIATION SELECTOR-1..16
	{0xFEFF, 0xFEFF},   // ZERO WIDTH NO-BREAK SPACE
	{0xFFA0, 0xFFA0},   // HALFWIDTH HANGUL FILLER
	{0xFFF0, 0xFFF8},   // <reserved-FFF0>..<reserved-FFF8>
	{0x1BCA0, 0x1BCA3}, // SHORTHAND FORMAT LETTER OVERLAP..UP STEP
	{0x1D173, 0x1D17A}, // MUSICAL SYMBOL BEGIN BEAM..END PHRASE
	{0xE0000, 0xE0000}, // <reserved-E0000>
	{0xE0001, 0xE0001}, // LANGUAGE TAG
	{0xE0002, 0xE001F}, // <reserved-E0002>..<reserved-E001F>
	{0xE0020, 0xE007F}, // TAG SPACE..CANCEL TAG
	{0xE0080, 0xE00FF}, // <reserved-E0080>..<reserved-E00FF>
	{0xE0100, 0xE01EF}, // VARIATION SELECTOR-17..256
	{0xE01F0, 0xE0FFF}, // <reserved-E01F0>..<reserved-E0FFF>
}

// blankRendering are letters and symbols that render as blank space
// though Unicode does not call them ignorable or white space.
var blankRendering = []rune{0x2800} // BRAILLE PATTERN BLANK

// readsAsNothing is the reference rule for what the detector drops before
// scanning, written from the contract's words: every default-ignorable
// code point (the list above), every format character (Cf, as before),
// the blank-rendering letters and symbols, control characters that are
// not white space, and nonspacing and enclosing marks, which belong to the
// character before them (a 4 with three accents still reads as 4).
func readsAsNothing(r rune) bool {
	for _, rg := range defaultIgnorable15 {
		if rg[0] <= r && r <= rg[1] {
			return true
		}
	}
	for _, b := range blankRendering {
		if r == b {
			return true
		}
	}
	switch {
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return true
	case unicode.Is(unicode.Cc, r):
		return !unicode.Is(unicode.White_Space, r)
	}
	return false
}

// stripInvisible removes what reads as nothing from s.
func stripInvisible(s string) string {
	return strings.Map(func(r rune) rune {
		if readsAsNothing(r) {
			return -1
		}
		return r
	}, s)
}

// invisibleSet returns every code point that reads as nothing.
var invisibleSet = sync.OnceValue(func() []rune {
	var out []rune
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if (r < 0xD800 || r > 0xDFFF) && readsAsNothing(r) {
			out = append(out, r)
		}
	}
	return out
})

func TestInvisibleSetIsTheWholeDefaultIgnorableProperty(t *testing.T) {
	// GIVEN the Unicode 15.0.0 list WHEN the detector's own derivation
	// from Go's tables is compared code point by code point THEN they
	// agree (a newer Go with a newer Unicode shows up here first).
	if unicode.Version != "15.0.0" {
		t.Logf("Go's Unicode tables are version %s; the list is 15.0.0", unicode.Version)
	}
	mismatches := 0
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := false
		for _, rg := range defaultIgnorable15 {
			if rg[0] <= r && r <= rg[1] {
				want = true
			}
		}
		if got := payment.IsDefaultIgnorable(r); got != want {
			if mismatches++; mismatches <= 10 {
				t.Errorf("IsDefaultIgnorable(%U) = %v, DerivedCoreProperties 15.0.0 says %v", r, got, want)
			}
		}
	}
	if mismatches > 10 {
		t.Errorf("... and %d more mismatches", mismatches-10)
	}
	if n := len(invisibleSet()); n < 4174 {
		t.Fatalf("the invisible set has %d code points, fewer than Default_Ignorable_Code_Point's 4174", n)
	}
}

// TestInvisibleCharactersDoNotHideACardNumber holds the examples of issue
// 22: each one reads as 4111 1111 1111 1111 to a person.
func TestInvisibleCharactersDoNotHideACardNumber(t *testing.T) {
	groups := func(sep string) string { return strings.Join([]string{"4111", "1111", "1111", "1111"}, sep) }
	every := func(sep string) string { return strings.Join(strings.Split(testCard, ""), sep) }
	tests := []struct{ name, in string }{
		{"Hangul fillers between the groups (the issue's example)", "4111ㅤ1111ㅤ1111ㅤ1111"},
		{"halfwidth Hangul fillers between the groups", groups("\uffa0")},
		{"Hangul choseong fillers between the groups", groups("\u115f")},
		{"Hangul jungseong fillers between the groups", groups("\u1160")},
		{"three Braille blanks between the groups", groups("\u2800\u2800\u2800")},
		{"three variation selectors between every digit", every("\ufe00\ufe0f\ufe01")},
		{"three combining grapheme joiners between every digit", every("\u034f\u034f\u034f")},
		{"three Mongolian free variation selectors between every digit", every("\u180b\u180c\u180f")},
		{"supplementary variation selectors and tags between every digit", every("\U000e0100\U000e0041\U000e01ef")},
		{"Khmer inherent vowels between every digit", every("\u17b4\u17b5\u17b4")},
		{"three Hangul fillers and two spaces between the groups", groups(" \u3164\u3164\u3164 ")},
		{"three accents on every digit", every("\u0301\u0300\u0302")},
		{"control characters between every digit", every("\x00\x01\u0080")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !naiveContainsCardNumber(tt.in) {
				t.Fatalf("test bug: the reference scan does not find the card number in %+q", tt.in)
			}
			if !payment.ContainsCardNumber(tt.in) {
				t.Errorf("ContainsCardNumber(%+q) = false, want true", tt.in)
			}
			_, err := payment.ParseRequest(testOwner, testKey, body(map[string]string{"description": jsonString(tt.in)}))
			assertCardData(t, err, "description")
		})
	}
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// assertCardData checks that err is the CardData error naming field.
func assertCardData(t *testing.T, err error, field string) {
	t.Helper()
	var e *payment.Error
	if !errors.As(err, &e) || e.Name != errorname.CardData || e.Problem.Status != http.StatusUnprocessableEntity {
		t.Fatalf("got %v, want the CardData error (422)", err)
	}
	for _, f := range e.Problem.Errors {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("the CardData error names %+v, not %q", e.Problem.Errors, field)
}

// randomPAN returns a Luhn-valid number of 12 to 19 digits that does not
// start with 0.
func randomPAN(rng *rand.Rand) string {
	n := payment.MinCardDigits + rng.IntN(payment.MaxCardDigits-payment.MinCardDigits+1)
	d := make([]byte, n)
	d[0] = byte(1 + rng.IntN(9))
	for i := 1; i < n-1; i++ {
		d[i] = byte(rng.IntN(10))
	}
	for c := byte(0); c < 10; c++ {
		d[n-1] = c
		if luhnValid(d) {
			break
		}
	}
	for i := range d {
		d[i] += '0'
	}
	return string(d)
}

// hide writes pan with, between any two digits, a random run of invisible
// characters from the whole set and at most two visible separators.
func hide(rng *rand.Rand, pan string) string {
	set := invisibleSet()
	visible := []rune(" -./\u00a0")
	var b strings.Builder
	for i, d := range pan {
		if i > 0 {
			var gap []rune
			for range rng.IntN(5) {
				gap = append(gap, set[rng.IntN(len(set))])
			}
			for range rng.IntN(3) {
				gap = append(gap, visible[rng.IntN(len(visible))])
			}
			rng.Shuffle(len(gap), func(i, j int) { gap[i], gap[j] = gap[j], gap[i] })
			b.WriteString(string(gap))
		}
		b.WriteRune(d)
	}
	return b.String()
}

// TestCardNumbersHiddenByInvisibleRunsAreRefusedInEveryField builds card
// numbers with random runs from the whole invisible set between any
// digits and puts each in every place a client can put text: the key, each
// body field, a metadata key and value, an unknown field's name and value.
// Every request is refused as card data; the reference scan (strip by
// property, then scan) and the detector agree on every text.
func TestCardNumbersHiddenByInvisibleRunsAreRefusedInEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(22, 22))
	places := []struct {
		field string
		req   func(text string) (key string, body []byte)
	}{
		{payment.FieldIdempotencyKey, func(s string) (string, []byte) { return s, body(nil) }},
		{"description", func(s string) (string, []byte) { return testKey, body(map[string]string{"description": jsonString(s)}) }},
		{"source", func(s string) (string, []byte) { return testKey, body(map[string]string{"source": jsonString(s)}) }},
		{"merchant_id", func(s string) (string, []byte) { return testKey, body(map[string]string{"merchant_id": jsonString(s)}) }},
		{"currency", func(s string) (string, []byte) { return testKey, body(map[string]string{"currency": jsonString(s)}) }},
		{"amount", func(s string) (string, []byte) { return testKey, body(map[string]string{"amount": jsonString(s)}) }},
		{"metadata.order", func(s string) (string, []byte) {
			return testKey, body(map[string]string{"metadata": `{"order":` + jsonString(s) + `}`})
		}},
		{"", func(s string) (string, []byte) { // a metadata key
			return testKey, body(map[string]string{"metadata": `{` + jsonString(s) + `:"x"}`})
		}},
		{"", func(s string) (string, []byte) { // an unknown field's name (body writes names with %q, not JSON)
			b := body(nil)
			return testKey, append(b[:len(b)-1], []byte(`,`+jsonString(s)+`:"x"}`)...)
		}},
		{"note", func(s string) (string, []byte) { // an unknown field's value
			return testKey, body(map[string]string{"note": jsonString(s)})
		}},
		{"", func(s string) (string, []byte) { // a nested value of an unknown field
			return testKey, body(map[string]string{"extra": `{"a":[1,` + jsonString(s) + `]}`})
		}},
	}
	for i := range 3000 {
		text := hide(rng, randomPAN(rng))
		if rng.IntN(2) == 0 {
			text = "ref " + text + " thanks"
		}
		if !naiveContainsCardNumber(text) {
			t.Fatalf("test bug: the reference scan does not find the card number in %+q", text)
		}
		if !payment.ContainsCardNumber(text) {
			t.Fatalf("ContainsCardNumber(%+q) = false; the reference scan finds a card number", text)
		}
		p := places[i%len(places)]
		key, b := p.req(text)
		_, err := payment.ParseRequest(testOwner, key, b)
		var e *payment.Error
		if !errors.As(err, &e) || e.Name != errorname.CardData {
			t.Fatalf("a card number hidden in %q as %+q was not refused as card data: %v", p.field, text, err)
		}
		if p.field != "" {
			assertCardData(t, err, p.field)
		}
	}
}

// TestContainsCardNumberAgreesWithTheReferenceOnInvisibleRuns compares the
// detector with the reference scan on random texts of digits, visible
// separators, letters and runs from the whole invisible set, where three
// or more visible separators (which do end a run) are common.
func TestContainsCardNumberAgreesWithTheReferenceOnInvisibleRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 22))
	set := invisibleSet()
	visible := []rune("0123456789012345678901234567890123456789  -./\u00a0\u3000x١٤")
	found, missed := 0, 0
	for range 20000 {
		r := make([]rune, rng.IntN(80))
		for i := range r {
			if rng.IntN(3) == 0 {
				r[i] = set[rng.IntN(len(set))]
			} else {
				r[i] = visible[rng.IntN(len(visible))]
			}
		}
		s := string(r)
		want := naiveContainsCardNumber(s)
		if got := payment.ContainsCardNumber(s); got != want {
			t.Fatalf("ContainsCardNumber(%+q) = %v, the reference scan says %v", s, got, want)
		}
		if want {
			found++
		} else {
			missed++
		}
	}
	if found < 1000 || missed < 1000 {
		t.Fatalf("%d texts held a card number and %d did not: the test does not exercise both answers", found, missed)
	}
}

// FuzzContainsCardNumber compares the detector with the reference scan on
// any text whose digits the reference reads; its seeds hold the invisible
// set.
func FuzzContainsCardNumber(f *testing.F) {
	f.Add("4111ㅤ1111ㅤ1111ㅤ1111")
	for _, r := range invisibleSeeds() {
		f.Add(strings.Join(strings.Split(testCard, ""), strings.Repeat(string(r), 3)))
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, r := range referenceNormalize(s) {
			if _, known := digitValue(r); unicode.IsDigit(r) && !known {
				t.Skip("the reference scan reads ASCII, Arabic-Indic and Devanagari digits only")
			}
		}
		if got, want := payment.ContainsCardNumber(s), naiveContainsCardNumber(s); got != want {
			t.Fatalf("ContainsCardNumber(%+q) = %v, the reference scan says %v", s, got, want)
		}
	})
}

// referenceNormalize is the text the reference scan reads: invisible
// characters stripped by property, NFKC, and stripped again (NFKC maps
// U+3164 HANGUL FILLER to U+1160, another filler).
func referenceNormalize(s string) []rune {
	return []rune(stripInvisible(norm.NFKC.String(stripInvisible(s))))
}
