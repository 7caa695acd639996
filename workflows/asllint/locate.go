package asllint

import (
	"bytes"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// Pointer turns a finding's Path ("States.Persist.Retry[0]") into an RFC 6901
// JSON pointer ("/States/Persist/Retry/0") into the definition def (its JSON
// text). State names may contain "." and "[", so the path is matched against
// the definition's actual keys. When part of the path does not exist (a
// missing Next, say), the pointer names the deepest node that does, and
// exact is false. A definition that is not JSON yields "" and false.
func Pointer(def []byte, path string) (ptr string, exact bool) {
	var v any
	if err := json.Unmarshal(def, &v); err != nil {
		return "", false
	}
	if path == "" {
		return "", true
	}
	segs, exact := resolve(v, path, 0)
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(s))
	}
	return b.String(), exact
}

// resolve matches path against v and returns the keys and indices it walks
// through; exact reports whether the whole path matched.
func resolve(v any, path string, depth int) (segs []string, exact bool) {
	if path == "" {
		return nil, true
	}
	if depth > maxLocateDepth {
		return nil, false
	}
	switch t := v.(type) {
	case map[string]any:
		// Longer keys first, so that "a.b" wins over "a" for the path "a.b".
		keys := sortedKeys(t)
		sort.SliceStable(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
		var best []string
		for _, k := range keys {
			child := t[k]
			rest, ok := strings.CutPrefix(path, k)
			if !ok || rest != "" && rest[0] != '.' && rest[0] != '[' {
				continue
			}
			rest = strings.TrimPrefix(rest, ".")
			sub, ok := resolve(child, rest, depth+1)
			cand := append([]string{k}, sub...)
			if ok {
				return cand, true
			}
			if len(cand) > len(best) {
				best = cand
			}
		}
		return best, false
	case []any:
		if !strings.HasPrefix(path, "[") {
			return nil, false
		}
		end := strings.IndexByte(path, ']')
		if end < 0 {
			return nil, false
		}
		i, err := strconv.Atoi(path[1:end])
		if err != nil || i < 0 || i >= len(t) {
			return nil, false
		}
		rest := strings.TrimPrefix(path[end+1:], ".")
		sub, ok := resolve(t[i], rest, depth+1)
		return append([]string{path[1:end]}, sub...), ok
	}
	return nil, false
}

// maxLocateDepth bounds the recursion of Pointer and Line on hostile input.
const maxLocateDepth = 256

// Line returns the 1-based line of the value a JSON pointer names in the JSON
// text src, or 0 when src is not JSON or the pointer names nothing. With
// duplicate keys the first one counts.
func Line(src []byte, ptr string) int {
	var want []string
	if ptr != "" {
		for _, s := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
			want = append(want, strings.NewReplacer("~1", "/", "~0", "~").Replace(s))
		}
	}
	dec := json.NewDecoder(bytes.NewReader(src))
	found := -1
	// walk reads one value; on says the path so far matches want[:depth].
	var walk func(on bool, depth int) bool
	walk = func(on bool, depth int) bool {
		if depth > maxLocateDepth {
			return false
		}
		start := skipSeparators(src, int(dec.InputOffset()))
		if on && depth == len(want) && found < 0 {
			found = start
		}
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := k.(string)
				if !walk(on && depth < len(want) && want[depth] == key, depth+1) {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if !walk(on && depth < len(want) && want[depth] == strconv.Itoa(i), depth+1) {
					return false
				}
			}
			_, err = dec.Token()
			return err == nil
		}
		return true
	}
	walk(true, 0)
	if found < 0 {
		return 0
	}
	return 1 + bytes.Count(src[:found], []byte("\n"))
}

// skipSeparators returns the offset of the next value at or after i: past
// whitespace and the ',' and ':' a json.Decoder consumes lazily.
func skipSeparators(src []byte, i int) int {
	for i < len(src) {
		switch src[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
		default:
			return i
		}
	}
	return i
}
