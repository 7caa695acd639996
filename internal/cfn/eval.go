package cfn

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/resilientpay/paymentapi/internal/awsenv"
)

// Env holds the values of the pseudo parameters (AWS::Region, ...). A zero
// field takes its default: the project's region, local account and
// partition from package awsenv, and amazonaws.com. StackName has no
// default: a value that reads AWS::StackName or AWS::StackId fails to
// evaluate without it.
type Env struct {
	Region, AccountID, Partition, URLSuffix, StackName string
}

func (e Env) withDefaults() Env {
	if e.Region == "" {
		e.Region = awsenv.Region
	}
	if e.AccountID == "" {
		e.AccountID = awsenv.LocalAccount
	}
	if e.Partition == "" {
		e.Partition = awsenv.Partition
	}
	if e.URLSuffix == "" {
		e.URLSuffix = "amazonaws.com"
	}
	return e
}

// arn renders arn:<partition>:<service>:<region>:<account>:<resource>.
func (e Env) arn(service, resource string) string {
	return "arn:" + e.Partition + ":" + service + ":" + e.Region + ":" + e.AccountID + ":" + resource
}

// Ref is a reference to a resource of the template (or a parameter):
// {"Ref": LogicalID} when Attribute is "", else {"Fn::GetAtt": [LogicalID,
// Attribute]}. Fn::Sub's ${LogicalID} and ${LogicalID.Attribute} are
// references too.
type Ref struct {
	LogicalID, Attribute string
}

// String renders the reference as Fn::Sub writes it: "X" or "X.Arn".
func (r Ref) String() string {
	if r.Attribute == "" {
		return r.LogicalID
	}
	return r.LogicalID + "." + r.Attribute
}

// Resolver gives the value of a reference; ok is false when it does not
// know it. Pseudo parameters never reach a Resolver: they come from the
// evaluator's [Env].
type Resolver func(ref Ref) (value string, ok bool)

// Chain asks each resolver in turn; the first that answers wins. Nil
// resolvers are skipped.
func Chain(resolvers ...Resolver) Resolver {
	return func(ref Ref) (string, bool) {
		for _, r := range resolvers {
			if r == nil {
				continue
			}
			if v, ok := r(ref); ok {
				return v, true
			}
		}
		return "", false
	}
}

// Values answers the references in m and no others, e.g. the local
// runner's table and queues: {Ref{"Table", ""}: "transactions-local",
// Ref{"Queue", "Arn"}: "arn:aws:sqs:..."}.
func Values(m map[Ref]string) Resolver {
	return func(ref Ref) (string, bool) {
		v, ok := m[ref]
		return v, ok
	}
}

// Evaluator turns template values that hold intrinsic functions into plain
// values. It knows Ref, Fn::GetAtt (list and "X.Attr" forms), Fn::Join,
// Fn::Sub (string and [string, variables] forms, ${!Literal} included),
// Fn::Select, Fn::Split, Fn::Base64 and the pseudo parameters; anything
// else (Fn::If, Fn::ImportValue, Fn::GetAZs, ...) and any reference that
// Resolve does not answer is an *[EvalError].
type Evaluator struct {
	// Env gives the pseudo parameters; zero fields take defaults.
	Env Env
	// Resolve answers Ref and Fn::GetAtt of resources and parameters.
	// Nil answers nothing.
	Resolve Resolver
	// Path says in errors where evaluated values come from
	// ("PaymentsSM.Properties"); see At.
	Path string
}

// Evaluator returns an evaluator for t's values: each override is asked
// first, in order, then [PhysicalNames]. Besides malformed values and
// intrinsics it does not know, it fails only on references that no
// override answers and PhysicalNames cannot render (a KMS key's Arn, a
// REST API's id).
func (t *Template) Evaluator(env Env, overrides ...Resolver) Evaluator {
	return Evaluator{Env: env, Resolve: Chain(slices.Concat(overrides, []Resolver{PhysicalNames(t, env)})...)}
}

// At returns a copy of e whose errors place values under path, appended
// to e's own path.
func (e Evaluator) At(path string) Evaluator {
	e.Path = join(e.Path, path)
	return e
}

// String evaluates v to a string: literals as they are, numbers as
// CloudFormation writes them ("24"), booleans as "true"/"false",
// intrinsics resolved. A list or object is an error; AWS::NoValue is "".
func (e Evaluator) String(v any) (string, error) {
	x, err := e.eval(v, e.Path)
	if err != nil {
		return "", err
	}
	return toString(x, e.Path)
}

// Value evaluates every intrinsic anywhere in v (objects and lists
// included) and returns plain JSON values; object members and list
// elements that are AWS::NoValue are dropped, as CloudFormation does.
func (e Evaluator) Value(v any) (any, error) {
	x, err := e.eval(v, e.Path)
	if x == noValue {
		x = nil
	}
	return x, err
}

// Property evaluates the property at path of resource r (see
// [Resource.Property]); nil when it is absent. Errors name the resource
// and path.
func (e Evaluator) Property(r *Resource, path ...string) (any, error) {
	return e.At(propertyPath(r, path)).Value(r.Property(path...))
}

// StringMap evaluates an object property of r to strings, e.g. a
// function's environment: StringMap(fn, "Environment", "Variables"). An
// absent property is an empty map.
func (e Evaluator) StringMap(r *Resource, path ...string) (map[string]string, error) {
	e = e.At(propertyPath(r, path))
	out := map[string]string{}
	v := r.Property(path...)
	if v == nil {
		return out, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &EvalError{Path: e.Path, Reason: fmt.Sprintf("is %s, not an object", describe(v))}
	}
	for _, k := range sortedKeys(m) {
		s, err := e.At(k).String(m[k])
		if err != nil {
			return nil, err
		}
		out[k] = s
	}
	return out, nil
}

func propertyPath(r *Resource, path []string) string {
	return strings.Join(append([]string{r.LogicalID, "Properties"}, path...), ".")
}

// EvalError says which value could not be evaluated and why.
type EvalError struct {
	// Path is where the value sits, e.g.
	// "PaymentsSM.Properties.DefinitionString.Fn::Join[1][3]".
	Path string
	// Intrinsic is the function or reference at fault ("Fn::If",
	// "Ref Table", "Fn::GetAtt Queue.Arn"); "" when the value itself is
	// of the wrong kind.
	Intrinsic string
	// Reason completes the sentence ("is not supported ...").
	Reason string
}

func (e *EvalError) Error() string {
	var b strings.Builder
	b.WriteString("cfn: ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	if e.Intrinsic != "" {
		b.WriteString(e.Intrinsic)
		b.WriteString(" ")
	} else {
		b.WriteString("the value ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// supported lists the intrinsic functions the evaluator knows, for errors.
const supported = "Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select, Fn::Split, Fn::Base64"

// noValue stands for AWS::NoValue while a tree is evaluated.
var noValue = &struct{ noValue bool }{}

func (e Evaluator) eval(v any, path string) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if fn, arg, ok := intrinsic(x); ok {
			return e.call(fn, arg, path)
		}
		out := make(map[string]any, len(x))
		for _, k := range sortedKeys(x) {
			y, err := e.eval(x[k], join(path, k))
			if err != nil {
				return nil, err
			}
			if y != noValue {
				out[k] = y
			}
		}
		return out, nil
	case []any:
		out := make([]any, 0, len(x))
		for i, el := range x {
			y, err := e.eval(el, index(path, i))
			if err != nil {
				return nil, err
			}
			if y != noValue {
				out = append(out, y)
			}
		}
		return out, nil
	default:
		return v, nil
	}
}

// intrinsic reports whether m is an intrinsic function call: an object
// with the single key Ref or Fn::*.
func intrinsic(m map[string]any) (fn string, arg any, ok bool) {
	if len(m) != 1 {
		return "", nil, false
	}
	for k, v := range m {
		if k == "Ref" || strings.HasPrefix(k, "Fn::") {
			return k, v, true
		}
	}
	return "", nil, false
}

func (e Evaluator) call(fn string, arg any, path string) (any, error) {
	at := join(path, fn)
	malformed := func(want string) error {
		return &EvalError{Path: path, Intrinsic: fn, Reason: "takes " + want + ", not " + describe(arg)}
	}
	switch fn {
	case "Ref":
		id, ok := arg.(string)
		if !ok || id == "" {
			return nil, malformed("a logical id")
		}
		return e.ref(Ref{LogicalID: id}, path, "Ref "+id)
	case "Fn::GetAtt":
		var ref Ref
		switch a := arg.(type) {
		case []any:
			if len(a) != 2 {
				return nil, malformed("[logical id, attribute]")
			}
			id, ok := a[0].(string)
			if !ok || id == "" {
				return nil, malformed("[logical id, attribute]")
			}
			attr, err := e.str(a[1], index(at, 1))
			if err != nil {
				return nil, err
			}
			ref = Ref{LogicalID: id, Attribute: attr}
		case string:
			id, attr, ok := strings.Cut(a, ".")
			if !ok || id == "" || attr == "" {
				return nil, malformed(`"LogicalId.Attribute"`)
			}
			ref = Ref{LogicalID: id, Attribute: attr}
		default:
			return nil, malformed("[logical id, attribute]")
		}
		if ref.Attribute == "" {
			return nil, malformed("an attribute name")
		}
		return e.ref(ref, path, "Fn::GetAtt "+ref.String())
	case "Fn::Join":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, malformed("[delimiter, list]")
		}
		sep, ok := a[0].(string)
		if !ok {
			return nil, malformed("a literal string delimiter")
		}
		parts, err := e.list(a[1], index(at, 1), fn)
		if err != nil {
			return nil, err
		}
		ss := make([]string, len(parts))
		for i, p := range parts {
			if ss[i], err = toString(p, index(index(at, 1), i)); err != nil {
				return nil, err
			}
		}
		return strings.Join(ss, sep), nil
	case "Fn::Sub":
		switch a := arg.(type) {
		case string:
			return e.sub(a, nil, at)
		case []any:
			if len(a) != 2 {
				return nil, malformed("a string or [string, variables]")
			}
			tmpl, ok := a[0].(string)
			if !ok {
				return nil, malformed("a literal string template")
			}
			m, ok := a[1].(map[string]any)
			if !ok {
				return nil, malformed("[string, an object of variables]")
			}
			vars := make(map[string]string, len(m))
			for _, k := range sortedKeys(m) {
				s, err := e.str(m[k], join(index(at, 1), k))
				if err != nil {
					return nil, err
				}
				vars[k] = s
			}
			return e.sub(tmpl, vars, index(at, 0))
		default:
			return nil, malformed("a string or [string, variables]")
		}
	case "Fn::Select":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, malformed("[index, list]")
		}
		idx, err := e.eval(a[0], index(at, 0))
		if err != nil {
			return nil, err
		}
		i, ok := toIndex(idx)
		if !ok {
			return nil, &EvalError{Path: path, Intrinsic: fn, Reason: "takes a whole number index, not " + describe(idx)}
		}
		list, err := e.list(a[1], index(at, 1), fn)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(list) {
			return nil, &EvalError{Path: path, Intrinsic: fn, Reason: fmt.Sprintf("index %d is out of range for a list of %d", i, len(list))}
		}
		return list[i], nil
	case "Fn::Split":
		a, ok := arg.([]any)
		if !ok || len(a) != 2 {
			return nil, malformed("[delimiter, string]")
		}
		sep, ok := a[0].(string)
		if !ok || sep == "" {
			return nil, malformed("a non-empty literal string delimiter")
		}
		s, err := e.str(a[1], index(at, 1))
		if err != nil {
			return nil, err
		}
		parts := strings.Split(s, sep)
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out, nil
	case "Fn::Base64":
		s, err := e.str(arg, at)
		if err != nil {
			return nil, err
		}
		return base64.StdEncoding.EncodeToString([]byte(s)), nil
	}
	return nil, &EvalError{Path: path, Intrinsic: fn, Reason: "is not supported (the evaluator knows " + supported + ")"}
}

// str evaluates v and requires a string.
func (e Evaluator) str(v any, path string) (string, error) {
	x, err := e.eval(v, path)
	if err != nil {
		return "", err
	}
	return toString(x, path)
}

// list evaluates v and requires a list.
func (e Evaluator) list(v any, path, fn string) ([]any, error) {
	x, err := e.eval(v, path)
	if err != nil {
		return nil, err
	}
	l, ok := x.([]any)
	if !ok {
		return nil, &EvalError{Path: path, Intrinsic: fn, Reason: "takes a list here, not " + describe(x)}
	}
	return l, nil
}

// sub evaluates the template of Fn::Sub.
func (e Evaluator) sub(tmpl string, vars map[string]string, path string) (string, error) {
	var b strings.Builder
	s := tmpl
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", &EvalError{Path: path, Intrinsic: "Fn::Sub", Reason: fmt.Sprintf("has an unterminated ${ in %q", tmpl)}
		}
		name := s[i+2 : i+j]
		s = s[i+j+1:]
		switch {
		case strings.HasPrefix(name, "!"): // ${!Literal} writes ${Literal}
			b.WriteString("${" + name[1:] + "}")
			continue
		case name == "":
			return "", &EvalError{Path: path, Intrinsic: "Fn::Sub", Reason: fmt.Sprintf("has an empty ${} in %q", tmpl)}
		}
		if v, ok := vars[name]; ok {
			b.WriteString(v)
			continue
		}
		var (
			x   any
			err error
		)
		if id, attr, ok := strings.Cut(name, "."); ok && !strings.HasPrefix(name, "AWS::") {
			x, err = e.ref(Ref{LogicalID: id, Attribute: attr}, path, "${"+name+"}")
		} else {
			x, err = e.ref(Ref{LogicalID: name}, path, "${"+name+"}")
		}
		if err != nil {
			return "", err
		}
		v, err := toString(x, path)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
}

// ref resolves a pseudo parameter from the Env, or asks the resolver.
func (e Evaluator) ref(r Ref, path, what string) (any, error) {
	if strings.HasPrefix(r.LogicalID, "AWS::") && r.Attribute == "" {
		env := e.Env.withDefaults()
		switch r.LogicalID {
		case "AWS::Region":
			return env.Region, nil
		case "AWS::AccountId":
			return env.AccountID, nil
		case "AWS::Partition":
			return env.Partition, nil
		case "AWS::URLSuffix":
			return env.URLSuffix, nil
		case "AWS::NoValue":
			return noValue, nil
		case "AWS::NotificationARNs":
			return []any{}, nil
		case "AWS::StackName", "AWS::StackId":
			if env.StackName == "" {
				return nil, &EvalError{Path: path, Intrinsic: what, Reason: "needs a stack name, and the evaluator's Env has none"}
			}
			if r.LogicalID == "AWS::StackName" {
				return env.StackName, nil
			}
			return env.arn("cloudformation", "stack/"+env.StackName+"/00000000-0000-0000-0000-000000000000"), nil
		}
		return nil, &EvalError{Path: path, Intrinsic: what, Reason: "is not a pseudo parameter"}
	}
	if e.Resolve != nil {
		if v, ok := e.Resolve(r); ok {
			return v, nil
		}
	}
	return nil, &EvalError{Path: path, Intrinsic: what, Reason: "cannot be resolved: no resolver knows " + r.String()}
}

func toString(v any, path string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			break
		}
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case json.Number:
		return x.String(), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	if v == noValue {
		return "", nil
	}
	return "", &EvalError{Path: path, Reason: "is " + describe(v) + ", not a string"}
}

// toIndex reads Fn::Select's index: a whole number or its decimal text.
func toIndex(v any) (int, bool) {
	switch x := v.(type) {
	case float64:
		if x != math.Trunc(x) || x < math.MinInt32 || x > math.MaxInt32 {
			return 0, false
		}
		return int(x), true
	case int:
		return x, true
	case json.Number:
		i, err := strconv.Atoi(x.String())
		return i, err == nil
	case string:
		i, err := strconv.Atoi(x)
		return i, err == nil
	}
	return 0, false
}

// describe names the kind of a JSON value for errors.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64, int, int64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		if fn, _, ok := intrinsic(x); ok {
			return "a " + fn
		}
		return "an object"
	}
	if v == noValue {
		return "AWS::NoValue"
	}
	return fmt.Sprintf("a %T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}
