package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Object is a decoded JSON object that keeps its keys in document order,
// the form DecodeJSON gives objects. The linter's model also records the
// keys that appeared more than once (encoding/json keeps the last value
// silently; the linter reports it), and the executor uses Object for all
// its state data, because Step Functions keeps key order in state data and
// in what States.JsonToString renders.
type Object struct {
	Keys   []string
	Values map[string]any
	dups   []string
}

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{Keys: make([]string, 0, n), Values: make(map[string]any, n)}
}

// Set adds or replaces a member; a new key goes last.
func (o *Object) Set(k string, v any) {
	if _, ok := o.Values[k]; !ok {
		o.Keys = append(o.Keys, k)
	}
	o.Values[k] = v
}

// Get returns a member; a nil object has none.
func (o *Object) Get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	v, ok := o.Values[k]
	return v, ok
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.Keys)
}

// With returns a copy of o (nil: an empty object) with member k set to v.
func (o *Object) With(k string, v any) *Object {
	out := NewObject(o.Len() + 1)
	if o != nil {
		for _, key := range o.Keys {
			out.Set(key, o.Values[key])
		}
	}
	out.Set(k, v)
	return out
}

// MarshalJSON renders the object with its keys in order.
func (o *Object) MarshalJSON() ([]byte, error) { return encodeOrdered(o), nil }

// DecodeJSON decodes one JSON value into *Object, []any, json.Number,
// string, bool and nil, keeping key order and numbers as written.
func DecodeJSON(data []byte) (any, error) { return decodeOrdered(data) }

// maxDepth bounds nesting so a hostile definition cannot exhaust the stack.
const maxDepth = 256

// decodeOrdered decodes one JSON value, keeping object key order. Numbers
// stay json.Number, as written; plain turns them into float64.
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("JSON nested deeper than %d levels", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := NewObject(4)
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, fmt.Errorf("object key is %T, not a string", kt)
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				if _, seen := o.Values[k]; seen {
					o.dups = append(o.dups, k)
				}
				o.Set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, fmt.Errorf("unexpected delimiter %q", t)
	case json.Number:
		if _, err := t.Float64(); err != nil {
			return nil, fmt.Errorf("number %s: %w", t, err)
		}
		return t, nil
	default:
		return tok, nil // string, bool, nil
	}
}

// plain converts an ordered tree into the map[string]any / []any / float64
// form that encoding/json produces, for Raw fields.
func plain(v any) any {
	switch t := v.(type) {
	case json.Number:
		f, _ := t.Float64()
		return f
	case *Object:
		m := make(map[string]any, len(t.Values))
		for k, x := range t.Values {
			m[k] = plain(x)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = plain(x)
		}
		return out
	default:
		return v
	}
}

// encodeOrdered renders an ordered tree as compact JSON: keys in document
// order, numbers as written, no HTML escaping.
func encodeOrdered(v any) json.RawMessage {
	var b bytes.Buffer
	writeOrdered(&b, v)
	return b.Bytes()
}

func writeOrdered(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case *Object:
		b.WriteByte('{')
		for i, k := range t.Keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			writeOrdered(b, t.Values[k])
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			writeOrdered(b, x)
		}
		b.WriteByte(']')
	case json.Number:
		b.WriteString(t.String())
	case string:
		writeString(b, t)
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		enc := json.NewEncoder(b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(t); err != nil {
			b.WriteString("null")
			return
		}
		b.Truncate(b.Len() - 1)
	}
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	b.Truncate(b.Len() - 1)
}
