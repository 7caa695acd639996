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
//
// An object has one of two forms. NewObject's (and DecodeJSON's) has
// Values, a map from each key to its value. NewSmallObject's, for the few
// members most state data has, keeps the values in a slice in key order
// and leaves Values nil: a map costs two allocations and a hash per
// access, a few members are found faster by comparing keys. Get, Set,
// Len, Member and With work on both forms; read Values directly only from
// objects you know to be of the first (a parsed definition's).
type Object struct {
	Keys []string
	// Values maps each key to its value; nil in a small object.
	Values map[string]any
	// vals are a small object's values, in the order of Keys.
	vals []any
	dups []string
}

// maxSmallObject is the most members a small object holds; Set turns a
// small object that grows past it into the map form.
const maxSmallObject = 8

// NewObject returns an empty object with room for n members.
func NewObject(n int) *Object {
	return &Object{Keys: make([]string, 0, n), Values: make(map[string]any, n)}
}

// smallObject4 and smallObject8 are a small object and room for its
// members in one allocation.
type smallObject4 struct {
	o    Object
	keys [4]string
	vals [4]any
}

type smallObject8 struct {
	o    Object
	keys [8]string
	vals [8]any
}

// NewSmallObject returns an empty object with room for n members, in the
// small form when n is at most 8 (see Object).
func NewSmallObject(n int) *Object {
	switch {
	case n <= 4:
		s := new(smallObject4)
		s.o.Keys, s.o.vals = s.keys[:0:4], s.vals[:0:4]
		return &s.o
	case n <= maxSmallObject:
		s := new(smallObject8)
		s.o.Keys, s.o.vals = s.keys[:0:8], s.vals[:0:8]
		return &s.o
	}
	return NewObject(n)
}

// index returns the position of k in a small object's Keys, or -1.
func (o *Object) index(k string) int {
	for i, key := range o.Keys {
		if key == k {
			return i
		}
	}
	return -1
}

// Set adds or replaces a member; a new key goes last.
func (o *Object) Set(k string, v any) {
	if o.Values != nil {
		if _, ok := o.Values[k]; !ok {
			o.Keys = append(o.Keys, k)
		}
		o.Values[k] = v
		return
	}
	if i := o.index(k); i >= 0 {
		o.vals[i] = v
		return
	}
	if len(o.Keys) < maxSmallObject {
		o.Keys = append(o.Keys, k)
		o.vals = append(o.vals, v)
		return
	}
	m := make(map[string]any, 2*len(o.Keys))
	for i, key := range o.Keys {
		m[key] = o.vals[i]
	}
	o.Values, o.vals = m, nil
	o.Keys = append(o.Keys, k)
	m[k] = v
}

// Get returns a member; a nil object has none.
func (o *Object) Get(k string) (any, bool) {
	if o == nil {
		return nil, false
	}
	if o.Values != nil {
		v, ok := o.Values[k]
		return v, ok
	}
	if i := o.index(k); i >= 0 {
		return o.vals[i], true
	}
	return nil, false
}

// Member returns the i-th member in key order, 0 <= i < Len().
func (o *Object) Member(i int) (string, any) {
	k := o.Keys[i]
	if o.Values != nil {
		return k, o.Values[k]
	}
	return k, o.vals[i]
}

// Len returns the number of members.
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.Keys)
}

// With returns a copy of o (nil: an empty object) with member k set to v,
// in the small form when it fits.
func (o *Object) With(k string, v any) *Object {
	out := NewSmallObject(o.Len() + 1)
	for i := range o.Len() {
		out.Set(o.Member(i))
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
		m := make(map[string]any, t.Len())
		for i := range t.Len() {
			k, x := t.Member(i)
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
		for i := range t.Len() {
			if i > 0 {
				b.WriteByte(',')
			}
			k, x := t.Member(i)
			writeString(b, k)
			b.WriteByte(':')
			writeOrdered(b, x)
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
