package aslrun

import (
	"fmt"
	"strings"
)

// tnode is a compiled payload template (Parameters, ResultSelector,
// ItemSelector): fields whose names end in ".$" are evaluated as paths or
// intrinsic function calls; everything else is copied as written.
type tnode interface {
	eval(in, ctxObj any, e *env) (any, *stateError)
}

type tStatic struct{ v any }

func (t tStatic) eval(any, any, *env) (any, *stateError) { return t.v, nil }

type tObject struct {
	keys []string
	vals []tnode
}

func (t *tObject) eval(in, ctxObj any, e *env) (any, *stateError) {
	out := make(map[string]any, len(t.keys))
	for i, k := range t.keys {
		v, err := t.vals[i].eval(in, ctxObj, e)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

type tArray []tnode

func (t tArray) eval(in, ctxObj any, e *env) (any, *stateError) {
	out := make([]any, len(t))
	for i, n := range t {
		v, err := n.eval(in, ctxObj, e)
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

func (t *tDynamic) eval(in, ctxObj any, e *env) (any, *stateError) {
	v, err := t.expr.eval(in, ctxObj, e)
	if err != nil {
		if err.name == ErrRuntime && !strings.HasPrefix(err.cause, "The intrinsic") {
			return nil, runtimeErr("The value of the field '%s' could not be evaluated: %s", t.field, err.cause)
		}
		return nil, err
	}
	return v, nil
}

// compileTemplate compiles a payload template given as a decoded JSON
// value. loc is the definition location for error messages.
func compileTemplate(v any, loc string) (tnode, error) {
	n, _, err := compileNode(v, loc)
	return n, err
}

// compileNode returns the node and whether it is dynamic.
func compileNode(v any, loc string) (tnode, bool, error) {
	switch x := v.(type) {
	case map[string]any:
		obj := &tObject{}
		dynamic := false
		for k, val := range x {
			if name, ok := strings.CutSuffix(k, ".$"); ok {
				if _, dup := x[name]; dup {
					return nil, false, &DefinitionError{Path: loc, Msg: fmt.Sprintf("both %q and %q are set", name, k)}
				}
				s, ok := val.(string)
				if !ok {
					return nil, false, &DefinitionError{Path: loc + "/" + k, Msg: "the value of a field ending in .$ must be a string holding a path or an intrinsic function"}
				}
				expr, err := compileExpr(s)
				if err != nil {
					return nil, false, &DefinitionError{Path: loc + "/" + k, Msg: err.Error()}
				}
				obj.keys = append(obj.keys, name)
				obj.vals = append(obj.vals, &tDynamic{field: k, expr: expr})
				dynamic = true
				continue
			}
			n, d, err := compileNode(val, loc+"/"+k)
			if err != nil {
				return nil, false, err
			}
			obj.keys = append(obj.keys, k)
			obj.vals = append(obj.vals, n)
			dynamic = dynamic || d
		}
		if !dynamic {
			return tStatic{v}, false, nil
		}
		return obj, true, nil
	case []any:
		arr := make(tArray, len(x))
		dynamic := false
		for i, val := range x {
			n, d, err := compileNode(val, fmt.Sprintf("%s/%d", loc, i))
			if err != nil {
				return nil, false, err
			}
			arr[i] = n
			dynamic = dynamic || d
		}
		if !dynamic {
			return tStatic{v}, false, nil
		}
		return arr, true, nil
	}
	return tStatic{v}, false, nil
}

// compileExpr compiles the value of a ".$" field: a path, a context path
// or an intrinsic function call.
func compileExpr(s string) (iexpr, error) {
	if strings.HasPrefix(s, "States.") {
		return parseIntrinsic(s)
	}
	if strings.HasPrefix(s, "$") {
		p, err := parsePath(s, false)
		if err != nil {
			return nil, err
		}
		return &iPath{p: p}, nil
	}
	return nil, fmt.Errorf("%q is neither a path nor an intrinsic function", s)
}
