package asl

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	jsonata "github.com/xiatechs/jsonata-go"
	"github.com/xiatechs/jsonata-go/jparse"
)

// TemplateKind says what a Template node is.
type TemplateKind int

// Template node kinds.
const (
	// TemplateLiteral is a value copied as written.
	TemplateLiteral TemplateKind = iota
	// TemplateObject and TemplateArray hold evaluated members.
	TemplateObject
	TemplateArray
	// TemplatePath and TemplateIntrinsic are the value of a JSONPath
	// "key.$" field.
	TemplatePath
	TemplateIntrinsic
	// TemplateJSONata is a "{% ... %}" string of a JSONata state.
	TemplateJSONata
)

// Template is a parsed field value that the executor evaluates: a
// JSONPath payload template (Parameters, ResultSelector, ItemSelector,
// Assign, Credentials ...), where keys ending in ".$" hold paths or
// intrinsic functions, or a JSONata field value (Arguments, Output, Assign,
// Items, Condition, TimeoutSeconds ...), where strings written "{% ... %}"
// are JSONata expressions.
type Template struct {
	Kind TemplateKind
	// JSON is a Literal's value, numbers as written.
	JSON json.RawMessage
	// Keys and Fields are an Object's members in document order (".$"
	// stripped from the keys).
	Keys   []string
	Fields []*Template
	// Items are an Array's elements.
	Items []*Template
	// Path, Func or Expr is the value of the other kinds.
	Path *Path
	Func *Intrinsic
	Expr *Expression
}

// Expression is a parsed JSONata expression.
type Expression struct {
	// Source is the expression between the {% %} delimiters.
	Source string
	// Compiled is the expression compiled by github.com/xiatechs/jsonata-go.
	Compiled *jsonata.Expr
	// Vars lists the workflow variables the expression reads (without "$"),
	// and States the members of $states it reads ("input", "result",
	// "errorOutput", "context"; "" for $states as a whole), sorted.
	// Guarded lists the variables it reads only to test them with
	// $exists, which is how an expression reads a variable that may be
	// unassigned, and the names of JSONata built-in functions it reads
	// without calling them ($type in [($type = "x")]), which are the
	// function unless a state assigns a variable of that name.
	Vars, States, Guarded []string
	// Root is true when the expression reads $$.
	Root bool
}

// Variables returns the workflow variables the template reads: the
// variables of JSONata expressions and the "$name" roots of paths; reads
// that only test a variable with $exists are not among them.
func (t *Template) Variables() []string {
	seen := map[string]bool{}
	t.walk(func(n *Template) {
		switch n.Kind {
		case TemplatePath:
			if n.Path.Variable != "" {
				seen[n.Path.Variable] = true
			}
		case TemplateIntrinsic:
			n.Func.Paths(func(p *Path) {
				if p.Variable != "" {
					seen[p.Variable] = true
				}
			})
		case TemplateJSONata:
			for _, v := range n.Expr.Vars {
				seen[v] = true
			}
		}
	})
	return sortedSet(seen)
}

// GuardedVariables returns the variables the template's JSONata
// expressions read only inside $exists.
func (t *Template) GuardedVariables() []string {
	seen := map[string]bool{}
	t.Expressions(func(e *Expression) {
		for _, v := range e.Guarded {
			seen[v] = true
		}
	})
	return sortedSet(seen)
}

// Expressions calls fn for every JSONata expression of the template.
func (t *Template) Expressions(fn func(*Expression)) {
	t.walk(func(n *Template) {
		if n.Kind == TemplateJSONata {
			fn(n.Expr)
		}
	})
}

func (t *Template) walk(fn func(*Template)) {
	if t == nil {
		return
	}
	fn(t)
	for _, f := range t.Fields {
		f.walk(fn)
	}
	for _, it := range t.Items {
		it.walk(fn)
	}
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// problems collects what parsing finds wrong, each under the asllint rule
// that reports it.
type problems struct {
	list  *[]Problem
	state *State
}

func (p problems) add(rule, path, msg, hint string) {
	*p.list = append(*p.list, Problem{Rule: rule, Path: path, Message: msg, Hint: hint})
}

// parseTree parses the objects and arrays of a template and hands every
// object member to member (which may take it over and return handled) and
// every other value to leaf. A tree with no evaluated part is a literal.
func (p problems) parseTree(v any, path string, depth int,
	member func(o *Object, k, path string) (key string, t *Template, handled bool),
	leaf func(v any, path string) *Template) *Template {
	if depth > maxDepth {
		return &Template{Kind: TemplateLiteral, JSON: json.RawMessage("null")}
	}
	literal := &Template{Kind: TemplateLiteral, JSON: encodeOrdered(v)}
	dynamic := false
	add := func(f *Template) *Template {
		if f == nil || f.Kind != TemplateLiteral {
			dynamic = true
		}
		return f
	}
	switch x := v.(type) {
	case *Object:
		t := &Template{Kind: TemplateObject}
		for _, k := range x.Keys {
			key, f, handled := member(x, k, path+"."+k)
			if !handled {
				key, f = k, p.parseTree(x.Values[k], path+"."+k, depth+1, member, leaf)
			}
			if add(f) != nil {
				t.Keys, t.Fields = append(t.Keys, key), append(t.Fields, f)
			}
		}
		if dynamic {
			return t
		}
	case []any:
		t := &Template{Kind: TemplateArray}
		for i, val := range x {
			if f := add(p.parseTree(val, fmt.Sprintf("%s[%d]", path, i), depth+1, member, leaf)); f != nil {
				t.Items = append(t.Items, f)
			}
		}
		if dynamic {
			return t
		}
	default:
		return leaf(v, path) // nil when the leaf has a problem
	}
	return literal
}

// parsePayload parses a JSONPath payload template.
func (p problems) parsePayload(v any, path string, depth int) *Template {
	return p.parseTree(v, path, depth, func(o *Object, k, fp string) (string, *Template, bool) {
		name, isExpr := strings.CutSuffix(k, ".$")
		if !isExpr {
			return "", nil, false
		}
		if _, clash := o.Values[name]; clash {
			p.add("payload-template", fp, fmt.Sprintf("%q and %q collide once .$ is stripped", k, name), "keep one of the two keys")
		}
		str, ok := o.Values[k].(string)
		if !ok {
			p.add("payload-template", fp, fmt.Sprintf("%q must hold a path or intrinsic function string, got %s", k, Describe(plain(o.Values[k]))), `drop the ".$" suffix for a literal value`)
			return name, nil, true
		}
		return name, p.parseDynamic(k, str, fp), true
	}, func(v any, at string) *Template {
		if s, ok := v.(string); ok && IsJSONataString(s) {
			p.add("language-lookalike", at, fmt.Sprintf("%q is a JSONata expression in a JSONPath state, where it is a plain string", s), `set "QueryLanguage": "JSONata" on the state, or use a "key.$" path`)
		}
		return &Template{Kind: TemplateLiteral, JSON: encodeOrdered(v)}
	})
}

// parseDynamic parses the value of a "key.$" field.
func (p problems) parseDynamic(key, s, path string) *Template {
	if strings.HasPrefix(s, "$") {
		pp, err := ParsePath(s)
		if err != nil {
			p.add("payload-template", path, fmt.Sprintf("%q holds %q, which is not a valid path: %v", key, s, err), "use a path such as $.field or $$.Execution.Id")
			return nil
		}
		return &Template{Kind: TemplatePath, Path: pp}
	}
	if !LooksIntrinsic(s) {
		p.add("payload-template", path, fmt.Sprintf("%q holds %q, which is neither a path nor an intrinsic function", key, s), `drop the ".$" suffix for a literal value`)
		return nil
	}
	fn, err := ParseIntrinsic(s)
	if err != nil {
		p.add("intrinsic-function", path, fmt.Sprintf("%s: %v", s, err), "see the intrinsic function reference for the arguments")
		return nil
	}
	return &Template{Kind: TemplateIntrinsic, Func: fn}
}

// IsJSONataString reports whether s is written as a JSONata expression:
// "{%" at the start and "%}" at the end.
func IsJSONataString(s string) bool {
	return len(s) >= 4 && strings.HasPrefix(s, "{%") && strings.HasSuffix(s, "%}")
}

// parseJSONata parses a field value of a JSONata state.
func (p problems) parseJSONata(v any, path string, depth int) *Template {
	return p.parseTree(v, path, depth, func(o *Object, k, fp string) (string, *Template, bool) {
		if str, _ := o.Values[k].(string); strings.HasSuffix(k, ".$") && (strings.HasPrefix(str, "$") || !LooksIntrinsic(str)) {
			p.add("language-lookalike", fp, fmt.Sprintf("%q is a JSONPath \".$\" key in a JSONata state, where it is a plain key", k), "drop the .$ and write the value as a {% %} expression")
		}
		return "", nil, false
	},
		func(v any, at string) *Template {
			s, ok := v.(string)
			if !ok {
				return &Template{Kind: TemplateLiteral, JSON: encodeOrdered(v)}
			}
			// " {% x %} " is a plain string for AWS, which runs it
			// (LocalStack's recorded arguments and output tests): a
			// lookalike, not an error.
			if trimmed := strings.TrimSpace(s); trimmed != s && IsJSONataString(trimmed) {
				p.add("language-lookalike", at, fmt.Sprintf("%q has whitespace around its {%% %%} delimiters, so it is a plain string", s), "remove the whitespace to make it an expression")
				return &Template{Kind: TemplateLiteral, JSON: encodeOrdered(v)}
			}
			e, msg := ParseExpression(s)
			if msg != "" {
				p.add("jsonata-expression", at, msg, "write the expression as {% <JSONata> %}")
				return nil
			}
			if e == nil {
				return &Template{Kind: TemplateLiteral, JSON: encodeOrdered(v)}
			}
			return &Template{Kind: TemplateJSONata, Expr: e}
		})
}

// ParseExpression parses one string of a JSONata state. It returns nil and
// no message for a plain string, the expression for a "{% ... %}" string,
// and a message for a malformed one: delimiters with whitespace outside
// them, an unclosed delimiter, an empty expression or a JSONata syntax
// error (with the parser's position).
func ParseExpression(s string) (*Expression, string) {
	open, closed := strings.HasPrefix(s, "{%"), strings.HasSuffix(s, "%}")
	if trimmed := strings.TrimSpace(s); trimmed != s && IsJSONataString(trimmed) {
		return nil, fmt.Sprintf("%q has whitespace around its {%% %%} delimiters", s)
	}
	if !open && !closed {
		return nil, ""
	}
	if !open || !closed || len(s) < 4 {
		return nil, fmt.Sprintf("%q is not a complete {%% %%} JSONata expression", s)
	}
	src := s[2 : len(s)-2]
	if strings.TrimSpace(src) == "" {
		return nil, "empty JSONata expression"
	}
	compiled, err := compileJSONata(src)
	if err != nil {
		return nil, fmt.Sprintf("JSONata expression %q does not parse: %v", s, err)
	}
	e := &Expression{Source: src, Compiled: compiled}
	if root, err := parseJSONataTree(src); err == nil {
		e.analyse(root)
	}
	return e, ""
}

// compileJSONata and parseJSONataTree call the JSONata library, whose
// lexer panics on some malformed input (found by FuzzParseExpression):
// a panic is a parse error.
func compileJSONata(src string) (e *jsonata.Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = nil, fmt.Errorf("the JSONata parser failed on it (%v)", r)
		}
	}()
	return jsonata.Compile(src)
}

func parseJSONataTree(src string) (n jparse.Node, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = nil, fmt.Errorf("%v", r)
		}
	}()
	return jparse.Parse(src)
}

// analyse records the variables and $states members the expression reads.
func (e *Expression) analyse(root jparse.Node) {
	vars, states, guarded := map[string]bool{}, map[string]bool{}, map[string]bool{}
	bound := map[string]bool{}
	var walk func(n jparse.Node, depth int)
	visit := func(ns []jparse.Node, depth int) {
		for _, n := range ns {
			walk(n, depth)
		}
	}
	walk = func(n jparse.Node, depth int) {
		if n == nil || depth > maxDepth {
			return
		}
		switch x := n.(type) {
		case *jparse.VariableNode:
			switch x.Name {
			case "":
			case "$":
				e.Root = true
			case "states":
				states[""] = true
			default:
				// $type in [($type = "x")] is the built-in function
				// unless a state assigns a variable of that name (AWS
				// runs it; issue #23): a read that may be unassigned,
				// like one inside $exists.
				if IsJSONataFunction(x.Name) {
					guarded[x.Name] = true
				} else {
					vars[x.Name] = true
				}
			}
		case *jparse.PathNode:
			if len(x.Steps) >= 2 {
				if v, ok := x.Steps[0].(*jparse.VariableNode); ok && v.Name == "states" {
					if name, ok := x.Steps[1].(*jparse.NameNode); ok {
						states[name.Value] = true
						visit(x.Steps[2:], depth+1)
						return
					}
				}
			}
			visit(x.Steps, depth+1)
		case *jparse.FunctionCallNode:
			if v, ok := x.Func.(*jparse.VariableNode); ok && v.Name == "exists" && len(x.Args) == 1 {
				if name := variableRoot(x.Args[0]); name != "" {
					guarded[name] = true
					return
				}
			}
			if v, ok := x.Func.(*jparse.VariableNode); ok && IsJSONataFunction(v.Name) {
				visit(x.Args, depth+1)
				return
			}
			walk(x.Func, depth+1)
			visit(x.Args, depth+1)
		case *jparse.PartialNode:
			if v, ok := x.Func.(*jparse.VariableNode); !ok || !IsJSONataFunction(v.Name) {
				walk(x.Func, depth+1)
			}
			visit(x.Args, depth+1)
		case *jparse.AssignmentNode:
			bound[x.Name] = true
			walk(x.Value, depth+1)
		case *jparse.LambdaNode:
			for _, p := range x.ParamNames {
				bound[p] = true
			}
			walk(x.Body, depth+1)
		case *jparse.TypedLambdaNode:
			for _, p := range x.ParamNames {
				bound[p] = true
			}
			walk(x.Body, depth+1)
		default:
			visit(children(n), depth+1)
		}
	}
	walk(root, 0)
	for b := range bound {
		delete(vars, b)
		delete(guarded, b)
	}
	for v := range vars {
		delete(guarded, v)
	}
	e.Vars, e.States, e.Guarded = sortedSet(vars), sortedSet(states), sortedSet(guarded)
}

// variableRoot returns the workflow variable a node reads: $x or $x.a.b
// ("" for anything else, and for $states).
func variableRoot(n jparse.Node) string {
	if p, ok := n.(*jparse.PathNode); ok && len(p.Steps) > 0 {
		n = p.Steps[0]
	}
	if v, ok := n.(*jparse.VariableNode); ok && v.Name != "" && v.Name != "$" && v.Name != "states" {
		return v.Name
	}
	return ""
}

// children returns the operands of the other JSONata nodes: those of a
// binary operator (LHS, RHS) and of the structural nodes.
func children(n jparse.Node) []jparse.Node {
	switch x := n.(type) {
	case *jparse.NegationNode:
		return []jparse.Node{x.RHS}
	case *jparse.ArrayNode:
		return x.Items
	case *jparse.ObjectNode:
		var out []jparse.Node
		for _, p := range x.Pairs {
			out = append(out, p[0], p[1])
		}
		return out
	case *jparse.BlockNode:
		return x.Exprs
	case *jparse.ObjectTransformationNode:
		return []jparse.Node{x.Pattern, x.Updates, x.Deletes}
	case *jparse.PredicateNode:
		return append([]jparse.Node{x.Expr}, x.Filters...)
	case *jparse.GroupNode:
		if x.ObjectNode == nil {
			return []jparse.Node{x.Expr}
		}
		return []jparse.Node{x.Expr, x.ObjectNode}
	case *jparse.ConditionalNode:
		return []jparse.Node{x.If, x.Then, x.Else}
	case *jparse.SortNode:
		out := []jparse.Node{x.Expr}
		for _, t := range x.Terms {
			out = append(out, t.Expr)
		}
		return out
	}
	// Binary operators: numeric, comparison, Boolean, concatenation,
	// range and function application nodes all have LHS and RHS.
	v := reflect.ValueOf(n)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	var out []jparse.Node
	for _, f := range []string{"LHS", "RHS"} {
		if fv := v.Elem().FieldByName(f); fv.IsValid() && fv.CanInterface() {
			if c, ok := fv.Interface().(jparse.Node); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

// JSONataFunctions are the functions a JSONata expression of Step
// Functions may call: those of JSONata 2.0 and the six Step Functions
// adds ($partition, $range, $hash, $random with a seed, $uuid, $parse).
// $eval is not among them: Step Functions documents $parse instead.
var JSONataFunctions = []string{
	"string", "length", "substring", "substringBefore", "substringAfter", "uppercase", "lowercase", "trim", "pad",
	"contains", "split", "join", "match", "replace", "base64encode", "base64decode", "encodeUrlComponent",
	"encodeUrl", "decodeUrlComponent", "decodeUrl", "number", "abs", "floor", "ceil", "round", "power", "sqrt",
	"random", "formatNumber", "formatBase", "formatInteger", "parseInteger", "sum", "max", "min", "average",
	"boolean", "not", "exists", "count", "append", "sort", "reverse", "shuffle", "distinct", "zip", "keys",
	"lookup", "spread", "merge", "sift", "each", "error", "assert", "type", "now", "millis", "fromMillis",
	"toMillis", "map", "filter", "single", "reduce",
	"partition", "range", "hash", "uuid", "parse",
}

// IsJSONataFunction reports whether name is one of JSONataFunctions.
func IsJSONataFunction(name string) bool {
	for _, f := range JSONataFunctions {
		if f == name {
			return true
		}
	}
	return false
}
