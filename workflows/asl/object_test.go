package asl

import (
	"fmt"
	"testing"
)

// Both forms of Object hold the same members in the same order through
// Set, Get, Member, Len, With and MarshalJSON; a small object that grows
// past maxSmallObject members turns into the map form.
func TestObjectForms(t *testing.T) {
	for _, n := range []int{0, 1, 4, 5, maxSmallObject, maxSmallObject + 1, 20} {
		small, big := NewSmallObject(0), NewObject(0)
		want := "{"
		for i := range n {
			k := fmt.Sprintf("k%d", i)
			small.Set(k, i)
			big.Set(k, i)
			if i > 0 {
				want += ","
			}
			want += fmt.Sprintf("%q:%d", k, i)
		}
		small.Set("k0", "again") // replacing keeps the place
		big.Set("k0", "again")
		if n > 0 {
			want = "{" + `"k0":"again"` + want[len(`{"k0":0`):]
		} else {
			want = `{"k0":"again"`
		}
		want += "}"
		for name, o := range map[string]*Object{"small": small, "map": big, "small.With": small.With("x", 1), "map.With": big.With("x", 1)} {
			w := want
			if name == "small.With" || name == "map.With" {
				w = want[:len(want)-1] + `,"x":1}`
			}
			b, err := o.MarshalJSON()
			if err != nil || string(b) != w {
				t.Errorf("n=%d %s: %s %v, want %s", n, name, b, err, w)
			}
			if v, ok := o.Get("k0"); !ok || v != "again" {
				t.Errorf("n=%d %s: Get(k0) = %v %v", n, name, v, ok)
			}
			if _, ok := o.Get("missing"); ok {
				t.Errorf("n=%d %s: Get(missing) found a member", n, name)
			}
			for i := range o.Len() {
				k, v := o.Member(i)
				if got, _ := o.Get(k); got != v {
					t.Errorf("n=%d %s: Member(%d) = %s %v, Get gives %v", n, name, i, k, v, got)
				}
			}
		}
		if small.Len() > maxSmallObject && small.Values == nil {
			t.Errorf("n=%d: a small object with %d members kept the small form", n, small.Len())
		}
		if small.Len() <= maxSmallObject && small.Values != nil {
			t.Errorf("n=%d: a small object with %d members has a map", n, small.Len())
		}
	}
	var none *Object
	if none.Len() != 0 || none.With("a", 1).Len() != 1 {
		t.Error("a nil object is not empty")
	}
}
