package payment

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Card-number detection, as PRODUCT.md defines card data. A text holds a
// card number when, after Unicode NFKC normalization, it has a run of 12
// to 19 digits whose first digit is not 0 and that passes the Luhn check,
// where one or two characters that are neither letters nor numbers may
// stand between two digits ("4111 1111 1111 1111", "4111.1111.1111.1111",
// "4111 - 1111" is two runs).
//
//   - NFKC turns full-width (４), mathematical (𝟒), circled (④) and
//     superscript (⁴) digits into ASCII digits and no-break spaces into
//     spaces.
//   - A digit is any Unicode decimal digit (category Nd), so Arabic-Indic
//     (٤) or Devanagari (४) digits count as what they are.
//   - Letters and other numbers (Ⅻ) end a run; so do three separators in
//     a row.
//   - What reads as nothing is dropped before the scan, so that it cannot
//     hide a number that reads as one (see invisible): every
//     Default_Ignorable_Code_Point (zero-width spaces and joiners, soft
//     hyphens, direction marks, variation selectors, tags, the Hangul
//     fillers U+115F, U+1160, U+3164 and U+FFA0, which Unicode calls
//     letters), every other format character (Cf), U+2800 BRAILLE PATTERN
//     BLANK (a symbol that renders blank), control characters that are not
//     white space, and nonspacing and enclosing marks, which belong to the
//     character before them (a 4 with three accents still reads as 4).
//     That is stricter than the contract, never looser. Visible
//     separators still count: three of them end a run.
//
// Every run of 12 to 19 digits inside a longer sequence counts, so a card
// number followed by more digits (a CVV, an expiry date) is still found.
// A run that starts with 0 is not a card number (no card scheme issues
// one), which keeps all-zero windows of large numbers such as 10^20, that
// pass Luhn, from being taken for card data. The price of the rule is that
// a long numeric reference (a timestamp written with separators, a phone
// number) may be refused too: clients should not put long digit strings in
// free-text fields.
//
// The scan is one pass with a fixed 19-digit window: O(19·n) time, no
// regular expression, and no allocation for ASCII text.

const (
	// MinCardDigits and MaxCardDigits bound the length of a card number
	// (primary account number) as ISO/IEC 7812 allows.
	MinCardDigits = 12
	MaxCardDigits = 19
	// MaxCardSeparators is the longest run of separators (characters that
	// are neither letters nor numbers) that may stand between two digits
	// of one card number.
	MaxCardSeparators = 2
)

// ContainsCardNumber reports whether s holds a card number: a Luhn-valid
// run of 12 to 19 digits that does not start with 0, read after NFKC
// normalization, with at most two separators between two digits (see the
// rules above).
func ContainsCardNumber(s string) bool {
	if !isASCII(s) {
		s = norm.NFKC.String(s)
	}
	var sc cardScanner
	for _, r := range s {
		if sc.feed(r) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// bodyContainsCardNumber reports whether raw body bytes, read as text with
// JSON escapes decoded, hold a card number. It serves bodies that are not
// well-formed JSON, whose strings cannot be told apart: the whole text is
// one string.
func bodyContainsCardNumber(b []byte) bool {
	return ContainsCardNumber(unescapeJSONText(b))
}

// unescapeJSONText decodes the JSON escapes of b wherever they are, as if
// all of b were the inside of one string, and leaves every other byte as
// it is: \u0034 is the digit 4, \uff14 the full-width digit 4, \n a line
// feed. A malformed escape is kept as written.
func unescapeJSONText(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(b, i+2)
			if !ok {
				out = append(out, b[i])
				continue
			}
			i += 4
			if utf16.IsSurrogate(r) {
				if r2, ok := hex4(b, i+4); ok && i+3 < len(b) && b[i+2] == '\\' && b[i+3] == 'u' {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 6
					}
				}
			}
			out = utf8.AppendRune(out, r) // a lone surrogate becomes U+FFFD
		default:
			out = append(out, b[i])
			continue
		}
		i++
	}
	return string(out)
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

// cardScanner consumes normalized text one rune at a time and remembers
// the last MaxCardDigits digits of the current run.
type cardScanner struct {
	ring [MaxCardDigits]byte // digit values, ring[n%MaxCardDigits] is next
	n    int                 // digits in the current run
	seps int                 // separators since the last digit of the run
}

// feed consumes r and reports whether a card number ends at r.
func (sc *cardScanner) feed(r rune) bool {
	if d, ok := digitValue(r); ok {
		sc.ring[sc.n%MaxCardDigits] = d
		sc.n++
		sc.seps = 0
		return sc.n >= MinCardDigits && sc.luhnRunEndsHere()
	}
	switch {
	case r < utf8.RuneSelf:
		if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
			sc.n, sc.seps = 0, 0
			return false
		}
		if r < ' ' && (r < '\t' || r > '\r') || r == 0x7f {
			return false // a control character that is not white space
		}
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		// The only letters or numbers that read as nothing are the
		// Hangul fillers, which are Other_Default_Ignorable_Code_Point:
		// one small table, instead of invisible's walk of several.
		if unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) {
			return false
		}
		sc.n, sc.seps = 0, 0
		return false
	case invisible(r):
		return false // as if it were not there
	}
	// A separator.
	if sc.n > 0 {
		sc.seps++
		if sc.seps > MaxCardSeparators {
			sc.n, sc.seps = 0, 0
		}
	}
	return false
}

// invisible reports whether a non-ASCII rune reads as nothing and is
// dropped before the scan (see the rules at the top of this file).
func invisible(r rune) bool {
	switch {
	case r == 0x2800: // BRAILLE PATTERN BLANK, a symbol (So) that renders blank
		return true
	case unicode.Is(unicode.Cf, r), isDefaultIgnorable(r):
		return true
	case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r):
		return true // a mark belongs to the character before it
	case unicode.Is(unicode.Cc, r):
		return !unicode.Is(unicode.White_Space, r) // U+0085 NEXT LINE separates
	}
	return false
}

// isDefaultIgnorable reports whether r has Unicode's derived property
// Default_Ignorable_Code_Point, computed from the tables Go ships
// (unicode.Version) the way DerivedCoreProperties.txt defines it:
//
//	Other_Default_Ignorable_Code_Point + Cf + Variation_Selector
//	- White_Space - FFF9..FFFB (interlinear annotation format characters)
//	- 13430..1343F (Egyptian hieroglyph format controls)
//	- Prepended_Concatenation_Mark
//
// Neither the standard library nor golang.org/x/text exports the derived
// property itself; a test compares this with the 15.0.0 list.
func isDefaultIgnorable(r rune) bool {
	if !unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) && !unicode.Is(unicode.Cf, r) &&
		!unicode.Is(unicode.Variation_Selector, r) {
		return false
	}
	switch {
	case 0xFFF9 <= r && r <= 0xFFFB, 0x13430 <= r && r <= 0x1343F:
		return false
	case unicode.Is(unicode.White_Space, r), unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		return false
	}
	return true
}

// luhnRunEndsHere checks the runs of 12..19 digits that end at the last
// digit fed and do not start with 0. The Luhn sum is built from the right,
// where the check digit is, so one backward walk checks every length.
func (sc *cardScanner) luhnRunEndsHere() bool {
	limit := min(sc.n, MaxCardDigits)
	sum := 0
	for k := range limit {
		digit := int(sc.ring[(sc.n-1-k)%MaxCardDigits])
		d := digit
		if k%2 == 1 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		if k+1 >= MinCardDigits && digit != 0 && sum%10 == 0 {
			return true
		}
	}
	return false
}

// digitValue returns the value of a decimal digit of any script. Unicode
// encodes every set of decimal digits (category Nd) as ten consecutive
// code points from 0 to 9, and Go's table merges only adjacent whole sets,
// so a digit's value is its distance from the start of its range, mod 10.
func digitValue(r rune) (byte, bool) {
	if '0' <= r && r <= '9' {
		return byte(r - '0'), true
	}
	if r < utf8.RuneSelf || !unicode.IsDigit(r) {
		return 0, false
	}
	return ndOffset(r)
}

// ndOffset finds r in the Nd range table.
func ndOffset(r rune) (byte, bool) {
	if r <= 0xFFFF {
		for _, rg := range unicode.Nd.R16 {
			if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
				return byte((r - rune(rg.Lo)) % 10), rg.Stride == 1
			}
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return byte((r - rune(rg.Lo)) % 10), rg.Stride == 1
		}
	}
	return 0, false
}
