package payment_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

// cardEncodings are one Visa test number (4111 1111 1111 1111) written in
// every way the detector must see through: the encodings reported in
// issue 13 first, then others a client (or an attacker) could use.
var cardEncodings = []struct{ name, text string }{
	// Reported in issue 13.
	{"dots between groups", "4111.1111.1111.1111"},
	{"slashes between groups", "4111/1111/1111/1111"},
	{"underscores between groups", "4111_1111_1111_1111"},
	{"double spaces between groups", "4111  1111  1111  1111"},
	{"no-break spaces between groups", "4111\u00a01111\u00a01111\u00a01111"},
	{"full-width digits", "４１１１１１１１１１１１１１１１"},
	// Ours.
	{"full-width digits with ideographic spaces", "４１１１\u3000１１１１\u3000１１１１\u3000１１１１"},
	{"en dashes between groups", "4111–1111–1111–1111"},
	{"a dot and a space between groups", "4111. 1111. 1111. 1111"},
	{"parentheses around the first group", "(4111) 1111 1111 1111"},
	{"narrow and thin no-break spaces", "4111\u202f1111\u20091111\u202f1111"},
	{"a tab and a newline between groups", "4111\t1111\n1111\r\n1111"},
	{"every digit separated by two characters", "4, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1"},
	{"Arabic-Indic digits", "٤١١١١١١١١١١١١١١١"},
	{"Devanagari digits in groups", "४१११ ११११ ११११ ११११"},
	{"mathematical bold digits", "𝟒𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏𝟏"},
	{"circled digits", "④①①①①①①①①①①①①①①①"},
	{"superscript digits", "⁴¹¹¹¹¹¹¹¹¹¹¹¹¹¹¹"},
	{"zero-width spaces between every digit", strings.Join(strings.Split("4111111111111111", ""), "\u200b\u200b\u200b")},
	{"soft hyphens between groups", "4111\u00ad1111\u00ad1111\u00ad1111"},
	{"a combining accent on every digit", strings.Join(strings.Split("4111111111111111", ""), "\u0301") + "\u0301"},
	{"keycap emoji digits", strings.Join(strings.Split("4111111111111111", ""), "\ufe0f\u20e3") + "\ufe0f\u20e3"},
	{"mixed scripts and separators", "4١1１ 1-1.1/1 1_1٫1١ 1 1 1 1"},
}

func TestContainsCardNumber(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"a Visa test number is a card number", "4111111111111111", true},
		{"a Visa number in groups of four separated by spaces is found", "4111 1111 1111 1111", true},
		{"a Visa number in groups separated by dashes is found", "4111-1111-1111-1111", true},
		{"a number with every digit separated by a space is found", "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1", true},
		{"an Amex number of 15 digits is found", "3782 822463 10005", true},
		{"a Mastercard number inside a sentence is found", "my card is 5555555555554444, thanks", true},
		{"a 12-digit Luhn-valid run is found", "100000000008", true},
		{"a 19-digit Luhn-valid run is found", "4222222222222222226", true},
		{"a card number followed by a CVV is found", "4111111111111111 123", true},
		{"a card number glued to leading zeros is found", "0004111111111111111", true},
		{"a card number after letters is found", "tok_4111111111111111", true},
		{"mixed separators are allowed", "4111-1111 1111.1111", true},
		{"a Luhn-invalid 16-digit run with a Luhn-valid 13-digit tail is refused", "4111111111111112", true},
		{"a card number written as a JSON number with a fraction is found", "4111111111111111.0", true},
		{"a card number written as a JSON number with an exponent is found", "4.111111111111111e15", true},

		{"the empty string holds no card number", "", false},
		{"a 16-digit run with no Luhn-valid run of 12 to 19 digits is not a card number", "4111111111111114", false},
		{"an 11-digit Luhn-valid run is too short", "10000000009", false},
		{"three spaces between digit groups end the run", "4111   1111   1111   1111", false},
		{"three mixed separators between digit groups end the run", "4111 - 1111 - 1111 - 1111", false},
		{"letters between digit groups end the run", "4111a1111b1111c1111", false},
		{"a letter from another script ends the run", "4111я1111я1111я1111", false},
		{"a Roman numeral (a number, not a digit) ends the run", "4111Ⅻ1111Ⅻ1111Ⅻ1111", false},
		{"a leading separator is ignored", " -123", false},
		{"a short amount is not a card number", "amount 1000", false},
		{"a payment token of letters holds no card number", "tok_AbCdEfGhIjKlMnOp", false},
		{"an idempotency key in UUID form holds no card number", "6f1c1f0e-4f5b-4b9e-9a3c-2b8e5f7d1a20", false},
		// A run that starts with 0 is not a card number, so all-zero
		// windows (which pass Luhn) are not card data.
		{"twelve zeros are not a card number", "000000000000", false},
		{"zeros in groups are not a card number", "0000 0000 0000 0000", false},
		{"10^20, an amount out of range, is not a card number", "100000000000000000000", false},
		{"a Luhn-valid run starting with 0 is not a card number", "0000000000000000018", false},
	}
	for _, e := range cardEncodings {
		tests = append(tests, struct {
			name string
			in   string
			want bool
		}{"a card number written with " + e.name + " is found", e.text, true})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.ContainsCardNumber(tt.in); got != tt.want {
				t.Errorf("ContainsCardNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got := naiveContainsCardNumber(tt.in); got != tt.want {
				t.Errorf("test bug: the naive scan says %v for %q", got, tt.in)
			}
		})
	}
}

// TestContainsCardNumberAgreesWithANaiveScan compares the one-pass scanner
// with a slow, obviously correct one on random strings made of digits of
// several scripts, separators of several kinds and letters, where card
// numbers are frequent.
func TestContainsCardNumberAgreesWithANaiveScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("01234567890123456789012345678901234567890123456789  --./\u00a0\u200b\u0301x０１４٠١٤")
	found := 0
	for range 20000 {
		r := make([]rune, rng.IntN(60))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(r)
		want := naiveContainsCardNumber(s)
		if got := payment.ContainsCardNumber(s); got != want {
			t.Fatalf("ContainsCardNumber(%q) = %v, naive scan says %v", s, got, want)
		}
		if want {
			found++
		}
	}
	if found < 1000 {
		t.Fatalf("only %d of the random strings held a card number; the test does not exercise the scanner", found)
	}
}

// naiveContainsCardNumber is the card-data rule written as plainly as
// possible: drop what reads as nothing (readsAsNothing) and normalize with
// NFKC, then from every digit that is not 0 collect up to 19 digits, where
// one or two characters that are neither letters nor numbers may stand
// between two digits, and check Luhn for every length from 12 to 19.
func naiveContainsCardNumber(s string) bool {
	rs := referenceNormalize(s)
	isSep := func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) }
	for i := range rs {
		d, ok := digitValue(rs[i])
		if !ok || d == 0 {
			continue
		}
		digits := []byte{d}
		for j := i; len(digits) < payment.MaxCardDigits; {
			if len(digits) >= payment.MinCardDigits && luhnValid(digits) {
				return true
			}
			k := j + 1
			for k < len(rs) && k-j <= 3 && isSep(rs[k]) {
				k++
			}
			next, ok := byte(0), false
			if k < len(rs) && k-j <= 3 {
				next, ok = digitValue(rs[k])
			}
			if !ok {
				break
			}
			digits = append(digits, next)
			j = k
		}
		if len(digits) >= payment.MinCardDigits && luhnValid(digits) {
			return true
		}
	}
	return false
}

// digitValue knows the digits the tests use: ASCII and the decimal digits
// of the Arabic-Indic and Devanagari scripts (NFKC maps full-width,
// mathematical, circled and superscript digits to ASCII).
func digitValue(r rune) (byte, bool) {
	for _, zero := range []rune{'0', '\u0660', '\u0966'} {
		if zero <= r && r <= zero+9 {
			return byte(r - zero), true
		}
	}
	return 0, false
}

// luhnValid is the textbook Luhn check.
func luhnValid(digits []byte) bool {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i])
		if (len(digits)-1-i)%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

func TestContainsCardNumberIsLinearOnHostileInput(t *testing.T) {
	// 1 MiB of digits and separators: a backtracking matcher would take
	// ages; the scanner is one pass. The test asserts the result, not the
	// time; a regression shows up as a test timeout.
	for _, unit := range []string{"1 2-", "１\u00a0٢."} {
		s := strings.Repeat(unit, 1<<18/len(unit)*4)
		if payment.ContainsCardNumber(s) != naiveContainsCardNumber(s[:4096]) {
			t.Fatalf("the scanner disagrees with the naive scan on a long run of %q", unit)
		}
	}
}

func BenchmarkContainsCardNumber(b *testing.B) {
	inputs := []struct {
		name string
		s    string
	}{
		{"description", "Order 1234 for customer ACME-42: 3 items, delivery to Berlin, Germany. Thanks!"},
		{"digits", strings.Repeat("1234 5678 9012 345", 10)},
		{"unicode", "Bestellung für Müller – Lieferung nach Köln, 3 Stück à 12,50 €"},
		{"korean", "주문 1234번: 배송지 서울특별시 강남구, 3개 — 감사합니다!"},
	}
	for _, in := range inputs {
		b.Run(in.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in.s)))
			for b.Loop() {
				payment.ContainsCardNumber(in.s)
			}
		})
	}
}
