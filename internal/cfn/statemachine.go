package cfn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Definition returns the ASL definition text of a state machine resource
// as Step Functions receives it: DefinitionString (or the Definition
// object) evaluated with e, then each ${name} of DefinitionSubstitutions
// replaced by its evaluated value. The values are JSON-escaped, because
// CDK places the ${name} markers inside JSON strings ("Resource":
// "${Fn}"): a value with a quote or backslash must not end the string. A
// definition kept in S3 (DefinitionS3Location) is not read.
func (e Evaluator) Definition(r *Resource) ([]byte, error) {
	if r.Type != StateMachine {
		return nil, fmt.Errorf("cfn: %s is a %s, not a %s", r.LogicalID, r.Type, StateMachine)
	}
	var text string
	switch {
	case r.Property("DefinitionString") != nil:
		s, err := e.At(propertyPath(r, []string{"DefinitionString"})).String(r.Property("DefinitionString"))
		if err != nil {
			return nil, err
		}
		text = s
	case r.Property("Definition") != nil:
		v, err := e.Property(r, "Definition")
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, fmt.Errorf("cfn: %s.Properties.Definition: %w", r.LogicalID, err)
		}
		text = strings.TrimSuffix(b.String(), "\n")
	default:
		return nil, fmt.Errorf("cfn: state machine %s has no inline Definition or DefinitionString (DefinitionS3Location is not read)", r.LogicalID)
	}
	subs, err := e.StringMap(r, "DefinitionSubstitutions")
	if err != nil {
		return nil, err
	}
	return []byte(substitute(text, subs)), nil
}

// substitute replaces each ${name} of text whose name is in subs by the
// JSON-escaped value; other ${...} stay as they are.
func substitute(text string, subs map[string]string) string {
	if len(subs) == 0 {
		return text
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			b.WriteString(text)
			return b.String()
		}
		v, ok := subs[text[i+2:i+j]]
		if !ok {
			b.WriteString(text[:i+2])
			text = text[i+2:]
			continue
		}
		b.WriteString(text[:i])
		b.WriteString(jsonEscape(v))
		text = text[i+j+1:]
	}
}

// jsonEscape returns s as it reads between the quotes of a JSON string.
func jsonEscape(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // encoding a string cannot fail
	out := strings.TrimSuffix(b.String(), "\n")
	return out[1 : len(out)-1]
}
