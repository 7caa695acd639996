package aslrun

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// $formatInteger and $parseInteger, which JSONata 2.0 has and
// github.com/xiatechs/jsonata-go lacks: a port of the reference
// implementation's datetime.js (JSONata 2.0.6, MIT, © IBM Corp. 2018),
// which follows XPath's fn:format-integer. The expected values in the tests
// come from JSONata 2.0.6 itself (tools/jsonatabench).

var (
	intFew = []string{"Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
		"Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"}
	intOrdinals = []string{"Zeroth", "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth", "Tenth",
		"Eleventh", "Twelfth", "Thirteenth", "Fourteenth", "Fifteenth", "Sixteenth", "Seventeenth", "Eighteenth", "Nineteenth"}
	intDecades    = []string{"Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred"}
	intMagnitudes = []string{"Thousand", "Million", "Billion", "Trillion"}
	// intWordValues maps every number word, lower case, to its value.
	intWordValues = func() map[string]float64 {
		m := map[string]float64{"hundredth": 100}
		for i, w := range intFew {
			m[strings.ToLower(w)] = float64(i)
		}
		for i, w := range intOrdinals {
			m[strings.ToLower(w)] = float64(i)
		}
		for i, w := range intDecades {
			lw := strings.ToLower(w)
			m[lw] = float64((i + 2) * 10)
			m[lw[:len(lw)-1]+"ieth"] = m[lw]
		}
		for i, w := range intMagnitudes {
			lw := strings.ToLower(w)
			m[lw] = math.Pow(10, float64((i+1)*3))
			m[lw+"th"] = m[lw]
		}
		return m
	}()
	// decimalGroups are the zero code points of the Unicode decimal digit
	// families a picture may use.
	decimalGroups = []rune{0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10}
	romanNumerals = []struct {
		v int64
		s string
	}{{1000, "m"}, {900, "cm"}, {500, "d"}, {400, "cd"}, {100, "c"}, {90, "xc"}, {50, "l"}, {40, "xl"}, {10, "x"}, {9, "ix"}, {5, "v"}, {4, "iv"}, {1, "i"}}
	romanValues = map[rune]int64{'M': 1000, 'D': 500, 'C': 100, 'L': 50, 'X': 10, 'V': 5, 'I': 1}
)

func numberToWords(n int64, ordinal bool) string {
	var lookup func(num int64, prev, ord bool) string
	lookup = func(num int64, prev, ord bool) string {
		var w string
		switch {
		case num <= 19:
			if prev {
				w = " and "
			}
			if ord {
				w += intOrdinals[num]
			} else {
				w += intFew[num]
			}
		case num < 100:
			tens, rem := num/10, num%10
			if prev {
				w = " and "
			}
			w += intDecades[tens-2]
			if rem > 0 {
				w += "-" + lookup(rem, false, ord)
			} else if ord {
				w = w[:len(w)-1] + "ieth"
			}
		case num < 1000:
			hundreds, rem := num/100, num%100
			if prev {
				w = ", "
			}
			w += intFew[hundreds] + " Hundred"
			if rem > 0 {
				w += lookup(rem, true, ord)
			} else if ord {
				w += "th"
			}
		default:
			mag := int(math.Floor(math.Log10(float64(num)) / 3))
			if mag > len(intMagnitudes) {
				mag = len(intMagnitudes)
			}
			factor := int64(math.Pow(10, float64(mag*3)))
			mant, rem := num/factor, num%factor
			if prev {
				w = ", "
			}
			w += lookup(mant, false, false) + " " + intMagnitudes[mag-1]
			if rem > 0 {
				w += lookup(rem, true, ord)
			} else if ord {
				w += "th"
			}
		}
		return w
	}
	return lookup(n, false, ordinal)
}

var wordSplit = regexp.MustCompile(`,\s|\sand\s|[\s\\-]`)

func wordsToNumber(text string) (float64, error) {
	segs := []float64{0}
	for _, part := range wordSplit.Split(text, -1) {
		v, ok := intWordValues[part]
		if !ok {
			return 0, fmt.Errorf("%q is not a number word", part)
		}
		if v < 100 {
			top := segs[len(segs)-1]
			segs = segs[:len(segs)-1]
			if top >= 1000 {
				segs = append(segs, top)
				top = 0
			}
			segs = append(segs, top+v)
		} else {
			segs[len(segs)-1] *= v
		}
	}
	sum := 0.0
	for _, s := range segs {
		sum += s
	}
	return sum, nil
}

func decimalToRoman(v int64) string {
	var b strings.Builder
	for v > 0 {
		for _, n := range romanNumerals {
			if v >= n.v {
				b.WriteString(n.s)
				v -= n.v
				break
			}
		}
	}
	return b.String()
}

func romanToDecimal(roman string) float64 {
	var dec, max int64 = 0, 1
	rs := []rune(roman)
	for i := len(rs) - 1; i >= 0; i-- {
		v := romanValues[rs[i]]
		if v < max {
			dec -= v
		} else {
			max = v
			dec += v
		}
	}
	return float64(dec)
}

func decimalToLetters(v int64, a rune) string {
	var out []rune
	for v > 0 {
		out = append([]rune{rune((v-1)%26) + a}, out...)
		v = (v - 1) / 26
	}
	return string(out)
}

func lettersToDecimal(letters string, a rune) float64 {
	dec := 0.0
	rs := []rune(letters)
	for i := range rs {
		dec += float64(rs[len(rs)-i-1]-a+1) * math.Pow(26, float64(i))
	}
	return dec
}

// maxRoman bounds the roman numerals $formatInteger writes (one "m" per
// thousand), so that a large number cannot make a huge string.
const maxRoman = 1_000_000

type separator struct {
	position int
	char     string
}

type integerPicture struct {
	primary         string // decimal, letters, roman, words, sequence
	upper, title    bool
	ordinal         bool
	zeroCode        rune
	mandatoryDigits int
	regular         bool
	regularSep      separator
	separators      []separator
	token           string
}

func analyseIntegerPicture(picture string) (*integerPicture, error) {
	f := &integerPicture{primary: "decimal"}
	primary := picture
	if i := strings.LastIndex(picture, ";"); i >= 0 {
		primary = picture[:i]
		f.ordinal = strings.HasPrefix(picture[i+1:], "o")
	}
	switch primary {
	case "A", "a":
		f.primary, f.upper = "letters", primary == "A"
	case "I", "i":
		f.primary, f.upper = "roman", primary == "I"
	case "W":
		f.primary, f.upper = "words", true
	case "Ww":
		f.primary, f.title = "words", true
	case "w":
		f.primary = "words"
	default:
		var zero rune = -1
		pos := 0
		rs := []rune(primary)
		for i := len(rs) - 1; i >= 0; i-- {
			c := rs[i]
			digit := false
			for _, g := range decimalGroups {
				if c >= g && c <= g+9 {
					digit = true
					f.mandatoryDigits++
					pos++
					if zero == -1 {
						zero = g
					} else if g != zero {
						return nil, errors.New("D3131: the picture mixes decimal digit families")
					}
					break
				}
			}
			if !digit {
				if c == '#' {
					pos++
				} else {
					f.separators = append(f.separators, separator{position: pos, char: string(c)})
				}
			}
		}
		if f.mandatoryDigits == 0 {
			f.primary, f.token = "sequence", primary
			return f, nil
		}
		f.zeroCode = zero
		if r := regularRepeat(f.separators); r > 0 {
			f.regular, f.regularSep = true, separator{position: r, char: f.separators[0].char}
		}
	}
	return f, nil
}

func regularRepeat(seps []separator) int {
	if len(seps) == 0 {
		return 0
	}
	for _, s := range seps[1:] {
		if s.char != seps[0].char {
			return 0
		}
	}
	gcd := func(a, b int) int {
		for b != 0 {
			a, b = b, a%b
		}
		return a
	}
	factor := seps[0].position
	for _, s := range seps[1:] {
		factor = gcd(factor, s.position)
	}
	for i := 1; i <= len(seps); i++ {
		found := false
		for _, s := range seps {
			found = found || s.position == i*factor
		}
		if !found {
			return 0
		}
	}
	return factor
}

// sfFormatInteger is JSONata's $formatInteger(number, picture).
func sfFormatInteger(value float64, picture string) (string, error) {
	f, err := analyseIntegerPicture(picture)
	if err != nil {
		return "", err
	}
	if math.IsNaN(value) || math.Abs(value) > 1<<53 {
		return "", fmt.Errorf("$formatInteger: %v is not an integer JSON can hold exactly", value)
	}
	v := int64(math.Floor(value))
	neg := v < 0
	if neg {
		v = -v
	}
	var out string
	switch f.primary {
	case "letters":
		a := 'a'
		if f.upper {
			a = 'A'
		}
		out = decimalToLetters(v, a)
	case "roman":
		if v > maxRoman {
			return "", fmt.Errorf("$formatInteger: %d is too large for roman numerals here (at most %d)", v, maxRoman)
		}
		out = decimalToRoman(v)
		if f.upper {
			out = strings.ToUpper(out)
		}
	case "words":
		out = numberToWords(v, f.ordinal)
		switch {
		case f.upper:
			out = strings.ToUpper(out)
		case !f.title:
			out = strings.ToLower(out)
		}
	case "decimal":
		out = strconv.FormatInt(v, 10)
		if pad := f.mandatoryDigits - len(out); pad > 0 {
			out = strings.Repeat("0", pad) + out
		}
		if f.zeroCode != '0' {
			var b strings.Builder
			for _, c := range out {
				b.WriteRune(c - '0' + f.zeroCode)
			}
			out = b.String()
		}
		rs := []rune(out)
		if f.regular {
			n := (len(rs) - 1) / f.regularSep.position
			for i := n; i > 0; i-- {
				p := len(rs) - i*f.regularSep.position
				rs = append(rs[:p], append([]rune(f.regularSep.char), rs[p:]...)...)
			}
		} else {
			for i := len(f.separators) - 1; i >= 0; i-- {
				p := len(rs) - f.separators[i].position
				if p < 0 {
					p = 0
				}
				rs = append(rs[:p], append([]rune(f.separators[i].char), rs[p:]...)...)
			}
		}
		out = string(rs)
		if f.ordinal {
			suffix := map[byte]string{'1': "st", '2': "nd", '3': "rd"}[out[len(out)-1]]
			if suffix == "" || len(out) > 1 && out[len(out)-2] == '1' {
				suffix = "th"
			}
			out += suffix
		}
	default:
		return "", fmt.Errorf("D3130: the picture %q is not supported", f.token)
	}
	if neg {
		out = "-" + out
	}
	return out, nil
}

// sfParseInteger is JSONata's $parseInteger(string, picture).
func sfParseInteger(value, picture string) (float64, error) {
	f, err := analyseIntegerPicture(picture)
	if err != nil {
		return 0, err
	}
	switch f.primary {
	case "letters":
		a := 'a'
		if f.upper {
			a = 'A'
		}
		return lettersToDecimal(value, a), nil
	case "roman":
		if !f.upper {
			value = strings.ToUpper(value)
		}
		return romanToDecimal(value), nil
	case "words":
		return wordsToNumber(strings.ToLower(value))
	case "decimal":
		digits := value
		if f.ordinal && len(digits) >= 2 {
			digits = digits[:len(digits)-2]
		}
		if f.regular {
			digits = strings.ReplaceAll(digits, ",", "")
		} else {
			for _, s := range f.separators {
				digits = strings.ReplaceAll(digits, s.char, "")
			}
		}
		if f.zeroCode != '0' {
			var b strings.Builder
			for _, c := range digits {
				b.WriteRune(c - f.zeroCode + '0')
			}
			digits = b.String()
		}
		// JavaScript's parseInt: the leading digits.
		end := 0
		for end < len(digits) && (digits[end] >= '0' && digits[end] <= '9' || end == 0 && (digits[0] == '-' || digits[0] == '+')) {
			end++
		}
		n, err := strconv.ParseFloat(digits[:end], 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not an integer of the picture %q", value, picture)
		}
		return n, nil
	}
	return 0, fmt.Errorf("D3130: the picture %q is not supported", f.token)
}
