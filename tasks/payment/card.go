package payment

// Card-number detection. A request is refused as card data when any field
// holds a Luhn-valid run of 12 to 19 ASCII digits, where consecutive digits
// may be separated by one space or one dash ("4111 1111 1111 1111",
// "4111-1111-1111-1111"). Every run of 12 to 19 consecutive digits inside a
// longer digit sequence counts, so a card number followed by more digits
// (a CVV, an expiry date) is still found. The price of that caution is that
// a long purely numeric reference may be refused too: clients should not
// put long digit strings in free-text fields.
//
// The scan is a single pass with a fixed 19-digit window: O(19·n) time, no
// allocation and no regular expression.

const (
	// MinCardDigits and MaxCardDigits bound the length of a card number
	// (primary account number) as ISO/IEC 7812 allows.
	MinCardDigits = 12
	MaxCardDigits = 19
)

// ContainsCardNumber reports whether s holds what looks like a card
// number: a Luhn-valid run of 12 to 19 digits in which single spaces or
// dashes may separate the digits.
func ContainsCardNumber(s string) bool { return containsCardNumber(s) }

func containsCardNumber[T string | []byte](s T) bool {
	var sc cardScanner
	for i := 0; i < len(s); i++ {
		if sc.feed(s[i]) {
			return true
		}
	}
	return false
}

// bodyContainsCardNumber reports whether raw body bytes hold a card
// number, read either literally or with JSON escapes decoded.
func bodyContainsCardNumber(b []byte) bool {
	return containsCardNumber(b) || containsCardNumberJSON(b)
}

// containsCardNumberJSON is ContainsCardNumber over raw JSON text: the
// escapes \u0030-\u0039, \u0020 and \u002d count as the digit, space or
// dash they stand for, so a card number cannot hide behind escapes. It
// works on any bytes, well-formed JSON or not. On valid JSON it finds
// every card number that a scan of the decoded keys and values would find.
func containsCardNumberJSON(b []byte) bool {
	var sc cardScanner
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c == '\\' && i+1 < len(b) {
			if b[i+1] == 'u' && i+5 < len(b) && b[i+2] == '0' && b[i+3] == '0' {
				if a, ok := escapedASCII(b[i+4], b[i+5]); ok {
					c = a
					i += 5
				}
			} else {
				c = b[i+1] // \" \\ \/ \n ... : never a digit, space or dash
				i++
			}
		}
		if sc.feed(c) {
			return true
		}
	}
	return false
}

// escapedASCII decodes the last two hex digits of a \u00XX escape.
func escapedASCII(hi, lo byte) (byte, bool) {
	h, ok1 := hexVal(hi)
	l, ok2 := hexVal(lo)
	return h<<4 | l, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// cardScanner consumes text one byte at a time and remembers the last
// MaxCardDigits digits of the current digit sequence.
type cardScanner struct {
	ring [MaxCardDigits]byte // digit values, ring[n%MaxCardDigits] is next
	n    int                 // digits in the current sequence
	sep  bool                // the previous byte was a separator after a digit
}

// feed consumes c and reports whether a Luhn-valid run of 12 to 19 digits
// ends at c.
func (sc *cardScanner) feed(c byte) bool {
	switch {
	case '0' <= c && c <= '9':
		sc.ring[sc.n%MaxCardDigits] = c - '0'
		sc.n++
		sc.sep = false
		return sc.n >= MinCardDigits && sc.luhnRunEndsHere()
	case c == ' ' || c == '-':
		if sc.sep { // two separators in a row end the sequence
			sc.n = 0
		}
		sc.sep = sc.n > 0
	default:
		sc.n, sc.sep = 0, false
	}
	return false
}

// luhnRunEndsHere checks the runs of 12..19 digits that end at the last
// digit fed. The Luhn sum is built from the right, where the check digit
// is, so one backward walk checks every length.
func (sc *cardScanner) luhnRunEndsHere() bool {
	limit := min(sc.n, MaxCardDigits)
	sum := 0
	for k := range limit {
		d := int(sc.ring[(sc.n-1-k)%MaxCardDigits])
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		if k+1 >= MinCardDigits && sum%10 == 0 {
			return true
		}
	}
	return false
}
