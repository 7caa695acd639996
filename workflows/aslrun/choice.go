package aslrun

import (
	"fmt"
	"strings"
	"time"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// rule is a compiled Choice rule.
type rule interface {
	eval(in any, c *evalCtx) (bool, *stateError)
}

type andRule []rule

func (r andRule) eval(in any, c *evalCtx) (bool, *stateError) {
	for _, x := range r {
		ok, err := x.eval(in, c)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

type orRule []rule

func (r orRule) eval(in any, c *evalCtx) (bool, *stateError) {
	for _, x := range r {
		ok, err := x.eval(in, c)
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

func (r notRule) eval(in any, c *evalCtx) (bool, *stateError) {
	ok, err := r.r.eval(in, c)
	return !ok && err == nil, err
}

// cmpRule is a comparison of the Variable against a literal value or, for
// the *Path operators, against the value at another path.
type cmpRule struct {
	variable  *path
	op        asl.Operator
	value     any // literal operand (a time.Time for timestamps, an *asl.Pattern for StringMatches)
	valuePath *path
}

func (r *cmpRule) eval(in any, c *evalCtx) (bool, *stateError) {
	if r.op.Base == "IsPresent" {
		return r.variable.exists(in, c) == r.value.(bool), nil
	}
	v, err := r.variable.eval(in, c)
	if err != nil {
		return false, runtimeErr("Invalid path '%s' in a Choice rule: the path matches nothing in %s", r.variable.Source, excerpt(in))
	}
	if r.op.Type == asl.OperandTest {
		var is bool
		switch r.op.Base {
		case "IsNull":
			is = v == nil
		case "IsNumeric":
			_, is = toFloat(v)
		case "IsString":
			_, is = v.(string)
		case "IsBoolean":
			_, is = v.(bool)
		case "IsTimestamp":
			_, is = asl.ParseTimestamp(v)
		}
		return is == r.value.(bool), nil
	}
	if r.op.Type == asl.OperandPattern {
		s, ok := v.(string)
		return ok && r.value.(*asl.Pattern).Match(s), nil
	}
	operand := r.value
	if r.valuePath != nil {
		o, err := r.valuePath.eval(in, c)
		if err != nil {
			return false, runtimeErr("Invalid path '%s' in a Choice rule: the path matches nothing in %s", r.valuePath.Source, excerpt(in))
		}
		operand = o
		if r.op.Type == asl.OperandTimestamp {
			t, ok := asl.ParseTimestamp(o)
			if !ok {
				return false, nil
			}
			operand = t
		}
	}
	cmp, ok := compareAs(r.op.Type, v, operand)
	if !ok {
		return false, nil // a value of another type never matches
	}
	for _, w := range r.op.Accept {
		if cmp == w {
			return true, nil
		}
	}
	return false, nil
}

// compareAs compares a and b as the kind's type; ok is false when either
// is not of that type.
func compareAs(kind asl.OperandType, a, b any) (int, bool) {
	switch kind {
	case asl.OperandString:
		x, ok1 := a.(string)
		y, ok2 := b.(string)
		if !ok1 || !ok2 {
			return 0, false
		}
		return strings.Compare(x, y), true
	case asl.OperandNumber:
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
	case asl.OperandBoolean:
		x, ok1 := a.(bool)
		y, ok2 := b.(bool)
		if !ok1 || !ok2 || x != y {
			return 1, ok1 && ok2
		}
		return 0, true
	case asl.OperandTimestamp:
		x, ok1 := asl.ParseTimestamp(a)
		y, ok2 := b.(time.Time)
		if !ok1 || !ok2 {
			return 0, false
		}
		return x.Compare(y), true
	}
	return 0, false
}

// compileRule compiles a parsed JSONPath Choice rule.
func compileRule(c *asl.Condition, where string) (rule, error) {
	if c == nil {
		return nil, &DefinitionError{Path: where, Msg: "invalid choice rule"}
	}
	switch c.Op {
	case "And", "Or":
		rules := make([]rule, len(c.Rules))
		for i, sub := range c.Rules {
			r, err := compileRule(sub, fmt.Sprintf("%s.%s[%d]", where, c.Op, i))
			if err != nil {
				return nil, err
			}
			rules[i] = r
		}
		if c.Op == "And" {
			return andRule(rules), nil
		}
		return orRule(rules), nil
	case "Not":
		r, err := compileRule(c.Not, where+".Not")
		if err != nil {
			return nil, err
		}
		return notRule{r}, nil
	}
	variable, err := compilePath(c.Variable, where+".Variable")
	if err != nil {
		return nil, err
	}
	valuePath, err := compilePath(c.ValuePath, where+"."+c.Op)
	if err != nil {
		return nil, err
	}
	value := c.Value
	if f, ok := value.(float64); ok {
		value = floatNum(f)
	}
	return &cmpRule{variable: variable, op: c.Operator, value: value, valuePath: valuePath}, nil
}
