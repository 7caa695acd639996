package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// json5ToJSON rewrites the JSON5 the LocalStack templates are written in
// (comments, trailing commas, unquoted keys, single-quoted strings) into
// JSON, keeping the order and the spelling of every key and value.
func json5ToJSON(src []byte) ([]byte, error) {
	var out bytes.Buffer
	s := string(src)
	i := 0
	// lastSig is the last significant byte written, to drop trailing commas.
	for i < len(s) {
		c := s[i]
		switch {
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("unterminated comment at %d", i)
			}
			i += end + 4
		case c == '"' || c == '\'':
			str, n, err := readString(s[i:])
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(str)
			out.Write(b)
			i += n
		case c == ',':
			// A trailing comma: the next significant character closes.
			j := skipSpaceAndComments(s, i+1)
			if j < len(s) && (s[j] == '}' || s[j] == ']') {
				i++
				continue
			}
			out.WriteByte(c)
			i++
		case c >= '0' && c <= '9' || c == '-' || c == '.':
			j := i + 1
			for j < len(s) && strings.IndexByte("0123456789eE.+-xXabcdefABCDEF", s[j]) >= 0 {
				j++
			}
			num := s[i:j]
			if strings.HasPrefix(num, ".") {
				num = "0" + num
			}
			out.WriteString(num)
			i = j
		case isIdentStart(c):
			j := i
			for j < len(s) && (isIdentStart(s[j]) || (s[j] >= '0' && s[j] <= '9')) {
				j++
			}
			word := s[i:j]
			k := skipSpaceAndComments(s, j)
			if k < len(s) && s[k] == ':' {
				b, _ := json.Marshal(word)
				out.Write(b)
			} else {
				switch word {
				case "true", "false", "null":
					out.WriteString(word)
				case "Infinity", "NaN":
					return nil, fmt.Errorf("%s is not representable in JSON", word)
				default:
					return nil, fmt.Errorf("unexpected word %q at %d", word, i)
				}
			}
			i = j
		case c == '+':
			i++ // JSON5 allows a leading plus
		default:
			out.WriteByte(c)
			i++
		}
	}
	if !json.Valid(out.Bytes()) {
		return nil, fmt.Errorf("not valid JSON after rewriting JSON5")
	}
	return out.Bytes(), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func skipSpaceAndComments(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return len(s)
			}
			i += end + 4
		default:
			return i
		}
	}
	return i
}

// readString reads a JSON5 string literal at the start of s and returns its
// value and length.
func readString(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	i := 1
	for i < len(s) {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nil
		case c == '\\':
			if i+1 >= len(s) {
				return "", 0, fmt.Errorf("unterminated escape")
			}
			e := s[i+1]
			i += 2
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '0':
				b.WriteByte(0)
			case '\n':
				// line continuation
			case 'u':
				if i+4 > len(s) {
					return "", 0, fmt.Errorf("short \\u escape")
				}
				n, err := strconv.ParseUint(s[i:i+4], 16, 16)
				if err != nil {
					return "", 0, err
				}
				i += 4
				r := rune(n)
				if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(s[i:], "\\u") && i+6 <= len(s) {
					if lo, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil && lo >= 0xDC00 && lo < 0xE000 {
						r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
						i += 6
					}
				}
				b.WriteRune(r)
			default:
				b.WriteByte(e)
			}
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

// pyDumps re-encodes JSON the way Python's json.dumps does with its
// defaults (", " and ": " separators, ASCII only), which is how the
// LocalStack tests send a template to CreateStateMachine.
func pyDumps(src []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	var out bytes.Buffer
	if err := pyValue(dec, &out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func pyValue(dec *json.Decoder, out *bytes.Buffer) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			out.WriteByte('{')
			for n := 0; dec.More(); n++ {
				if n > 0 {
					out.WriteString(", ")
				}
				k, err := dec.Token()
				if err != nil {
					return err
				}
				pyString(k.(string), out)
				out.WriteString(": ")
				if err := pyValue(dec, out); err != nil {
					return err
				}
			}
			dec.Token()
			out.WriteByte('}')
		case '[':
			out.WriteByte('[')
			for n := 0; dec.More(); n++ {
				if n > 0 {
					out.WriteString(", ")
				}
				if err := pyValue(dec, out); err != nil {
					return err
				}
			}
			dec.Token()
			out.WriteByte(']')
		}
	case string:
		pyString(t, out)
	case json.Number:
		out.WriteString(pyNumber(string(t)))
	case bool:
		out.WriteString(strconv.FormatBool(t))
	case nil:
		out.WriteString("null")
	}
	return nil
}

// pyNumber spells a number as Python prints the int or float json5 read.
func pyNumber(s string) string {
	if !strings.ContainsAny(s, ".eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return s
	}
	r := strconv.FormatFloat(f, 'g', -1, 64)
	if strings.ContainsAny(r, "e") {
		// Python: 1e+16, 1e-05
		mant, exp, _ := strings.Cut(r, "e")
		if len(exp) == 2 {
			exp = exp[:1] + "0" + exp[1:]
		}
		return mant + "e" + exp
	}
	if !strings.Contains(r, ".") {
		r += ".0"
	}
	return r
}

func pyString(s string, out *bytes.Buffer) {
	out.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			out.WriteString(`\"`)
		case r == '\\':
			out.WriteString(`\\`)
		case r == '\n':
			out.WriteString(`\n`)
		case r == '\r':
			out.WriteString(`\r`)
		case r == '\t':
			out.WriteString(`\t`)
		case r == '\b':
			out.WriteString(`\b`)
		case r == '\f':
			out.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r < 0x10000):
			if r < 0x7f || r > 0x7f {
				fmt.Fprintf(out, `\u%04x`, r)
			} else {
				out.WriteRune(r)
			}
		case r >= 0x10000:
			r -= 0x10000
			fmt.Fprintf(out, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			out.WriteRune(r)
		}
	}
	out.WriteByte('"')
}
