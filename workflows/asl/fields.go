package asl

import (
	"fmt"
	"strings"
)

// pathField describes a path-valued field of a JSONPath state.
type pathField struct {
	name string
	// nullable fields may be null; reference fields must be Reference
	// Paths; data fields must point into the state's data ($), not the
	// Context Object or a variable.
	nullable, reference, data bool
}

var pathFields = []pathField{
	{name: "InputPath", nullable: true},
	{name: "OutputPath", nullable: true},
	{name: "ResultPath", nullable: true, reference: true, data: true},
	{name: "ItemsPath", reference: true},
	{name: "SecondsPath", reference: true},
	{name: "TimestampPath", reference: true},
	{name: "TimeoutSecondsPath", reference: true},
	{name: "HeartbeatSecondsPath", reference: true},
	{name: "MaxConcurrencyPath", reference: true},
	{name: "ToleratedFailureCountPath", reference: true},
	{name: "ToleratedFailurePercentagePath", reference: true},
	{name: "ItemBatcher.MaxItemsPerBatchPath", reference: true},
	{name: "ItemBatcher.MaxInputBytesPerBatchPath", reference: true},
	{name: "ItemReader.ReaderConfig.MaxItemsPath", reference: true},
}

// payloadFields are the payload templates of a JSONPath state.
var payloadFields = []string{"Parameters", "ResultSelector", "ItemSelector", "Assign", "Credentials",
	"ItemReader.Parameters", "ResultWriter.Parameters", "ItemBatcher.BatchInput"}

// JSONataFields are the fields of a JSONata state whose strings may be
// JSONata expressions.
var JSONataFields = []string{"Arguments", "Output", "Assign", "Items", "ItemSelector", "Seconds", "Timestamp",
	"TimeoutSeconds", "HeartbeatSeconds", "Error", "Cause", "MaxConcurrency", "ToleratedFailureCount",
	"ToleratedFailurePercentage", "Credentials", "ItemReader.Arguments", "ResultWriter.Arguments",
	"ItemBatcher.BatchInput", "ItemBatcher.MaxItemsPerBatch", "ItemBatcher.MaxInputBytesPerBatch",
	"ItemReader.ReaderConfig.MaxItems"}

// lookup finds a possibly nested field ("ItemReader.Parameters").
func lookup(o *Object, name string) (any, bool) {
	var v any = o
	for _, part := range strings.Split(name, ".") {
		obj, ok := v.(*Object)
		if !ok {
			return nil, false
		}
		if v, ok = obj.Values[part]; !ok {
			return nil, false
		}
	}
	return v, true
}

// parseFields parses the expression-bearing fields of a state: paths,
// templates, intrinsic functions, JSONata expressions and Choice rules.
func parseFields(s *State, o *Object) {
	s.Paths = map[string]*Path{}
	s.Templates = map[string]*Template{}
	p := problems{list: &s.Problems, state: s}
	at := func(field string) string { return s.Path + "." + field }
	if s.QueryLanguage == JSONata {
		for _, f := range JSONataFields {
			if v, ok := lookup(o, f); ok {
				if t := p.parseJSONata(v, at(f), 0); t != nil {
					s.Templates[f] = t
				}
			}
		}
		p.intrinsicsInJSONata(o, s.Path)
	} else {
		for _, f := range pathFields {
			if v, ok := lookup(o, f.name); ok {
				if path := p.parsePathField(v, at(f.name), f); path != nil {
					s.Paths[f.name] = path
				}
			}
		}
		for _, f := range payloadFields {
			if v, ok := lookup(o, f); ok {
				s.Templates[f] = p.parsePayload(v, at(f), 0)
			}
		}
		for _, f := range []string{"ErrorPath", "CausePath"} {
			if v, ok := o.Values[f].(string); ok {
				if t := p.parseErrorPath(f, v, at(f)); t != nil {
					s.Templates[f] = t
				}
			} else if _, has := o.Values[f]; has {
				p.parsePathField(o.Values[f], at(f), pathField{name: f, reference: true})
			}
		}
	}
	arr, _ := o.Values["Catch"].([]any)
	for i, x := range arr {
		co, ok := x.(*Object)
		if !ok || i >= len(s.Catch) {
			continue
		}
		c := &s.Catch[i]
		base := at(fmt.Sprintf("Catch[%d]", i))
		if s.QueryLanguage == JSONata {
			c.Output = p.optJSONata(co, "Output", base)
			c.Assign = p.optJSONata(co, "Assign", base)
			continue
		}
		if v, ok := co.Values["ResultPath"]; ok {
			c.ResultPath = p.parsePathField(v, base+".ResultPath", pathFields[2])
		}
		if v, ok := co.Values["Assign"]; ok {
			c.Assign = p.parsePayload(v, base+".Assign", 0)
		}
	}
	if s.Type != TypeChoice {
		return
	}
	arr, _ = o.Values["Choices"].([]any)
	for i, x := range arr {
		co, ok := x.(*Object)
		if !ok || i >= len(s.Choices) {
			continue
		}
		c := &s.Choices[i]
		base := at(fmt.Sprintf("Choices[%d]", i))
		if s.QueryLanguage == JSONata {
			p.jsonataRule(c, co, base)
			continue
		}
		c.Rule = parseCondition(co, base, true, 0, func(path, msg, hint string) { p.add("choice-rules", path, msg, hint) })
		if v, ok := co.Values["Assign"]; ok {
			c.Assign = p.parsePayload(v, base+".Assign", 0)
		}
	}
}

func (p problems) optJSONata(o *Object, field, base string) *Template {
	v, ok := o.Values[field]
	if !ok {
		return nil
	}
	return p.parseJSONata(v, base+"."+field, 0)
}

// jsonataRule parses a JSONata choice rule.
func (p problems) jsonataRule(c *ChoiceRule, o *Object, base string) {
	allowed := map[string]bool{"Condition": true, "Next": true, "Comment": true, "Assign": true, "Output": true}
	for _, k := range sortedStrings(o.Keys) {
		if !allowed[k] {
			p.add("choice-rules", base+"."+k, fmt.Sprintf("field %q is not allowed in a JSONata choice rule", k), "JSONata rules use Condition, Next, Assign, Output and Comment")
		}
	}
	if n, ok := o.Values["Next"].(string); !ok || n == "" {
		p.add("choice-rules", base+".Next", "a choice rule needs a Next state", `add "Next": "<state>"`)
	}
	cond, ok := o.Values["Condition"]
	if !ok {
		p.add("choice-rules", base, "a JSONata choice rule needs a Condition", `add "Condition": "{% ... %}"`)
	} else if str, isStr := cond.(string); !isStr && !isBool(cond) || isStr && !IsJSONataString(str) {
		p.add("jsonata-expression", base+".Condition", fmt.Sprintf("Condition must be a boolean or a {%% %%} JSONata string, got %s", Describe(plain(cond))), `write "Condition": "{% $states.input.x > 1 %}"`)
	} else {
		c.Condition = p.parseJSONata(cond, base+".Condition", 0)
	}
	c.Output = p.optJSONata(o, "Output", base)
	c.Assign = p.optJSONata(o, "Assign", base)
}

func isBool(v any) bool { _, ok := v.(bool); return ok }

// parsePathField parses one path field and reports problems under
// path-syntax.
func (p problems) parsePathField(v any, at string, f pathField) *Path {
	if v == nil {
		if !f.nullable {
			p.add("path-syntax", at, "must be a path, not null", "give a reference path such as $.items")
		}
		return nil
	}
	str, ok := v.(string)
	if !ok {
		p.add("path-syntax", at, fmt.Sprintf("must be a path string, got %s", Describe(plain(v))), "give a path such as $.field")
		return nil
	}
	parse, kind := ParsePath, "path"
	if f.reference {
		parse, kind = ParseReferencePath, "reference path"
	}
	path, err := parse(str)
	if err != nil {
		p.add("path-syntax", at, fmt.Sprintf("%q is not a valid %s: %v", str, kind, err), "use a path such as $.field")
		return nil
	}
	if f.data && (path.Context || path.Variable != "") {
		p.add("path-syntax", at, fmt.Sprintf("%q must point into the state's data, not the Context Object or a variable", str), "use a path that starts with $.")
		return nil
	}
	return path
}

// parseErrorPath parses a Fail state's ErrorPath or CausePath: a Reference
// Path or an intrinsic function.
func (p problems) parseErrorPath(field, v, at string) *Template {
	if strings.HasPrefix(v, "$") {
		if path := p.parsePathField(v, at, pathField{name: field, reference: true}); path != nil {
			return &Template{Kind: TemplatePath, Path: path}
		}
		return nil
	}
	if !LooksIntrinsic(v) {
		p.add("path-syntax", at, fmt.Sprintf("%s %q is neither a reference path nor an intrinsic function", field, v), "use a path such as $.error.Cause")
		return nil
	}
	fn, err := ParseIntrinsic(v)
	if err != nil {
		p.add("intrinsic-function", at, fmt.Sprintf("%s: %v", v, err), "see the intrinsic function reference for the arguments")
		return nil
	}
	return &Template{Kind: TemplateIntrinsic, Func: fn}
}

// intrinsicsInJSONata reports "key.$" intrinsic functions written in a
// JSONata state, where Step Functions has none.
func (p problems) intrinsicsInJSONata(o *Object, base string) {
	var walk func(v any, path string, depth int)
	walk = func(v any, path string, depth int) {
		if depth > maxDepth {
			return
		}
		switch x := v.(type) {
		case *Object:
			for _, k := range x.Keys {
				if str, ok := x.Values[k].(string); ok && strings.HasSuffix(k, ".$") && !strings.HasPrefix(str, "$") && LooksIntrinsic(str) {
					p.add("intrinsic-function", path+"."+k, "intrinsic functions are JSONPath only; JSONata states use JSONata functions", "rewrite as a {% %} expression")
					continue
				}
				walk(x.Values[k], path+"."+k, depth+1)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", path, i), depth+1)
			}
		}
	}
	for _, f := range payloadFields {
		if v, ok := lookup(o, f); ok {
			walk(v, base+"."+f, 0)
		}
	}
}
