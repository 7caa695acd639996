package aslrun

import (
	"fmt"
	"strings"
	"time"
)

// rule is a compiled Choice rule.
type rule interface {
	eval(in, ctxObj any) (bool, *stateError)
}

type andRule []rule

func (r andRule) eval(in, ctxObj any) (bool, *stateError) {
	for _, x := range r {
		ok, err := x.eval(in, ctxObj)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type orRule []rule

func (r orRule) eval(in, ctxObj any) (bool, *stateError) {
	for _, x := range r {
		ok, err := x.eval(in, ctxObj)
		if err != nil {
			return false, err
		}
		if ok {
			return true, nil
		}
	}
	return false, nil
}

type notRule struct{ r rule }

func (r notRule) eval(in, ctxObj any) (bool, *stateError) {
	ok, err := r.r.eval(in, ctxObj)
	return !ok && err == nil, err
}

// opKind groups comparison operators by the JSON type they compare.
type opKind int

const (
	kindString opKind = iota
	kindNumeric
	kindBoolean
	kindTimestamp
	kindTest // IsNull, IsPresent, ...
	kindMatch
)

// operators maps each comparison operator (without the Path suffix) to its
// kind and the comparison outcome it accepts (-1, 0, +1).
var operators = map[string]struct {
	kind opKind
	want []int
}{
	"StringEquals":               {kindString, []int{0}},
	"StringLessThan":             {kindString, []int{-1}},
	"StringGreaterThan":          {kindString, []int{1}},
	"StringLessThanEquals":       {kindString, []int{-1, 0}},
	"StringGreaterThanEquals":    {kindString, []int{1, 0}},
	"StringMatches":              {kindMatch, nil},
	"NumericEquals":              {kindNumeric, []int{0}},
	"NumericLessThan":            {kindNumeric, []int{-1}},
	"NumericGreaterThan":         {kindNumeric, []int{1}},
	"NumericLessThanEquals":      {kindNumeric, []int{-1, 0}},
	"NumericGreaterThanEquals":   {kindNumeric, []int{1, 0}},
	"BooleanEquals":              {kindBoolean, []int{0}},
	"TimestampEquals":            {kindTimestamp, []int{0}},
	"TimestampLessThan":          {kindTimestamp, []int{-1}},
	"TimestampGreaterThan":       {kindTimestamp, []int{1}},
	"TimestampLessThanEquals":    {kindTimestamp, []int{-1, 0}},
	"TimestampGreaterThanEquals": {kindTimestamp, []int{1, 0}},
	"IsNull":                     {kindTest, nil},
	"IsPresent":                  {kindTest, nil},
	"IsNumeric":                  {kindTest, nil},
	"IsString":                   {kindTest, nil},
	"IsBoolean":                  {kindTest, nil},
	"IsTimestamp":                {kindTest, nil},
}

// cmpRule is a comparison of the Variable against a literal value or, for
// the *Path operators, against the value at another path.
type cmpRule struct {
	variable  *path
	op        string
	kind      opKind
	want      []int
	value     any // literal operand (a time.Time for timestamps, a pattern for StringMatches)
	valuePath *path
}

func (r *cmpRule) eval(in, ctxObj any) (bool, *stateError) {
	if r.op == "IsPresent" {
		return r.variable.exists(in, ctxObj) == r.value.(bool), nil
	}
	v, err := r.variable.eval(in, ctxObj)
	if err != nil {
		return false, runtimeErr("Invalid path '%s' in a Choice rule: the path matches nothing in %s", r.variable.src, excerpt(in))
	}
	if r.kind == kindTest {
		var is bool
		switch r.op {
		case "IsNull":
			is = v == nil
		case "IsNumeric":
			_, is = toFloat(v)
		case "IsString":
			_, is = v.(string)
		case "IsBoolean":
			_, is = v.(bool)
		case "IsTimestamp":
			_, is = parseTimestamp(v)
		}
		return is == r.value.(bool), nil
	}
	if r.kind == kindMatch {
		s, ok := v.(string)
		return ok && r.value.(*pattern).match(s), nil
	}
	operand := r.value
	if r.valuePath != nil {
		o, err := r.valuePath.eval(in, ctxObj)
		if err != nil {
			return false, runtimeErr("Invalid path '%s' in a Choice rule: the path matches nothing in %s", r.valuePath.src, excerpt(in))
		}
		operand = o
		if r.kind == kindTimestamp {
			t, ok := parseTimestamp(o)
			if !ok {
				return false, nil
			}
			operand = t
		}
	}
	c, ok := compareAs(r.kind, v, operand)
	if !ok {
		return false, nil // a value of another type never matches
	}
	for _, w := range r.want {
		if c == w {
			return true, nil
		}
	}
	return false, nil
}

// compareAs compares a and b as the kind's type; ok is false when either
// is not of that type.
func compareAs(kind opKind, a, b any) (int, bool) {
	switch kind {
	case kindString:
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		return strings.Compare(x, y), true
	case kindNumeric:
		x, ok1 := toFloat(a)
		y, ok2 := toFloat(b)
		if !ok1 || !ok2 {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	case kindBoolean:
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		if !ok1 || !ok2 || x != y {
			return 1, ok1 && ok2
		}
		return 0, true
	case kindTimestamp:
		x, ok1 := parseTimestamp(a)
		y, ok2 := b.(time.Time)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.Compare(y), true
	}
	return 0, false
}

// parseTimestamp accepts the RFC 3339 timestamps Step Functions accepts:
// an uppercase T between date and time and a Z or numeric offset.
func parseTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || len(s) < 20 || s[10] != 'T' {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// compileRule compiles one Choice rule. top is true for the rules directly
// in Choices, which need a Next.
func compileRule(v any, loc string, top bool) (rule, string, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, "", &DefinitionError{Path: loc, Msg: "a choice rule must be an object"}
	}
	next := ""
	if n, has := m["Next"]; has {
		if !top {
			return nil, "", &DefinitionError{Path: loc, Msg: "only top-level choice rules may have Next"}
		}
		s, ok := n.(string)
		if !ok || s == "" {
			return nil, "", &DefinitionError{Path: loc + "/Next", Msg: "Next must be a state name"}
		}
		next = s
	} else if top {
		return nil, "", &DefinitionError{Path: loc, Msg: "a top-level choice rule needs Next"}
	}
	if _, has := m["Condition"]; has {
		return nil, "", &UnsupportedError{Path: loc, Feature: "JSONata Condition in Choice rules"}
	}
	var found []string
	for k := range m {
		switch k {
		case "Next", "Comment", "Variable":
		default:
			found = append(found, k)
		}
	}
	if len(found) != 1 {
		return nil, "", &DefinitionError{Path: loc, Msg: fmt.Sprintf("a choice rule needs exactly one operator, found %v", found)}
	}
	op := found[0]
	switch op {
	case "And", "Or":
		if _, has := m["Variable"]; has {
			return nil, "", &DefinitionError{Path: loc, Msg: op + " takes no Variable"}
		}
		list, ok := m[op].([]any)
		if !ok || len(list) == 0 {
			return nil, "", &DefinitionError{Path: loc + "/" + op, Msg: op + " must be a non-empty array of rules"}
		}
		rules := make([]rule, len(list))
		for i, sub := range list {
			r, _, err := compileRule(sub, fmt.Sprintf("%s/%s/%d", loc, op, i), false)
			if err != nil {
				return nil, "", err
			}
			rules[i] = r
		}
		if op == "And" {
			return andRule(rules), next, nil
		}
		return orRule(rules), next, nil
	case "Not":
		if _, has := m["Variable"]; has {
			return nil, "", &DefinitionError{Path: loc, Msg: "Not takes no Variable"}
		}
		r, _, err := compileRule(m["Not"], loc+"/Not", false)
		if err != nil {
			return nil, "", err
		}
		return notRule{r}, next, nil
	}
	varSrc, ok := m["Variable"].(string)
	if !ok {
		return nil, "", &DefinitionError{Path: loc, Msg: "a comparison needs a Variable path"}
	}
	variable, err := parsePath(varSrc, false)
	if err != nil {
		return nil, "", &DefinitionError{Path: loc + "/Variable", Msg: err.Error()}
	}
	base, isPath := strings.CutSuffix(op, "Path")
	spec, known := operators[base]
	if !known || (isPath && (spec.kind == kindTest || spec.kind == kindMatch)) {
		spec, known = operators[op]
		base, isPath = op, false
	}
	if !known {
		return nil, "", &DefinitionError{Path: loc, Msg: fmt.Sprintf("unknown comparison operator %q", op)}
	}
	r := &cmpRule{variable: variable, op: base, kind: spec.kind, want: spec.want}
	val := m[op]
	bad := func(want string) error {
		return &DefinitionError{Path: loc + "/" + op, Msg: fmt.Sprintf("%s needs %s, got %s", op, want, jsonType(val))}
	}
	if isPath {
		s, ok := val.(string)
		if !ok {
			return nil, "", bad("a path")
		}
		p, err := parsePath(s, false)
		if err != nil {
			return nil, "", &DefinitionError{Path: loc + "/" + op, Msg: err.Error()}
		}
		r.valuePath = p
		return r, next, nil
	}
	switch spec.kind {
	case kindString:
		if _, ok := val.(string); !ok {
			return nil, "", bad("a string")
		}
		r.value = val
	case kindMatch:
		s, ok := val.(string)
		if !ok {
			return nil, "", bad("a string")
		}
		p, err := compilePattern(s)
		if err != nil {
			return nil, "", &DefinitionError{Path: loc + "/" + op, Msg: err.Error()}
		}
		r.value = p
	case kindNumeric:
		if _, ok := toFloat(val); !ok {
			return nil, "", bad("a number")
		}
		r.value = val
	case kindBoolean, kindTest:
		if _, ok := val.(bool); !ok {
			return nil, "", bad("a boolean")
		}
		r.value = val
	case kindTimestamp:
		t, ok := parseTimestamp(val)
		if !ok {
			return nil, "", bad("an RFC 3339 timestamp")
		}
		r.value = t
	}
	return r, next, nil
}

// pattern is a compiled StringMatches pattern: literal runs separated by
// the * wildcard. \* is a literal star and \\ a literal backslash.
type pattern struct {
	parts []string // literal runs; a * sits between consecutive parts
}

func compilePattern(s string) (*pattern, error) {
	p := &pattern{}
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, fmt.Errorf("in StringMatches only \\* and \\\\ are escapes")
			}
			i++
			cur.WriteByte(s[i])
		case '*':
			p.parts = append(p.parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	p.parts = append(p.parts, cur.String())
	return p, nil
}

func (p *pattern) match(s string) bool {
	if len(p.parts) == 1 {
		return s == p.parts[0]
	}
	first, last := p.parts[0], p.parts[len(p.parts)-1]
	if !strings.HasPrefix(s, first) {
		return false
	}
	s = s[len(first):]
	for _, mid := range p.parts[1 : len(p.parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, last)
}
