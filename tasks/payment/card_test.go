package payment_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/resilientpay/paymentapi/tasks/payment"
)

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
		{"a card number glued to other digits is found", "0004111111111111111", true},
		{"a card number after letters is found", "tok_4111111111111111", true},
		{"mixed single separators are allowed", "4111-1111 1111-1111", true},
		{"the empty string holds no card number", "", false},
		{"a 16-digit run with no Luhn-valid run of 12 to 19 digits is not a card number", "4111111111111114", false},
		{"a Luhn-invalid 16-digit run with a Luhn-valid 13-digit tail is refused", "4111111111111112", true},
		{"an 11-digit Luhn-valid run is too short", "10000000009", false},
		{"two spaces between digit groups end the run", "4111  1111  1111  1111", false},
		{"a space and a dash between digit groups end the run", "4111 -1111 -1111 -1111", false},
		{"dots are not separators", "4111.1111.1111.1111", false},
		{"letters between digit groups end the run", "4111a1111b1111c1111", false},
		{"a leading separator is ignored", " -123", false},
		{"a short amount is not a card number", "amount 1000", false},
		{"a payment token of letters holds no card number", "tok_AbCdEfGhIjKlMnOp", false},
		{"an idempotency key in UUID form holds no card number", "6f1c1f0e-4f5b-4b9e-9a3c-2b8e5f7d1a20", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := payment.ContainsCardNumber(tt.in); got != tt.want {
				t.Errorf("ContainsCardNumber(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestContainsCardNumberAgreesWithANaiveScan compares the one-pass scanner
// with a slow, obviously correct one on random strings made of digits,
// separators and letters, where card numbers are frequent.
func TestContainsCardNumberAgreesWithANaiveScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789012345678901234567890123456789  --x"
	found := 0
	for range 20000 {
		b := make([]byte, rng.IntN(60))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		s := string(b)
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

// naiveContainsCardNumber tries every start position and every length:
// from each digit, it collects up to 19 digits, allowing one space or dash
// between two digits, and checks Luhn for every length from 12 to 19.
func naiveContainsCardNumber(s string) bool {
	isDigit := func(c byte) bool { return '0' <= c && c <= '9' }
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			continue
		}
		var digits []byte
		for j := i; j < len(s) && len(digits) < payment.MaxCardDigits; {
			digits = append(digits, s[j]-'0')
			if len(digits) >= payment.MinCardDigits && luhnValid(digits) {
				return true
			}
			switch {
			case j+1 < len(s) && isDigit(s[j+1]):
				j++
			case j+2 < len(s) && (s[j+1] == ' ' || s[j+1] == '-') && isDigit(s[j+2]):
				j += 2
			default:
				j = len(s)
			}
		}
	}
	return false
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
	s := strings.Repeat("1 2-", 1<<18)
	if payment.ContainsCardNumber(s) != naiveContainsCardNumber(s[:4096]) {
		t.Fatal("the scanner disagrees with the naive scan on a long separator run")
	}
}

func BenchmarkContainsCardNumber(b *testing.B) {
	inputs := []struct {
		name string
		s    string
	}{
		{"description", "Order 1234 for customer ACME-42: 3 items, delivery to Berlin, Germany. Thanks!"},
		{"digits", strings.Repeat("1234 5678 9012 345", 10)},
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
