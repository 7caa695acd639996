package cfn

import "strings"

// Referenced returns the first resource of resourceType ("" for any type)
// that a property value refers to through Ref, Fn::GetAtt or a ${X} or
// ${X.Attr} reference of Fn::Sub, at any depth (inside Fn::Join, Fn::Select
// ...), looking at object members in key order; nil when it refers to
// none. Callers that need a resource rather than a value (which log group
// a function writes to, which queue a mapping reads) use it instead of
// evaluating the value.
func (t *Template) Referenced(v any, resourceType string) *Resource {
	var found *Resource
	var walk func(v any) bool
	match := func(id string) bool {
		if r, ok := t.Resources[id]; ok && (resourceType == "" || r.Type == resourceType) {
			found = r
			return true
		}
		return false
	}
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			if fn, arg, ok := intrinsic(x); ok {
				switch fn {
				case "Ref":
					if id, ok := arg.(string); ok && match(id) {
						return true
					}
				case "Fn::GetAtt":
					switch a := arg.(type) {
					case []any:
						if len(a) > 0 {
							if id, ok := a[0].(string); ok && match(id) {
								return true
							}
						}
					case string:
						if id, _, _ := strings.Cut(a, "."); match(id) {
							return true
						}
					}
				case "Fn::Sub":
					tmpl, _ := arg.(string)
					if l, ok := arg.([]any); ok && len(l) > 0 {
						tmpl, _ = l[0].(string)
					}
					for _, ref := range subReferences(tmpl) {
						if id, _, _ := strings.Cut(ref, "."); match(id) {
							return true
						}
					}
				}
			}
			for _, k := range sortedKeys(x) {
				if walk(x[k]) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		}
		return false
	}
	walk(v)
	return found
}

// subReferences lists the names of a Fn::Sub template's ${...}
// references, without its ${!Literal} escapes.
func subReferences(tmpl string) []string {
	var out []string
	for {
		i := strings.Index(tmpl, "${")
		if i < 0 {
			return out
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			return out
		}
		if name := tmpl[i+2 : i+j]; name != "" && !strings.HasPrefix(name, "!") {
			out = append(out, name)
		}
		tmpl = tmpl[i+j+1:]
	}
}
