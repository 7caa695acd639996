package aslrun

import (
	"fmt"
	"strings"

	"github.com/resilientpay/paymentapi/workflows/asl"
)

// tnode is a compiled asl.Template: a payload template (Parameters,
// ResultSelector, ItemSelector, Assign ...) whose ".$" fields hold paths or
// intrinsic function calls, or a JSONata field value whose "{% %}" strings
// are expressions. Everything else is copied as written.
type tnode interface {
	eval(in any, c *evalCtx) (any, *stateError)
}

type tStatic struct{ v any }

func (t tStatic) eval(any, *evalCtx) (any, *stateError) { return t.v, nil }

type tObject struct {
	keys []string
	vals []tnode
}

func (t *tObject) eval(in any, c *evalCtx) (any, *stateError) {
	out := asl.NewSmallObject(len(t.keys))
	for i, k := range t.keys {
		v, err := t.vals[i].eval(in, c)
		if err != nil {
			return nil, err
		}
		out.Set(k, v)
	}
	return out, nil
}

type tArray []tnode

func (t tArray) eval(in any, c *evalCtx) (any, *stateError) {
	out := make([]any, len(t))
	for i, n := range t {
		v, err := n.eval(in, c)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// tDynamic is the value of a "name.$" field.
type tDynamic struct {
	field string
	expr  iexpr
}

func (t *tDynamic) eval(in any, c *evalCtx) (any, *stateError) {
	v, err := t.expr.eval(in, c)
	if err != nil {
		if err.missing != nil {
			return nil, runtimeErr("%s", err.missing.notFoundIn(t.field))
		}
		if err.name == ErrRuntime && !strings.HasPrefix(err.cause, "The intrinsic") {
			return nil, runtimeErr("The value of the field '%s' could not be evaluated: %s", t.field, err.cause)
		}
		return nil, err
	}
	return v, nil
}

// compileTemplate compiles a parsed template; where is the field's JSON
// path for error messages. A nil template compiles to nil.
// compileStateTemplate compiles a template of state s at where (which
// starts with s.Path) and names each JSONata expression's field as AWS
// does in its errors: relative to the state, with "/" between the steps
// ("Output/result", "Assign/total"; LocalStack's recorded
// test_undefined_reference).
func compileStateTemplate(s *asl.State, t *asl.Template, where string) (tnode, error) {
	n, err := compileTemplate(t, where)
	if err != nil {
		return nil, err
	}
	relabel(n, s.Path+".")
	return n, nil
}

func relabel(n tnode, prefix string) {
	switch x := n.(type) {
	case *tJSONata:
		x.field = strings.ReplaceAll(strings.TrimPrefix(x.field, prefix), ".", "/")
	case *tObject:
		for _, v := range x.vals {
			relabel(v, prefix)
		}
	case tArray:
		for _, v := range x {
			relabel(v, prefix)
		}
	}
}

func compileTemplate(t *asl.Template, where string) (tnode, error) {
	if t == nil {
		return nil, nil
	}
	switch t.Kind {
	case asl.TemplateLiteral:
		v, err := decodeJSON(t.JSON)
		if err != nil {
			return nil, &DefinitionError{Path: where, Msg: err.Error()}
		}
		return tStatic{v}, nil
	case asl.TemplateObject:
		obj := &tObject{keys: t.Keys}
		for i, f := range t.Fields {
			n, err := compileTemplate(f, where+"."+t.Keys[i])
			if err != nil {
				return nil, err
			}
			if d, ok := n.(*tDynamic); ok {
				d.field = t.Keys[i] + ".$"
			}
			obj.vals = append(obj.vals, n)
		}
		return obj, nil
	case asl.TemplateArray:
		arr := make(tArray, len(t.Items))
		for i, it := range t.Items {
			n, err := compileTemplate(it, fmt.Sprintf("%s[%d]", where, i))
			if err != nil {
				return nil, err
			}
			arr[i] = n
		}
		return arr, nil
	case asl.TemplatePath:
		p, err := compilePath(t.Path, where)
		if err != nil {
			return nil, err
		}
		return &tDynamic{field: where, expr: &iPath{p: p}}, nil
	case asl.TemplateIntrinsic:
		c, err := compileIntrinsic(t.Func, where)
		if err != nil {
			return nil, err
		}
		return &tDynamic{field: where, expr: c}, nil
	}
	return &tJSONata{field: where, expr: t.Expr}, nil
}
