package payment

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// A strict RFC 8259 JSON parser for request bodies. encoding/json is not
// used because it accepts duplicate object keys (the last one wins) and
// silently replaces invalid UTF-8 and lone surrogates with U+FFFD; a
// payment request must mean exactly one thing.
//
// The parser builds a small tree, keeps numbers as their literal text (so
// that "1.0", "1e2" and "-0" can be told apart from integers), records
// duplicate keys at every depth, and reports the first syntax error with
// its byte offset only, never with any of the text around it.

// maxDepth bounds the nesting of arrays and objects.
const maxDepth = 32

type jsonKind uint8

const (
	jsonString jsonKind = iota + 1
	jsonNumber
	jsonBool
	jsonNull
	jsonObject
	jsonArray
)

// String names the kind the way error details do.
func (k jsonKind) String() string {
	switch k {
	case jsonString:
		return "a string"
	case jsonNumber:
		return "a number"
	case jsonBool:
		return "a boolean"
	case jsonNull:
		return "null"
	case jsonObject:
		return "an object"
	case jsonArray:
		return "an array"
	}
	return "nothing"
}

// jsonValue is a parsed value. Arrays keep no items: no field of a payment
// request is an array, so their content is only checked for syntax,
// duplicate keys and card data.
type jsonValue struct {
	kind    jsonKind
	text    string       // decoded string, or number literal as written
	members []jsonMember // object members in document order, duplicates included
}

type jsonMember struct {
	key string
	val jsonValue
	dup bool // an earlier member of the same object has this key
}

// jsonDuplicate is a duplicate object key found anywhere in the document:
// the path of keys leading to it, the duplicate last. Only the first two
// keys are kept, which is all a problem document names.
type jsonDuplicate struct {
	depth int    // nesting depth of its object: 1 for a top-level key
	top   string // the top-level key it is under (or is)
	key   string // the duplicate key itself
}

// jsonSyntaxError is a syntax error at a byte offset of the body.
type jsonSyntaxError struct {
	offset int
	msg    string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

// jsonParser parses one document. visit, if set, is called with every
// object key and every string and number value, and with the path of
// object keys leading to it (the key itself is last for a key).
type jsonParser struct {
	data  []byte
	pos   int
	depth int
	path  []string
	visit func(path []string, text string)
	dups  []jsonDuplicate
	buf   strings.Builder
}

// parseJSON parses data, which must hold exactly one JSON value and
// nothing else but whitespace. data must be valid UTF-8 (checked by the
// caller, once, for the whole body).
// The duplicate keys found are returned in document order.
func parseJSON(data []byte, visit func(path []string, text string)) (jsonValue, []jsonDuplicate, error) {
	p := jsonParser{data: data, visit: visit}
	v, err := p.document()
	return v, p.dups, err
}

func (p *jsonParser) document() (jsonValue, error) {
	p.skipSpace()
	if p.pos == len(p.data) {
		return jsonValue{}, p.errorf("the body holds no JSON value")
	}
	v, err := p.value()
	if err != nil {
		return jsonValue{}, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		trailing := p.errorf("the JSON value is followed by more data")
		if p.visit != nil { // look at the rest for card data all the same
			for p.pos < len(p.data) {
				if _, err := p.value(); err != nil {
					break
				}
				p.skipSpace()
			}
		}
		return jsonValue{}, trailing
	}
	return v, nil
}

func (p *jsonParser) errorf(msg string) *jsonSyntaxError {
	return &jsonSyntaxError{offset: p.pos, msg: msg}
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value() (jsonValue, error) {
	if p.pos >= len(p.data) {
		return jsonValue{}, p.errorf("the JSON value ends early")
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return jsonValue{}, err
		}
		p.see(s)
		return jsonValue{kind: jsonString, text: s}, nil
	case c == '-' || '0' <= c && c <= '9':
		n, err := p.number()
		if err != nil {
			return jsonValue{}, err
		}
		p.see(n)
		return jsonValue{kind: jsonNumber, text: n}, nil
	case c == 't':
		return p.literal("true", jsonValue{kind: jsonBool, text: "true"})
	case c == 'f':
		return p.literal("false", jsonValue{kind: jsonBool, text: "false"})
	case c == 'n':
		return p.literal("null", jsonValue{kind: jsonNull})
	}
	return jsonValue{}, p.errorf("a JSON value was expected")
}

func (p *jsonParser) see(text string) {
	if p.visit != nil {
		p.visit(p.path, text)
	}
}

func (p *jsonParser) literal(word string, v jsonValue) (jsonValue, error) {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return jsonValue{}, p.errorf("a JSON value was expected")
	}
	p.pos += len(word)
	return v, nil
}

func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return p.errorf("the JSON value is nested too deeply")
	}
	return nil
}

func (p *jsonParser) object() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '{'
	v := jsonValue{kind: jsonObject, members: make([]jsonMember, 0, 8)}
	var seen map[string]struct{} // only for large objects
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		p.depth--
		return jsonValue{kind: jsonObject}, nil
	}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return jsonValue{}, p.errorf("an object key (a string) was expected")
		}
		key, err := p.str()
		if err != nil {
			return jsonValue{}, err
		}
		p.path = append(p.path, key)
		p.see(key)
		dup := false
		if seen == nil && len(v.members) < 16 {
			for i := range v.members {
				if v.members[i].key == key {
					dup = true
					break
				}
			}
		} else {
			if seen == nil {
				seen = make(map[string]struct{}, 2*len(v.members))
				for i := range v.members {
					seen[v.members[i].key] = struct{}{}
				}
			}
			_, dup = seen[key]
			seen[key] = struct{}{}
		}
		if dup {
			p.dups = append(p.dups, jsonDuplicate{depth: p.depth, top: p.path[0], key: key})
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return jsonValue{}, p.errorf("a colon was expected after an object key")
		}
		p.pos++
		p.skipSpace()
		val, err := p.value()
		if err != nil {
			return jsonValue{}, err
		}
		p.path = p.path[:len(p.path)-1]
		v.members = append(v.members, jsonMember{key: key, val: val, dup: dup})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.errorf("the object is not closed")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case '}':
			p.pos++
			p.depth--
			return v, nil
		default:
			return jsonValue{}, p.errorf("a comma or a closing brace was expected")
		}
	}
}

func (p *jsonParser) array() (jsonValue, error) {
	if err := p.enter(); err != nil {
		return jsonValue{}, err
	}
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		p.depth--
		return jsonValue{kind: jsonArray}, nil
	}
	for {
		p.skipSpace()
		if _, err := p.value(); err != nil {
			return jsonValue{}, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) {
			return jsonValue{}, p.errorf("the array is not closed")
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
		case ']':
			p.pos++
			p.depth--
			return jsonValue{kind: jsonArray}, nil
		default:
			return jsonValue{}, p.errorf("a comma or a closing bracket was expected")
		}
	}
}

// number scans a number literal per RFC 8259 and returns it as written.
func (p *jsonParser) number() (string, error) {
	start := p.pos
	i := p.pos
	if p.data[i] == '-' {
		i++
	}
	digits := func() int {
		n := 0
		for i < len(p.data) && '0' <= p.data[i] && p.data[i] <= '9' {
			i++
			n++
		}
		return n
	}
	switch {
	case i < len(p.data) && p.data[i] == '0':
		i++
	case digits() == 0:
		p.pos = i
		return "", p.errorf("a number has no digits")
	}
	if i < len(p.data) && p.data[i] == '.' {
		i++
		if digits() == 0 {
			p.pos = i
			return "", p.errorf("a number has no digits after its decimal point")
		}
	}
	if i < len(p.data) && (p.data[i] == 'e' || p.data[i] == 'E') {
		i++
		if i < len(p.data) && (p.data[i] == '+' || p.data[i] == '-') {
			i++
		}
		if digits() == 0 {
			p.pos = i
			return "", p.errorf("a number has no digits in its exponent")
		}
	}
	p.pos = i
	return string(p.data[start:i]), nil
}

// str scans a string literal at p.pos and returns it decoded.
func (p *jsonParser) str() (string, error) {
	start := p.pos + 1
	for i := start; i < len(p.data); i++ {
		switch c := p.data[i]; {
		case c == '"':
			p.pos = i + 1
			return string(p.data[start:i]), nil
		case c == '\\':
			return p.strEscaped(start, i)
		case c < 0x20:
			p.pos = i
			return "", p.errorf("a string holds an unescaped control character")
		}
	}
	p.pos = len(p.data)
	return "", p.errorf("a string is not closed")
}

// strEscaped decodes a string that holds escapes; data[start:i] has none.
func (p *jsonParser) strEscaped(start, i int) (string, error) {
	b := &p.buf
	b.Reset()
	b.Write(p.data[start:i])
	for i < len(p.data) {
		c := p.data[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return b.String(), nil
		case c < 0x20:
			p.pos = i
			return "", p.errorf("a string holds an unescaped control character")
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		// an escape
		if i+1 >= len(p.data) {
			break
		}
		switch e := p.data[i+1]; e {
		case '"', '\\', '/':
			b.WriteByte(e)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := hex4(p.data, i+2)
			if !ok {
				p.pos = i
				return "", p.errorf("a string holds a malformed \\u escape")
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := rune(0), false
				if i+1 < len(p.data) && p.data[i] == '\\' && p.data[i+1] == 'u' {
					r2, ok = hex4(p.data, i+2)
				}
				r = utf16.DecodeRune(r, r2)
				if !ok || r == utf8.RuneError {
					p.pos = i
					return "", p.errorf("a string holds a lone UTF-16 surrogate")
				}
				i += 6
			}
			b.WriteRune(r)
			continue
		default:
			p.pos = i
			return "", p.errorf("a string holds an invalid escape")
		}
		i += 2
	}
	p.pos = len(p.data)
	return "", p.errorf("a string is not closed")
}

// hex4 decodes the four hex digits at data[i:i+4].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		v, ok := hexVal(c)
		if !ok {
			return 0, false
		}
		r = r<<4 | rune(v)
	}
	return r, true
}
