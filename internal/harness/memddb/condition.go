package memddb

import (
	"bytes"
	"math/big"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// evalCondition evaluates a condition expression against an item (nil
// when the item does not exist). It implements the grammar of DynamoDB
// condition expressions: comparisons (= <> < <= > >=), BETWEEN, IN, AND,
// OR, NOT, parentheses, and the functions attribute_exists,
// attribute_not_exists, attribute_type, begins_with, contains and size,
// over top-level and nested (a.b, a[0]) attribute paths with #name and
// :value placeholders.
func evalCondition(expr *string, names map[string]string, values map[string]types.AttributeValue, item map[string]types.AttributeValue) (bool, error) {
	if expr == nil || strings.TrimSpace(*expr) == "" {
		return true, nil
	}
	toks, err := tokenize(*expr)
	if err != nil {
		return false, err
	}
	p := &parser{toks: toks, names: names, values: values, item: item}
	ok, err := p.or()
	if err != nil {
		return false, err
	}
	if p.pos != len(p.toks) {
		return false, validation("unexpected %q in condition %q", p.toks[p.pos], *expr)
	}
	return ok, nil
}

func tokenize(s string) ([]string, error) {
	var toks []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case strings.ContainsRune("(),.[]=", rune(c)):
			toks = append(toks, string(c))
			i++
		case c == '<' || c == '>':
			if i+1 < len(s) && (s[i+1] == '=' || (c == '<' && s[i+1] == '>')) {
				toks = append(toks, s[i:i+2])
				i += 2
			} else {
				toks = append(toks, string(c))
				i++
			}
		case c == '#' || c == ':' || c == '_' || unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c)):
			j := i + 1
			for j < len(s) && (s[j] == '_' || s[j] == '-' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			toks = append(toks, s[i:j])
			i = j
		default:
			return nil, validation("invalid character %q in condition %q", c, s)
		}
	}
	return toks, nil
}

type parser struct {
	toks   []string
	pos    int
	names  map[string]string
	values map[string]types.AttributeValue
	item   map[string]types.AttributeValue
}

func (p *parser) peek() string {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return ""
}

func (p *parser) next() string {
	t := p.peek()
	p.pos++
	return t
}

func (p *parser) expect(t string) error {
	if got := p.next(); got != t {
		return validation("expected %q, found %q", t, got)
	}
	return nil
}

func keyword(t, k string) bool { return strings.EqualFold(t, k) }

func (p *parser) or() (bool, error) {
	l, err := p.and()
	for err == nil && keyword(p.peek(), "OR") {
		p.next()
		var r bool
		r, err = p.and()
		l = l || r
	}
	return l, err
}

func (p *parser) and() (bool, error) {
	l, err := p.not()
	for err == nil && keyword(p.peek(), "AND") {
		p.next()
		var r bool
		r, err = p.not()
		l = l && r
	}
	return l, err
}

func (p *parser) not() (bool, error) {
	if keyword(p.peek(), "NOT") {
		p.next()
		v, err := p.not()
		return !v, err
	}
	return p.primary()
}

func (p *parser) primary() (bool, error) {
	if p.peek() == "(" {
		p.next()
		v, err := p.or()
		if err != nil {
			return false, err
		}
		return v, p.expect(")")
	}
	switch t := strings.ToLower(p.peek()); t {
	case "attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains":
		p.next()
		if err := p.expect("("); err != nil {
			return false, err
		}
		a, err := p.operand()
		if err != nil {
			return false, err
		}
		var b types.AttributeValue
		if t != "attribute_exists" && t != "attribute_not_exists" {
			if err := p.expect(","); err != nil {
				return false, err
			}
			if b, err = p.operand(); err != nil {
				return false, err
			}
		}
		if err := p.expect(")"); err != nil {
			return false, err
		}
		switch t {
		case "attribute_exists":
			return a != nil, nil
		case "attribute_not_exists":
			return a == nil, nil
		case "attribute_type":
			s, ok := b.(*types.AttributeValueMemberS)
			return ok && a != nil && typeName(a) == s.Value, nil
		case "begins_with":
			as, aok := a.(*types.AttributeValueMemberS)
			bs, bok := b.(*types.AttributeValueMemberS)
			return aok && bok && strings.HasPrefix(as.Value, bs.Value), nil
		default: // contains
			return contains(a, b), nil
		}
	}
	a, err := p.operand()
	if err != nil {
		return false, err
	}
	op := p.next()
	switch {
	case keyword(op, "BETWEEN"):
		lo, err := p.operand()
		if err != nil {
			return false, err
		}
		if !keyword(p.next(), "AND") {
			return false, validation("BETWEEN needs AND")
		}
		hi, err := p.operand()
		if err != nil {
			return false, err
		}
		c1, ok1 := compare(a, lo)
		c2, ok2 := compare(a, hi)
		return ok1 && ok2 && c1 >= 0 && c2 <= 0, nil
	case keyword(op, "IN"):
		if err := p.expect("("); err != nil {
			return false, err
		}
		found := false
		for {
			v, err := p.operand()
			if err != nil {
				return false, err
			}
			if c, ok := compare(a, v); ok && c == 0 {
				found = true
			}
			if p.peek() != "," {
				break
			}
			p.next()
		}
		return found, p.expect(")")
	}
	b, err := p.operand()
	if err != nil {
		return false, err
	}
	c, ok := compare(a, b)
	switch op {
	case "=":
		return ok && c == 0, nil
	case "<>":
		return !ok || c != 0, nil
	case "<":
		return ok && c < 0, nil
	case "<=":
		return ok && c <= 0, nil
	case ">":
		return ok && c > 0, nil
	case ">=":
		return ok && c >= 0, nil
	}
	return false, validation("unknown comparator %q", op)
}

// operand reads a :value, size(path) or an attribute path; a path that is
// not in the item is nil.
func (p *parser) operand() (types.AttributeValue, error) {
	t := p.next()
	switch {
	case strings.HasPrefix(t, ":"):
		v, ok := p.values[t]
		if !ok {
			return nil, validation("value %s is not defined", t)
		}
		return v, nil
	case strings.EqualFold(t, "size") && p.peek() == "(":
		p.next()
		v, err := p.operand()
		if err != nil {
			return nil, err
		}
		if err := p.expect(")"); err != nil {
			return nil, err
		}
		if v == nil {
			return nil, nil
		}
		return &types.AttributeValueMemberN{Value: big.NewInt(int64(sizeOf(v))).String()}, nil
	}
	name, err := p.name(t)
	if err != nil {
		return nil, err
	}
	var cur types.AttributeValue
	if p.item != nil {
		cur = p.item[name]
	}
	for p.peek() == "." || p.peek() == "[" {
		switch p.next() {
		case ".":
			n, err := p.name(p.next())
			if err != nil {
				return nil, err
			}
			m, ok := cur.(*types.AttributeValueMemberM)
			cur = nil
			if ok {
				cur = m.Value[n]
			}
		case "[":
			idx, ok := new(big.Int).SetString(p.next(), 10)
			if !ok {
				return nil, validation("list index must be a number")
			}
			if err := p.expect("]"); err != nil {
				return nil, err
			}
			l, isList := cur.(*types.AttributeValueMemberL)
			cur = nil
			if isList && idx.IsInt64() && idx.Int64() < int64(len(l.Value)) {
				cur = l.Value[idx.Int64()]
			}
		}
	}
	return cur, nil
}

func (p *parser) name(t string) (string, error) {
	if strings.HasPrefix(t, "#") {
		n, ok := p.names[t]
		if !ok {
			return "", validation("name %s is not defined", t)
		}
		return n, nil
	}
	if t == "" || !(t[0] == '_' || unicode.IsLetter(rune(t[0]))) {
		return "", validation("expected an attribute name, found %q", t)
	}
	return t, nil
}

// compare orders two values of the same scalar type.
func compare(a, b types.AttributeValue) (int, bool) {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		if y, ok := b.(*types.AttributeValueMemberS); ok {
			return strings.Compare(x.Value, y.Value), true
		}
	case *types.AttributeValueMemberN:
		if y, ok := b.(*types.AttributeValueMemberN); ok {
			fx, _, e1 := big.ParseFloat(x.Value, 10, 200, big.ToNearestEven)
			fy, _, e2 := big.ParseFloat(y.Value, 10, 200, big.ToNearestEven)
			if e1 == nil && e2 == nil {
				return fx.Cmp(fy), true
			}
		}
	case *types.AttributeValueMemberB:
		if y, ok := b.(*types.AttributeValueMemberB); ok {
			return bytes.Compare(x.Value, y.Value), true
		}
	case *types.AttributeValueMemberBOOL:
		if y, ok := b.(*types.AttributeValueMemberBOOL); ok && x.Value == y.Value {
			return 0, true
		}
		return 1, b != nil
	}
	return 0, false
}

func contains(a, b types.AttributeValue) bool {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		return ok && strings.Contains(x.Value, y.Value)
	case *types.AttributeValueMemberSS:
		y, ok := b.(*types.AttributeValueMemberS)
		for _, e := range x.Value {
			if ok && e == y.Value {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, e := range x.Value {
			if c, ok := compare(e, b); ok && c == 0 {
				return true
			}
		}
	}
	return false
}

func sizeOf(v types.AttributeValue) int {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return len(x.Value)
	case *types.AttributeValueMemberB:
		return len(x.Value)
	case *types.AttributeValueMemberL:
		return len(x.Value)
	case *types.AttributeValueMemberM:
		return len(x.Value)
	case *types.AttributeValueMemberSS:
		return len(x.Value)
	case *types.AttributeValueMemberNS:
		return len(x.Value)
	case *types.AttributeValueMemberBS:
		return len(x.Value)
	}
	return 0
}

func typeName(v types.AttributeValue) string {
	switch v.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	}
	return ""
}
