package asl

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// OperandType is what a JSONPath Choice operator compares.
type OperandType string

// Operand types.
const (
	OperandString    OperandType = "string"
	OperandNumber    OperandType = "number"
	OperandBoolean   OperandType = "boolean"
	OperandTimestamp OperandType = "timestamp"
	// OperandTest is the type test of the Is* operators (IsNull ...), whose
	// operand is a boolean.
	OperandTest OperandType = "test"
	// OperandPattern is StringMatches' wildcard pattern.
	OperandPattern OperandType = "pattern"
)

// Operator describes one comparison operator of a JSONPath Choice rule.
type Operator struct {
	// Name is the operator as written, Base the same without a "Path"
	// suffix.
	Name, Base string
	Type       OperandType
	// Accept lists the comparison results (-1, 0, +1 for less, equal,
	// greater) that make the rule true; empty for tests and patterns.
	Accept []int
	// Path is true for the *Path variants, whose operand is a path.
	Path bool
}

// Operators lists every comparison operator by name, *Path variants
// included.
var Operators = func() map[string]Operator {
	m := map[string]Operator{}
	add := func(name string, t OperandType, accept []int, withPath bool) {
		m[name] = Operator{Name: name, Base: name, Type: t, Accept: accept}
		if withPath {
			m[name+"Path"] = Operator{Name: name + "Path", Base: name, Type: t, Accept: accept, Path: true}
		}
	}
	for prefix, t := range map[string]OperandType{"String": OperandString, "Numeric": OperandNumber, "Timestamp": OperandTimestamp} {
		add(prefix+"Equals", t, []int{0}, true)
		add(prefix+"LessThan", t, []int{-1}, true)
		add(prefix+"GreaterThan", t, []int{1}, true)
		add(prefix+"LessThanEquals", t, []int{-1, 0}, true)
		add(prefix+"GreaterThanEquals", t, []int{1, 0}, true)
	}
	add("BooleanEquals", OperandBoolean, []int{0}, true)
	add("StringMatches", OperandPattern, nil, false)
	for _, test := range []string{"IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"} {
		add(test, OperandTest, nil, false)
	}
	return m
}()

// Condition is a parsed JSONPath Choice rule: a comparison of Variable
// with a literal or with another path, or a Boolean combination.
type Condition struct {
	// Op is "And", "Or", "Not" or a comparison operator.
	Op string
	// Rules are the operands of And and Or; Not holds Not's one rule.
	Rules []*Condition
	Not   *Condition
	// Variable and Operator are set for comparisons.
	Variable *Path
	Operator Operator
	// Value is the literal operand: a string, a float64, a bool, a
	// time.Time (timestamps) or a *Pattern (StringMatches).
	Value any
	// ValuePath is the operand of the *Path operators.
	ValuePath *Path
}

// Pattern is a StringMatches pattern: literal runs separated by the *
// wildcard; \* is a literal star and \\ a literal backslash.
type Pattern struct {
	parts []string // a * sits between consecutive parts
}

// ParsePattern parses a StringMatches pattern.
func ParsePattern(s string) (*Pattern, error) {
	p := &Pattern{}
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 >= len(s) || (s[i+1] != '*' && s[i+1] != '\\') {
				return nil, errors.New(`in StringMatches only \* and \\ are escapes`)
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

// Match reports whether s matches the pattern.
func (p *Pattern) Match(s string) bool {
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

// ParseTimestamp parses the RFC 3339 timestamps the States Language
// accepts: an uppercase T between date and time and an uppercase Z or a
// numeric offset.
func ParseTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || len(s) < 20 || s[10] != 'T' || strings.HasSuffix(s, "z") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// parseCondition builds the Condition of a JSONPath choice rule (o is the
// rule object, p its JSON path) and reports problems under choice-rules.
// It returns nil when the rule is not usable.
func parseCondition(o *Object, p string, top bool, depth int, report func(path, msg, hint string)) *Condition {
	if depth > 64 {
		report(p, "choice rule nested too deeply", "simplify the rule")
		return nil
	}
	var ops []string
	bad := false
	for _, k := range sortedStrings(o.Keys) {
		switch {
		case k == "And" || k == "Or" || k == "Not":
			ops = append(ops, k)
		case Operators[k].Name != "":
			ops = append(ops, k)
		case k == "Variable" || k == "Comment":
		case top && (k == "Next" || k == "Assign"):
		case k == "Next":
			report(p+".Next", "a nested choice rule must not have Next", "move Next to the top-level rule")
			bad = true
		default:
			report(p+"."+k, fmt.Sprintf("unknown field %q in a choice rule", k), "use Variable with one comparison operator, or And/Or/Not")
			bad = true
		}
	}
	if top {
		if n, ok := o.Values["Next"].(string); !ok || n == "" {
			report(p+".Next", "a top-level choice rule needs a Next state", `add "Next": "<state>"`)
			bad = true
		}
	}
	if len(ops) != 1 {
		msg := "a choice rule needs exactly one comparison operator or And/Or/Not"
		if len(ops) > 1 {
			msg = fmt.Sprintf("a choice rule has %d operators (%s); it needs exactly one", len(ops), strings.Join(ops, ", "))
		}
		report(p, msg, "split the rule or combine rules with And/Or")
		return nil
	}
	op := ops[0]
	c := &Condition{Op: op}
	switch op {
	case "And", "Or":
		arr, ok := o.Values[op].([]any)
		if !ok || len(arr) == 0 {
			report(p+"."+op, op+" must be a non-empty array of rules", "list the rules to combine")
			return nil
		}
		if _, has := o.Values["Variable"]; has {
			report(p+".Variable", "a Boolean rule ("+op+") must not have Variable", "move Variable into the nested rules")
			bad = true
		}
		for i, x := range arr {
			q := fmt.Sprintf("%s.%s[%d]", p, op, i)
			m, ok := x.(*Object)
			if !ok {
				report(q, "a nested rule must be an object", "write the rule as an object")
				bad = true
				continue
			}
			r := parseCondition(m, q, false, depth+1, report)
			bad = bad || r == nil
			c.Rules = append(c.Rules, r)
		}
	case "Not":
		m, ok := o.Values["Not"].(*Object)
		if !ok {
			report(p+".Not", "Not must be a single rule object", "write Not: { ... }")
			return nil
		}
		if _, has := o.Values["Variable"]; has {
			report(p+".Variable", "a Boolean rule (Not) must not have Variable", "move Variable into the nested rule")
			bad = true
		}
		c.Not = parseCondition(m, p+".Not", false, depth+1, report)
		bad = bad || c.Not == nil
	default:
		if !parseComparison(c, o, p, report) {
			bad = true
		}
	}
	if bad {
		return nil
	}
	return c
}

func parseComparison(c *Condition, o *Object, p string, report func(path, msg, hint string)) bool {
	ok := true
	v, isStr := o.Values["Variable"].(string)
	if !isStr {
		report(p+".Variable", "a comparison needs a Variable path", `add "Variable": "$.field"`)
		ok = false
	} else if path, err := ParsePath(v); err != nil {
		report(p+".Variable", fmt.Sprintf("Variable %q is not a valid path: %v", v, err), "use a path such as $.field")
		ok = false
	} else {
		c.Variable = path
	}
	c.Operator = Operators[c.Op]
	val := plain(o.Values[c.Op])
	badOperand := func(want string) {
		report(p+"."+c.Op, fmt.Sprintf("%s takes %s, got %s", c.Op, want, Describe(val)), "fix the operand type")
		ok = false
	}
	if c.Operator.Path {
		s, isStr := val.(string)
		if !isStr {
			badOperand("a path")
		} else if path, err := ParsePath(s); err != nil {
			report(p+"."+c.Op, fmt.Sprintf("%s %q is not a valid path: %v", c.Op, s, err), "use a path such as $.other")
			ok = false
		} else {
			c.ValuePath = path
		}
		return ok
	}
	switch c.Operator.Type {
	case OperandString:
		if _, isStr := val.(string); !isStr {
			badOperand("a string")
		}
		c.Value = val
	case OperandPattern:
		s, isStr := val.(string)
		if !isStr {
			badOperand("a string")
			break
		}
		pat, err := ParsePattern(s)
		if err != nil {
			report(p+"."+c.Op, err.Error(), `escape a literal star as \\*`)
			ok = false
		}
		c.Value = pat
	case OperandNumber:
		if _, isNum := val.(float64); !isNum {
			badOperand("a number")
		}
		c.Value = val
	case OperandBoolean, OperandTest:
		if _, isBool := val.(bool); !isBool {
			badOperand("a boolean")
		}
		c.Value = val
	case OperandTimestamp:
		t, isTime := ParseTimestamp(val)
		if !isTime {
			badOperand("an RFC 3339 timestamp such as 2016-03-14T01:59:00Z")
		}
		c.Value = t
	}
	return ok
}

// Describe names a decoded JSON value (of Raw) in a message: a quoted
// string, a number, null, "an object" or "an array".
func Describe(v any) string {
	switch t := v.(type) {
	case string:
		return fmt.Sprintf("%q", t)
	case nil:
		return "null"
	case float64:
		return fmt.Sprintf("%g", t)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	default:
		return fmt.Sprintf("%v", t)
	}
}

func sortedStrings(in []string) []string {
	out := append([]string(nil), in...)
	sort.Strings(out)
	return out
}
