package aslrun

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
	"unsafe"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// A fast path for the JSON the executor reads and writes on every state:
// state data, task payloads and results. It gives exactly what the general
// path (asl.DecodeJSON, encoding/json) gives, and hands anything it is not
// sure of to that path: a text it would reject, duplicate keys, strings
// with escapes or invalid UTF-8, numbers that may overflow, values of
// other Go types. Profiles of the payments workflow put about half of an
// execution's CPU in encoding/json's reflection and token decoder.

// fastDecode parses data as one JSON text into executor values; ok is
// false when the general decoder must decide.
func fastDecode(data []byte) (v any, ok bool) {
	return fastDecodeString(string(data))
}

// fastDecodeString is fastDecode of a text the values may keep slices
// of.
func fastDecodeString(src string) (v any, ok bool) {
	d := fastDecoder{data: src}
	d.space()
	if v, ok = d.value(0); !ok {
		return nil, false
	}
	d.space()
	return v, d.pos == len(d.data)
}

// fastDecoder's strings and numbers are slices of the text, rather than
// one allocation each; a value kept keeps the text alive, which the
// history keeps anyway.
type fastDecoder struct {
	data string
	pos  int
}

func (d *fastDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// maxDecodeDepth is asl.DecodeJSON's nesting limit; deeper texts go to it
// for its error.
const maxDecodeDepth = 256

func (d *fastDecoder) value(depth int) (any, bool) {
	if depth > maxDecodeDepth || d.pos >= len(d.data) {
		return nil, false
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		d.pos++
		o := asl.NewSmallObject(4)
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return o, true
		}
		for {
			d.space()
			k, ok := d.str()
			if !ok {
				return nil, false
			}
			d.space()
			if d.pos >= len(d.data) || d.data[d.pos] != ':' {
				return nil, false
			}
			d.pos++
			d.space()
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			if _, dup := o.Get(k); dup {
				return nil, false // the general decoder records duplicates
			}
			o.Set(k, v)
			d.space()
			if d.pos >= len(d.data) {
				return nil, false
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case '}':
				d.pos++
				return o, true
			default:
				return nil, false
			}
		}
	case c == '[':
		d.pos++
		arr := []any{}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return arr, true
		}
		for {
			d.space()
			v, ok := d.value(depth + 1)
			if !ok {
				return nil, false
			}
			arr = append(arr, v)
			d.space()
			if d.pos >= len(d.data) {
				return nil, false
			}
			switch d.data[d.pos] {
			case ',':
				d.pos++
			case ']':
				d.pos++
				return arr, true
			default:
				return nil, false
			}
		}
	case c == '"':
		s, ok := d.str()
		return s, ok
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	}
	return nil, false
}

func (d *fastDecoder) literal(lit string) bool {
	if len(d.data)-d.pos < len(lit) || d.data[d.pos:d.pos+len(lit)] != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

// str reads a string whose bytes are valid UTF-8. Escapes are decoded
// here except \u escapes of surrogates, which the general decoder pairs
// or replaces.
func (d *fastDecoder) str() (string, bool) {
	if d.pos >= len(d.data) || d.data[d.pos] != '"' {
		return "", false
	}
	start := d.pos + 1
	ascii := true
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			s := d.data[start:i]
			if !ascii && !utf8.ValidString(s) {
				return "", false
			}
			d.pos = i + 1
			return d.data[start:i], true
		case c == '\\':
			return d.escapedStr(start, i)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escapedStr reads the rest of a string that has an escape at i.
func (d *fastDecoder) escapedStr(start, i int) (string, bool) {
	data := d.data
	out := make([]byte, 0, len(data)-start)
	out = append(out, data[start:i]...)
	for i < len(data) {
		c := data[i]
		switch {
		case c == '"':
			if !utf8.Valid(out) {
				return "", false
			}
			d.pos = i + 1
			// out is not written again: the string can share it.
			return unsafe.String(unsafe.SliceData(out), len(out)), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(data) {
			return "", false
		}
		switch e := data[i+1]; e {
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
			if i+6 > len(data) {
				return "", false
			}
			n, err := strconv.ParseUint(data[i+2:i+6], 16, 32)
			if err != nil || n >= 0xD800 && n < 0xE000 {
				return "", false
			}
			out = utf8.AppendRune(out, rune(n))
			i += 6
			continue
		default:
			return "", false
		}
		i += 2
	}
	return "", false
}

// number reads a number in JSON's grammar; one that might not fit a
// float64 goes to the general decoder, which refuses those.
func (d *fastDecoder) number() (any, bool) {
	data, i := d.data, d.pos
	start := i
	if data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if digits() == 0 {
		return nil, false
	}
	check := false
	if i < len(data) && data[i] == '.' {
		i++
		if digits() == 0 {
			return nil, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if digits() == 0 {
			return nil, false
		}
		check = true
	}
	text := d.data[start:i]
	if check || len(text) > 15 {
		if _, err := strconv.ParseFloat(text, 64); err != nil {
			return nil, false
		}
	}
	d.pos = i
	return json.Number(text), true
}

// fastEncode appends v as compact JSON, as encodeJSON renders it; ok is
// false for a value it leaves to encoding/json (other Go types, nil
// slices and objects, numbers that are not valid JSON).
func fastEncode(b []byte, v any) ([]byte, bool) {
	switch t := v.(type) {
	case nil:
		return append(b, "null"...), true
	case bool:
		if t {
			return append(b, "true"...), true
		}
		return append(b, "false"...), true
	case string:
		return appendJSONString(b, t), true
	case json.Number:
		if !validNumber(string(t)) {
			return b, false
		}
		return append(b, t...), true
	case *asl.Object:
		if t == nil {
			return b, false
		}
		b = append(b, '{')
		for i := range t.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			k, x := t.Member(i)
			b = appendJSONString(b, k)
			b = append(b, ':')
			var ok bool
			if b, ok = fastEncode(b, x); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case []any:
		if t == nil {
			return b, false
		}
		b = append(b, '[')
		for i, x := range t {
			if i > 0 {
				b = append(b, ',')
			}
			var ok bool
			if b, ok = fastEncode(b, x); !ok {
				return b, false
			}
		}
		return append(b, ']'), true
	}
	return b, false
}

// validNumber reports whether s is a JSON number.
func validNumber(s string) bool {
	if isPlainInteger(s) {
		return true
	}
	d := fastDecoder{data: s}
	if len(s) == 0 {
		return false
	}
	if c := s[0]; c != '-' && (c < '0' || c > '9') {
		return false
	}
	_, ok := d.number()
	return ok && d.pos == len(s)
}

// isPlainInteger reports whether s is an integer in JSON's grammar with
// at most 15 digits (which a float64 holds): most numbers in state data.
func isPlainInteger(s string) bool {
	digits := s
	if len(digits) > 0 && digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(digits) > 1) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s as encoding/json does without HTML escaping:
// the short escapes for \b \f \n \r \t, \u00XX for other control
// characters, U+FFFD for invalid UTF-8, and \u2028 and \u2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
